"""Lesson 05's checks: a reparameterized sample that lets gradients through, and the normal's score function."""

import math

import numpy as np
import pytest
import torch
from exercise_answers import rsample, score

from vaelessons.checks.reparam import check_rsample, check_score


def test_rsample_passes_with_the_lessons_words():
    assert repr(check_rsample(rsample)) == "Correct! z ~ N(mu, sigma^2), and dz/dmu = 1, dz/dsigma = eps reach mu and sigma."


@pytest.mark.parametrize(
    "answer",
    [
        lambda m, s: torch.distributions.Normal(m, s).rsample(),
        lambda m, s: m + s * torch.randn(m.shape),
        lambda m, s: rsample(m.double(), s.double()),
    ],
    ids=["Normal.rsample", "randn", "float64"],
)
def test_other_reparameterized_samples_pass(answer):
    assert check_rsample(answer)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda m, s: torch.distributions.Normal(m, s).sample(), "carry no gradient"),
        (lambda m, s: torch.normal(m, s), "zero gradients"),
        (lambda m, s: m + torch.randn_like(m) * s**2, "not by its square"),
        (lambda m, s: m + torch.randn_like(m) * s.detach(), "Gradients do not reach both"),
        (lambda m, s: torch.randn_like(m) * s, "not mu = 1.5"),
        (lambda m, s: m * 1.0, "Every sample equals mu"),
        (lambda m, s: m + torch.randn_like(m), "not sigma = 0.5"),
        (lambda m, s: m + torch.randn_like(m) * 2 * s**2, "dz/dsigma should be eps"),  # std 0.5 too
        (lambda m, s: rsample(m, s)[:-1], "shaped like mu, (200000,); got (199999,)"),
        (lambda m, s: rsample(m, s).tolist()[:3], "shaped like mu, (200000,); got a list"),
        (lambda m, s: rsample(m, s).round().long(), "float32 numbers; yours holds int64"),
        (lambda m, s: torch.full_like(m, math.nan), "NaN or infinite"),
    ],
    ids=[
        "sample",
        "torch.normal",
        "variance",
        "sigma detached",
        "no mu",
        "no noise",
        "no sigma",
        "2 sigma^2",
        "too few",
        "list",
        "integers",
        "NaN",
    ],
)
def test_rsample_mistakes_get_their_hints(answer, hint):
    verdict = check_rsample(answer)
    assert not verdict and hint in verdict.message


def test_score_passes_with_the_lessons_words():
    assert repr(check_score(score)) == (
        "Correct! Both derivatives match autograd: (z - mu) / sigma^2 and ((z - mu)^2 - sigma^2) / sigma^3."
    )


@pytest.mark.parametrize(
    "change",
    [lambda t: t.double(), lambda t: t.clone().requires_grad_(), lambda t: t.numpy(), lambda t: t.tolist()],
    ids=["float64", "gradients", "numpy", "list"],
)
def test_the_score_in_another_form_passes(change):
    assert check_score(lambda z, m, s: [change(t) for t in score(z, m, s)])


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda z, m, s: ((z - m) / s, ((z - m) ** 2 - s**2) / s**3), "sigma squared"),
        (lambda z, m, s: ((m - z) / s**2, ((z - m) ** 2 - s**2) / s**3), "wrong sign"),
        (lambda z, m, s: ((z - m), ((z - m) ** 2 - s**2) / s**3), "d/dmu is off"),
        (lambda z, m, s: ((z - m) / s**2, (z - m) ** 2 / s**3), "-1/sigma"),
        (lambda z, m, s: ((z - m) / s**2, (z - m) ** 2 / s**2), "d/dsigma is off"),
        (lambda z, m, s: (z - m) / s**2, "Return a pair"),
        (lambda z, m, s: ("d_mu", "d_sigma"), "your first one is a str"),
        (lambda z, m, s: ((z - m) / s**2, "d_sigma"), "your second one is a str"),
        (lambda z, m, s: ((z - m)[:5] / s[:5] ** 2, ((z - m) ** 2 - s**2) / s**3), "two tensors of shape (100,)"),
        (lambda z, m, s: tuple(t.long() for t in score(z, m, s)), "float32 numbers; yours holds int64"),
        (lambda z, m, s: (np.full(100, np.nan), np.full(100, np.nan)), "NaN or inf"),
    ],
    ids=["sigma", "sign", "no sigma", "no -1/sigma", "sigma^2", "one tensor", "strings", "one string", "five", "integers", "NaN"],
)
def test_score_mistakes_get_their_hints(answer, hint):
    verdict = check_score(answer)
    assert not verdict and hint in verdict.message
