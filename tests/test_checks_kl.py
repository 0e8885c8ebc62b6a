"""Lesson 04's checks: the closed-form KL of a normal to N(0, 1), and when a uniform's KL is finite."""

import math

import pytest
import torch
from exercise_answers import kl_normal_by_hand, uniform_kl

from vaelessons.checks.kl import check_kl_normal, check_uniform_kl


def test_the_kl_passes_with_the_lessons_words():
    assert repr(check_kl_normal(kl_normal_by_hand)) == (
        "Correct! Your KL matches torch.distributions.kl_divergence on 64 random (mu, log sigma^2) pairs."
    )


@pytest.mark.parametrize(
    "answer",
    [
        lambda m, lv: kl_normal_by_hand(m.double(), lv.double()),
        lambda m, lv: kl_normal_by_hand(m.requires_grad_(), lv),
        lambda m, lv: torch.distributions.kl_divergence(
            torch.distributions.Normal(m, (0.5 * lv).exp()), torch.distributions.Normal(0.0, 1.0)
        ).sum(1),
    ],
    ids=["float64", "gradients", "torch.distributions"],
)
def test_other_ways_to_the_kl_pass(answer):
    assert check_kl_normal(answer)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - lv - 1).mean(1), "sum over dim=1"),
        (lambda m, lv: (m**2 + lv.exp() - lv - 1).sum(1), "factor 1/2"),
        (lambda m, lv: 0.5 * (m**2 + (0.5 * lv).exp() - lv - 1).sum(1), "sigma^2 = exp(logvar)"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - 0.5 * lv - 1).sum(1), "logvar itself is already log sigma^2"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() + lv - 1).sum(1), "the sign of the log term"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - lv).sum(1), "a missing - 1"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - lv - 1), "per latent dimension"),
        (lambda m, lv: kl_normal_by_hand(m, lv).sum(), "one number for the whole batch"),
        (lambda m, lv: kl_normal_by_hand(m, lv)[:10], "Expected shape (64,) (one KL per sample), got (10,)"),
        (lambda m, lv: 0.5 * (m**2 + lv.exp() - torch.log(lv) - 1).sum(1), "NaN or inf"),
        (lambda m, lv: 0.5 * (m.abs() + lv.exp() - lv - 1).sum(1), "Check each of the terms"),
        (lambda m, lv: kl_normal_by_hand(m, lv).tolist(), "Return a torch tensor of shape (N,), one KL per sample; got a list"),
        (lambda m, lv: kl_normal_by_hand(m, lv).round().long(), "float32 numbers; yours holds int64"),
        (lambda m, lv: 1 / 0, "ZeroDivisionError"),
    ],
    ids=[
        "mean",
        "no half",
        "sigma",
        "log sigma",
        "sign",
        "no -1",
        "per dimension",
        "batch total",
        "too few",
        "log of logvar",
        "abs",
        "list",
        "integers",
        "raises",
    ],
)
def test_kl_mistakes_get_their_hints(answer, hint):
    verdict = check_kl_normal(answer)
    assert not verdict and hint in verdict.message


def test_the_uniform_kl_passes_with_the_lessons_words():
    assert repr(check_uniform_kl(uniform_kl)) == (
        "Correct! Finite, log((d-c)/(b-a)), exactly when [a, b] sits inside [c, d]; infinite otherwise."
    )


@pytest.mark.parametrize(
    "change", [torch.tensor, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), float], ids=str
)
def test_the_uniform_kl_as_another_number_passes(change):
    assert check_uniform_kl(lambda a, b, c, d: change(uniform_kl(a, b, c, d)))


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda a, b, c, d: math.log((d - c) / (b - a)), "should be infinite"),
        (lambda a, b, c, d: math.inf, "is finite"),
        (lambda a, b, c, d: -uniform_kl(a, b, c, d) if uniform_kl(a, b, c, d) < math.inf else math.inf, "sign is flipped"),
        (lambda a, b, c, d: uniform_kl(a, b, c, d) + 1 if uniform_kl(a, b, c, d) < math.inf else math.inf, "expected"),
        (lambda a, b, c, d: math.nan, "you return nan, expected 1.099"),
        (lambda a, b, c, d: str(uniform_kl(a, b, c, d)), "should be a plain number"),
        (lambda a, b, c, d: [uniform_kl(a, b, c, d)], "should be a plain number"),
        (lambda a, b, c, d: None, "returns nothing yet"),
    ],
    ids=["never infinite", "always infinite", "sign", "off by one", "NaN", "string", "list", "None"],
)
def test_uniform_kl_mistakes_get_their_hints(answer, hint):
    verdict = check_uniform_kl(answer)
    assert not verdict and hint in verdict.message
