"""Lesson 03's checks: the KL's weights near the prior, and the variance of the aggregate posterior."""

import math

import numpy as np
import pytest
import torch
from exercise_answers import aggregate_variance

from vaelessons.checks.posterior import check_aggregate_variance, check_kl_weights


@pytest.mark.parametrize("answer", [(..., ...), (0.5, ...), (None, 0.25)])
def test_untouched_weights_ask_for_numbers(answer):
    assert repr(check_kl_weights(*answer)) == "Not yet. Replace both `...` with numbers, run the cell, then run this check again."


def test_the_weights_pass_with_the_lessons_words():
    assert repr(check_kl_weights(0.5, 0.25)) == (
        "Correct! Near the prior, KL ~ 1/2 mu^2 + 1/4 (log sigma^2)^2: the KL is the two penalties with its own weights."
    )


@pytest.mark.parametrize(
    "w_mu, w_sigma",
    [(1 / 2, 1 / 4), (np.float64(0.5), np.float32(0.25)), (torch.tensor(0.5, requires_grad=True), torch.tensor([0.25]))],
    ids=["fractions", "numpy scalars", "tensors"],
)
def test_the_weights_as_other_numbers_pass(w_mu, w_sigma):
    assert check_kl_weights(w_mu, w_sigma)


@pytest.mark.parametrize(
    "w_mu, w_sigma, hint",
    [
        (0.5, 0.5, "multiplies it once more"),
        (1, 0.25, "w_mu: the KL holds the term 1/2 * mu^2"),
        (0.5, 1, "w_sigma: with v = logvar"),
        (0.5, math.nan, "w_sigma: with v = logvar"),
        ("0.5", 0.25, "w_mu should be a plain number"),
        (0.5, [0.25], "w_sigma should be a plain number"),
        (0.5, torch.tensor([0.25, 0.25]), "w_sigma should be a plain number"),
        (True, 0.25, "w_mu should be a plain number"),
    ],
    ids=["half", "w_mu 1", "w_sigma 1", "NaN", "string", "list", "two values", "bool"],
)
def test_wrong_weights_get_their_hints(w_mu, w_sigma, hint):
    verdict = check_kl_weights(w_mu, w_sigma)
    assert not verdict and hint in verdict.message


def test_the_aggregate_variance_passes_with_the_lessons_words():
    assert repr(check_aggregate_variance(aggregate_variance)) == (
        "Correct! Var[z] = E[sigma^2] + Var[mu]: the noise inside each posterior plus the spread of their centres."
    )


@pytest.mark.parametrize(
    "answer",
    [
        lambda m, lv: lv.exp().mean(0) + m.var(0),  # Bessel's correction: within 1% for 500 samples
        lambda m, lv: aggregate_variance(m.double(), lv.double()),
        lambda m, lv: aggregate_variance(m.clone().requires_grad_(), lv),
    ],
    ids=["unbiased", "float64", "gradients"],
)
def test_other_ways_to_the_aggregate_variance_pass(answer):
    assert check_aggregate_variance(answer)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda m, lv: lv.exp().mean(0), "add Var[mu]"),
        (lambda m, lv: m.var(0), "add E[sigma^2]"),
        (lambda m, lv: (0.5 * lv).exp().mean(0) + m.var(0), "not standard deviations"),
        (lambda m, lv: lv.exp() + m.var(0), "shape (Z,) = (2,), got (500, 2): average over dim=0"),
        (lambda m, lv: (lv.exp().mean(0) + m.var(0)).sum(), "got ()"),
        (lambda m, lv: lv.mean(0) + m.var(0), "Law of total variance"),
        (lambda m, lv: torch.full((2,), math.nan), "NaN or inf"),
        (lambda m, lv: [1.0, 2.0], "Return a torch tensor of shape (Z,) = (2,); got a list"),
        (lambda m, lv: aggregate_variance(m, lv).long(), "float32 numbers; yours holds int64"),
    ],
    ids=["noise only", "centres only", "stds", "no mean", "summed", "logvar", "NaN", "list", "integers"],
)
def test_aggregate_variance_mistakes_get_their_hints(answer, hint):
    verdict = check_aggregate_variance(answer)
    assert not verdict and hint in verdict.message
