"""Checks for lesson 01 (distribution transforms): an inverse CDF by hand, and a map from N(0, 1) to a uniform."""

import numpy as np
import torch
from scipy import stats

from . import NotYet, Verdict, attempt, check, correct, not_yet


def _values(result, n: int) -> np.ndarray:
    """The student's result as a float numpy array of n values (n,); raise NotYet saying why it is not one."""
    try:
        values = np.asarray(result.detach().cpu() if isinstance(result, torch.Tensor) else result)
    except (TypeError, ValueError, RuntimeError):
        values = None
    if values is None or values.dtype.kind not in "iuf":
        raise NotYet(f"Return an array of numbers (numpy or torch), got a {type(result).__name__}.")
    values = values.astype(float).reshape(-1)
    if values.size != n:
        raise NotYet(f"Return one value per input: {n} inputs went in, {values.size} values came out.")
    if not np.isfinite(values).all():
        raise NotYet("Some of your values are NaN or infinite: check for log(0) or a division by zero.")
    return values


@check
def check_exponential_inverse_cdf(inverse_cdf) -> Verdict:
    """inverse_cdf(u, rate) must be F^-1(u) = -log(1 - u) / rate, the inverse of F(x) = 1 - exp(-rate x)."""
    u = np.linspace(0.01, 0.99, 99)
    for rate in (1.0, 2.5):
        x = _values(attempt(inverse_cdf, u.copy(), rate), u.size)
        back = 1 - np.exp(-rate * x)  # F(F^-1(u)) must give u back
        if np.allclose(back, u, atol=1e-6):
            continue
        if np.allclose(back, 1 - u, atol=1e-6):
            return not_yet(
                "F(your x) gives 1 - u instead of u: -log(u) / rate samples the right distribution, but it is the "
                "inverse of the survival function 1 - F. Solve u = 1 - exp(-rate x) for x."
            )
        if np.allclose(1 - np.exp(-x), u, atol=1e-6):
            return not_yet(f"Your answer ignores the rate: it is right for rate 1 but not for rate {rate}.")
        if np.allclose(1 - np.exp(-x / rate), u, atol=1e-6):  # x = rate * (-log(1 - u))
            return not_yet("You multiply by the rate where you should divide: the mean of the exponential is 1 / rate.")
        if (x < 0).any():
            return not_yet("Some of your x are negative, but an exponential variable is never negative.")
        return not_yet("F(your x) is not u. Start from u = F(x) = 1 - exp(-rate x) and solve for x.")
    return correct("F(F^-1(u)) = u for every u tested, at rates 1 and 2.5: x = -log(1 - u) / rate.")


@check
def check_uniform_map(to_uniform, low: float = -1.0, high: float = 3.0) -> Verdict:
    """to_uniform(z) must map N(0, 1) samples z (n,) one by one to Uniform(low, high) samples (n,): x_i = g(z_i)."""
    z = np.random.default_rng(1).standard_normal(20_000)
    x = _values(attempt(to_uniform, z.copy()), z.size)
    if x.min() < low - 1e-6 or x.max() > high + 1e-6:
        return not_yet(
            f"Your values run from {x.min():.2f} to {x.max():.2f}, but Uniform({low:g}, {high:g}) never leaves "
            f"[{low:g}, {high:g}]. Map z to u = Phi(z) in [0, 1] first (scipy.stats.norm.cdf)."
        )
    if not np.allclose(_values(attempt(to_uniform, z.copy()), z.size), x, rtol=0, atol=1e-9):
        return not_yet(
            "Called twice on the same z, your function gives other values: it draws new random numbers instead of "
            "transforming z. Make x a function of z: u = Phi(z) (scipy.stats.norm.cdf), then scale and shift it."
        )
    some = np.random.default_rng(2).permutation(z.size)[:5000]  # a shuffled subset: each z must keep its own x
    if not np.allclose(_values(attempt(to_uniform, z[some]), some.size), x[some], rtol=0, atol=1e-9):
        return not_yet(
            "Your value for one z depends on the other values in the array (shuffled or fewer inputs change it): "
            "apply one function to each z, such as low + (high - low) * Phi(z)."
        )
    d = stats.kstest(x, stats.uniform(low, high - low).cdf).statistic
    if d < 0.02:
        return correct(
            f"Your 20,000 values fill [{low:g}, {high:g}] evenly (largest CDF gap {d:.3f}): that is the inverse-CDF "
            "construction with F^-1(u) = low + (high - low) u."
        )
    if x.max() - x.min() < 0.9 * (high - low):
        return not_yet(
            f"Your values stay inside [{x.min():.2f}, {x.max():.2f}]: stretch Phi(z), which lies in [0, 1], "
            f"to cover all of [{low:g}, {high:g}]."
        )
    return not_yet(
        f"Your values stay in [{low:g}, {high:g}] but are not spread evenly (largest CDF gap {d:.2f}). "
        "A uniform needs u = Phi(z) itself, scaled and shifted; any other squashing of z piles values up somewhere."
    )
