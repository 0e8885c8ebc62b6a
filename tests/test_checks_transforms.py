"""Lesson 01's checks: the exponential's inverse CDF by hand, and a map from N(0, 1) samples to Uniform(-1, 3)."""

import numpy as np
import pytest
import torch
from exercise_answers import exponential_inverse_cdf, to_uniform
from scipy import stats

from vaelessons.checks.transforms import check_exponential_inverse_cdf, check_uniform_map


def test_the_inverse_cdf_passes_with_the_lessons_words():
    verdict = check_exponential_inverse_cdf(exponential_inverse_cdf)
    assert repr(verdict) == "Correct! F(F^-1(u)) = u for every u tested, at rates 1 and 2.5: x = -log(1 - u) / rate."


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda u, rate: -np.log(u) / rate, "survival function"),
        (lambda u, rate: -np.log(1 - u), "ignores the rate"),
        (lambda u, rate: -np.log(1 - u) * rate, "multiply by the rate"),
        (lambda u, rate: np.log(1 - u) / rate, "never negative"),
        (lambda u, rate: -np.log(1 - u[:-1]) / rate, "99 inputs went in, 98 values came out"),
        (lambda u, rate: -np.log(u - u) / rate, "NaN or infinite"),
        (lambda u, rate: "x", "array of numbers"),
        (lambda u, rate: u / rate, "Start from u = F(x)"),
        (lambda u: -np.log(1 - u), "TypeError"),
    ],
    ids=["survival", "no rate", "times rate", "negative", "too few", "log 0", "string", "other", "one argument"],
)
def test_inverse_cdf_mistakes_get_their_hints(answer, hint):
    with np.errstate(divide="ignore"):
        verdict = check_exponential_inverse_cdf(answer)
    assert not verdict and hint in verdict.message


@pytest.mark.parametrize("as_torch", [lambda x: torch.tensor(x, requires_grad=True), lambda x: torch.tensor(x).float()])
def test_an_inverse_cdf_in_torch_with_or_without_gradients_passes(as_torch):
    assert check_exponential_inverse_cdf(lambda u, rate: as_torch(exponential_inverse_cdf(u, rate)))


def test_the_uniform_map_passes_with_the_lessons_words():
    verdict = check_uniform_map(to_uniform)
    assert repr(verdict) == (
        "Correct! Your 20,000 values fill [-1, 3] evenly (largest CDF gap 0.008): that is the inverse-CDF "
        "construction with F^-1(u) = low + (high - low) u."
    )


@pytest.mark.parametrize(
    "answer",
    [lambda z: 3 - 4 * stats.norm.cdf(z), lambda z: -1 + 4 * (2 * stats.norm.cdf(np.abs(z)) - 1)],
    ids=["decreasing", "folded"],
)
def test_any_deterministic_map_to_the_uniform_passes(answer):
    assert check_uniform_map(answer)  # the exercise asks for a map of z to Uniform(-1, 3), not for a monotone one


def notebook_rng_uniform(z):
    return rng.uniform(-1, 3, size=len(z))


rng = np.random.default_rng(0)  # as lesson 01 defines it, before the exercise


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda z: np.random.uniform(-1, 3, size=len(z)), "Called twice on the same z"),
        (notebook_rng_uniform, "Called twice on the same z"),
        (lambda z: np.random.rand(len(z)), "Called twice on the same z"),
        (lambda z: np.random.default_rng(0).uniform(-1, 3, size=len(z)), "depends on the other values"),
        (lambda z: -1 + 4 * stats.rankdata(z) / len(z), "depends on the other values"),
        (lambda z: np.sort(-1 + 4 * stats.norm.cdf(z)), "depends on the other values"),
    ],
    ids=["fresh uniforms", "the notebook's rng", "fresh rand", "fixed uniforms", "ranks", "sorted"],
)
def test_values_that_ignore_z_are_not_a_map(answer, hint):
    verdict = check_uniform_map(answer)
    assert not verdict and hint in verdict.message


def test_the_check_leaves_the_notebooks_own_generator_where_it_was():
    expected = np.random.default_rng(0).uniform(size=3)
    rng.bit_generator.state = np.random.default_rng(0).bit_generator.state
    check_uniform_map(notebook_rng_uniform)
    assert np.array_equal(rng.uniform(size=3), expected)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda z: z, "never leaves [-1, 3]"),
        (lambda z: stats.norm.cdf(z), "stretch Phi(z)"),
        (lambda z: 1 + 2 * np.tanh(z), "not spread evenly"),
        (lambda z: -1 + 4 * stats.norm.cdf(z[:-1]), "20000 inputs went in, 19999 values came out"),
        (lambda z: [str(v) for v in z], "array of numbers"),
    ],
    ids=["identity", "Phi alone", "tanh", "too few", "strings"],
)
def test_uniform_map_mistakes_get_their_hints(answer, hint):
    verdict = check_uniform_map(answer)
    assert not verdict and hint in verdict.message


def test_a_uniform_map_in_torch_with_gradients_passes():
    assert check_uniform_map(lambda z: torch.tensor(to_uniform(z), requires_grad=True))
