"""Checks for lesson 04 (the KL term): the closed-form Gaussian KL, and when a uniform KL is finite."""

import math

import torch
from torch.distributions import Normal, kl_divergence

from . import Verdict, as_float_tensor, as_number, attempt, check, correct, not_yet


def _reference_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) summed over the last dim, by torch.distributions: (N, Z) -> (N,)."""
    q = Normal(mu, (0.5 * logvar).exp())
    return kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(dim=1)


@check
def check_kl_normal(kl_normal) -> Verdict:
    """Compare the student's kl_normal(mu, logvar) (N, Z) -> (N,) with torch.distributions on random inputs."""
    g = torch.Generator().manual_seed(4)
    mu, logvar = torch.randn(64, 3, generator=g), torch.randn(64, 3, generator=g)
    got = as_float_tensor(attempt(kl_normal, mu.clone(), logvar.clone()), "a torch tensor of shape (N,), one KL per sample")
    want = _reference_kl(mu, logvar)
    if got.shape != want.shape:
        if got.shape == mu.shape:
            return not_yet("You return one KL per latent dimension, shape (N, Z): sum over the last dimension to get (N,).")
        if got.ndim == 0:
            return not_yet("You return one number for the whole batch: keep one KL per sample, shape (N,) (sum over dim=1 only).")
        return not_yet(f"Expected shape {tuple(want.shape)} (one KL per sample), got {tuple(got.shape)}.")
    if torch.allclose(got, want, atol=1e-4):
        return correct("Your KL matches torch.distributions.kl_divergence on 64 random (mu, log sigma^2) pairs.")
    sigma2, sigma = logvar.exp(), (0.5 * logvar).exp()
    mistakes = {
        "a missing factor 1/2: the formula is 1/2 (mu^2 + sigma^2 - log sigma^2 - 1).": 2 * want,
        "a mean over latent dimensions where the formula sums: sum over dim=1.": want / mu.shape[1],
        "sigma where sigma^2 belongs: logvar is log sigma^2, so sigma^2 = exp(logvar).": 0.5
        * (mu**2 + sigma - logvar - 1).sum(1),
        "a log sigma where the formula has log sigma^2 (logvar itself is already log sigma^2).": 0.5
        * (mu**2 + sigma2 - 0.5 * logvar - 1).sum(1),
        "the sign of the log term: KL has - log sigma^2, which is large when sigma is tiny.": 0.5
        * (mu**2 + sigma2 + logvar - 1).sum(1),
        "a missing - 1: without it the KL of N(0, 1) to itself is not 0.": want + 0.5 * mu.shape[1],
    }
    for hint, wrong in mistakes.items():
        if torch.allclose(got, wrong, atol=1e-4):
            return not_yet("Close: your result looks like " + hint)
    if not torch.isfinite(got).all():
        return not_yet("Your KL has NaN or inf values: compute sigma^2 as exp(logvar), not from a log of a negative number.")
    return not_yet("The numbers differ from torch.distributions. Check each of the terms mu^2, sigma^2, -log sigma^2, -1.")


# (a, b, c, d) cases for KL(U(a, b) || U(c, d)): nested, touching edges, sticking out, disjoint, reversed roles.
UNIFORM_CASES = [(0, 1, -1, 2), (0, 1, 0, 1), (-2, 2, -1, 1), (0.5, 2, 0, 1), (2, 3, 0, 1), (-1, 1, -3, 5), (0, 1, 0, 4)]


def _uniform_kl(a, b, c, d) -> float:
    return math.log((d - c) / (b - a)) if c <= a and b <= d else math.inf


@check
def check_uniform_kl(uniform_kl) -> Verdict:
    """Check the student's uniform_kl(a, b, c, d) = KL(U(a, b) || U(c, d)) on supports that nest and that do not."""
    for a, b, c, d in UNIFORM_CASES:
        got = as_number(attempt(uniform_kl, a, b, c, d), f"uniform_kl({a}, {b}, {c}, {d})")
        want = _uniform_kl(a, b, c, d)
        if math.isinf(want) and not math.isinf(got):
            return not_yet(
                f"KL(U({a}, {b}) || U({c}, {d})) should be infinite: part of [{a}, {b}] lies outside [{c}, {d}], where "
                f"p = 0 but q > 0, so log(q / p) is infinite there. Return math.inf when [a, b] is not inside [c, d]."
            )
        if math.isinf(got) and not math.isinf(want):
            return not_yet(
                f"KL(U({a}, {b}) || U({c}, {d})) is finite: [{a}, {b}] lies inside [{c}, {d}], so p > 0 wherever q > 0. "
                f"(Which interval must sit inside which? The integral runs over q's support, U(a, b).)"
            )
        if not math.isinf(want) and not math.isclose(got, want, abs_tol=1e-6):
            if math.isclose(got, -want, abs_tol=1e-6):
                return not_yet("The sign is flipped: q's density 1/(b-a) over p's 1/(d-c) gives log((d-c)/(b-a)).")
            return not_yet(
                f"For U({a}, {b}) inside U({c}, {d}) you return {got:.4g}, expected {want:.4g}: integrate "
                f"q log(q/p) with q = 1/(b-a) and p = 1/(d-c) over [a, b]."
            )
    return correct("Finite, log((d-c)/(b-a)), exactly when [a, b] sits inside [c, d]; infinite otherwise.")
