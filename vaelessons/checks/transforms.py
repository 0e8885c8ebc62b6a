"""Checks for lesson 01 (distribution transforms): an inverse CDF by hand, and a map from N(0, 1) to a uniform."""

import numpy as np
from scipy import stats

from . import Verdict, attempt, correct, not_yet


def _array(result, n: int):
    """The student's result as a float numpy array of n values, or a Verdict saying why it is not one."""
    try:
        values = np.asarray(result, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return not_yet(f"Return an array of numbers (numpy or torch), got a {type(result).__name__}.")
    if values.size != n:
        return not_yet(f"Return one value per input: {n} inputs went in, {values.size} values came out.")
    if not np.isfinite(values).all():
        return not_yet("Some of your values are NaN or infinite: check for log(0) or a division by zero.")
    return values


def check_exponential_inverse_cdf(inverse_cdf) -> Verdict:
    """inverse_cdf(u, rate) must be F^-1(u) = -log(1 - u) / rate, the inverse of F(x) = 1 - exp(-rate x)."""
    u = np.linspace(0.01, 0.99, 99)
    for rate in (1.0, 2.5):
        got, verdict = attempt(inverse_cdf, u.copy(), rate)
        if verdict is not None:
            return verdict
        x = _array(got, u.size)
        if isinstance(x, Verdict):
            return x
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


def check_uniform_map(to_uniform, low: float = -1.0, high: float = 3.0) -> Verdict:
    """to_uniform(z) must turn N(0, 1) samples z (n,) into Uniform(low, high) samples (n,)."""
    z = np.random.default_rng(1).standard_normal(20_000)
    got, verdict = attempt(to_uniform, z.copy())
    if verdict is not None:
        return verdict
    x = _array(got, z.size)
    if isinstance(x, Verdict):
        return x
    if x.min() < low - 1e-6 or x.max() > high + 1e-6:
        return not_yet(
            f"Your values run from {x.min():.2f} to {x.max():.2f}, but Uniform({low:g}, {high:g}) never leaves "
            f"[{low:g}, {high:g}]. Map z to u = Phi(z) in [0, 1] first (scipy.stats.norm.cdf)."
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
