"""A latent-variable model small enough to compute exactly: 1-D codes z, points x in the plane.

z ~ N(0, 1) and x | z ~ N(g(z), s^2 I), with g(z) = r (cos 2 pi Phi(z), sin 2 pi Phi(z)) the ring map of lesson 01
at a fixed radius. Because z is 1-D, p(x) = integral of p(x | z) p(z) dz and the posterior p(z | x) are sums over a
fine grid of codes, so lessons 02 and 04 can draw p(x) as a mixture and check log p(x) = ELBO + KL(q || p(z | x)).
"""

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm


def code_grid(n: int = 2001, limit: float = 8.0) -> np.ndarray:
    """n evenly spaced codes (n,) from -limit to limit: the grid on which integrals over z become sums."""
    if n < 3 or limit <= 0:
        raise ValueError(f"code_grid needs n >= 3 and limit > 0, got n={n!r}, limit={limit!r}")
    return np.linspace(-limit, limit, n)


class RingModel:
    """p(z) = N(0, 1), p(x | z) = N(g(z), noise^2 I) with g(z) on the circle of the given radius."""

    def __init__(self, radius: float = 2.0, noise: float = 0.3):
        if not radius > 0 or not noise > 0:
            raise ValueError(f"RingModel needs radius > 0 and noise > 0, got radius={radius!r}, noise={noise!r}")
        self.radius, self.noise = float(radius), float(noise)

    def __repr__(self):
        return f"RingModel(radius={self.radius}, noise={self.noise})"

    def decode(self, z) -> np.ndarray:
        """The decoder's mean g(z): codes (M,) -> points (M, 2) on the circle, at angle 2 pi Phi(z)."""
        theta = 2 * np.pi * norm.cdf(np.asarray(z, dtype=float).reshape(-1))
        return self.radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)

    def log_likelihood(self, x, z) -> np.ndarray:
        """log p(x | z) = log N(x; g(z), noise^2 I) for points x (N, 2) and codes z (M,) -> (N, M)."""
        x, g = _points(x), self.decode(z)
        squared = (x**2).sum(axis=1)[:, None] + (g**2).sum(axis=1)[None, :] - 2 * x @ g.T  # |x - g(z)|^2, no (N, M, 2) array
        return -squared / (2 * self.noise**2) - np.log(2 * np.pi * self.noise**2)

    def log_joint(self, x, z) -> np.ndarray:
        """log p(x, z) = log p(x | z) + log p(z) for points x (N, 2) and codes z (M,) -> (N, M)."""
        return self.log_likelihood(x, z) + norm.logpdf(np.asarray(z, dtype=float).reshape(-1))[None, :]

    def log_evidence(self, x, z=None) -> np.ndarray:
        """log p(x) = log of the sum over the code grid z (M,) of p(x | z) p(z) dz, for points x (N, 2) -> (N,)."""
        z = code_grid() if z is None else _grid(z)
        return logsumexp(self.log_joint(x, z), axis=1) + np.log(z[1] - z[0])

    def log_posterior(self, x, z=None) -> np.ndarray:
        """log p(z | x) = log p(x, z) - log p(x), a density on the code grid z (M,), for points x (N, 2) -> (N, M)."""
        z = code_grid() if z is None else _grid(z)
        return self.log_joint(x, z) - self.log_evidence(x, z)[:, None]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n points (n, 2) drawn as the model generates them: z ~ N(0, 1), then x = g(z) + noise * N(0, I)."""
        rng = np.random.default_rng(seed)
        z = rng.standard_normal(n)
        return self.decode(z) + self.noise * rng.standard_normal((n, 2))


def _points(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 1 and x.shape == (2,):
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"points x must have shape (N, 2) (or (2,) for one point), got {x.shape}")
    return x


def _grid(z) -> np.ndarray:
    z = np.asarray(z, dtype=float).reshape(-1)
    steps = np.diff(z)
    if len(z) < 3 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("the code grid z must be at least 3 evenly spaced, increasing codes (see code_grid)")
    return z
