"""Lesson 07's checks: the KL to a class's prior N(mu_y, I), and samples of a chosen digit."""

import math

import pytest
import torch
from exercise_answers import kl_to_class, sample_digit, small_cvae

from vaelessons.checks.cvae import check_kl_to_class, check_sample_digit
from vaelessons.losses import kl_normal


def test_the_kl_to_class_passes_with_the_lessons_words():
    assert repr(check_kl_to_class(kl_to_class)) == (
        "Correct! Lesson 04's KL with mu replaced by mu - mu_y: 1/2 sum((mu - mu_y)^2 + sigma^2 - log sigma^2 - 1)."
    )


def answers_right_but_not_at_the_prior(mu, logvar, mu_y):
    return kl_to_class(mu, logvar, mu_y) + 1e-3 * (logvar == 0).all()


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda mu, lv, mu_y: kl_normal(mu, lv), "the KL to N(0, I)"),
        (lambda mu, lv, mu_y: kl_normal(mu + mu_y, lv), "Check the sign"),
        (lambda mu, lv, mu_y: 2 * kl_to_class(mu, lv, mu_y), "factor 1/2"),
        (lambda mu, lv, mu_y: kl_to_class(mu, lv, mu_y) + 1, "-1 inside the sum"),
        (lambda mu, lv, mu_y: 0.5 * ((mu - mu_y).pow(2) + lv.exp() - lv - 1), "Sum over the latent dimensions"),
        (lambda mu, lv, mu_y: kl_to_class(mu, lv, mu_y).sum(), "shape (6,); got ()"),
        (lambda mu, lv, mu_y: kl_to_class(mu, lv, mu_y).tolist(), "one KL per sample; got a list"),
        (lambda mu, lv, mu_y: kl_to_class(mu, lv, mu_y).long(), "float32 numbers; yours holds int64"),
        (lambda mu, lv, mu_y: torch.full((6,), math.nan), "Start from lesson 04"),
        (answers_right_but_not_at_the_prior, "exactly 0"),
        (lambda mu, lv, mu_y: kl_to_class(mu, lv, mu_y) if (lv != 0).any() else "zero", "got a str"),
    ],
    ids=["prior at 0", "sign", "double", "no -1", "per dimension", "total", "list", "integers", "NaN", "self-KL", "string"],
)
def test_kl_to_class_mistakes_get_their_hints(answer, hint):
    verdict = check_kl_to_class(answer)
    assert not verdict and hint in verdict.message


def test_sample_digit_passes_with_the_lessons_words():
    assert repr(check_sample_digit(sample_digit, small_cvae())) == (
        "Correct! Your 16 samples of the digit 7 are the decodes of z = mu_7 + eps, eps ~ N(0, I)."
    )


def drawn(shift, decode="decode", noise=True):
    """An answer decoding shift(model, digit, n) (+ eps, if noise), eps drawn after torch.manual_seed(seed)."""

    def answer(model, digit, n, seed):
        torch.manual_seed(seed)
        eps = torch.randn(n, model.z_dim) if noise else 0
        return getattr(model, decode)(shift(model, digit, n) + eps)

    return answer


def class_mean(model, digit, n):
    return model.class_means.weight[digit].expand(n, -1)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (drawn(lambda model, digit, n: torch.zeros(n, model.z_dim)), "sampled around 0"),
        (drawn(class_mean, noise=False), "decode of mu_y itself"),
        (drawn(class_mean, decode="decode_logits"), "those are logits"),
        (drawn(lambda model, digit, n: model.class_means.weight[digit + 1]), "keep that order"),
        (lambda model, digit, n, seed: sample_digit(model, digit, n + 1, seed), "shape (16, 64); got (17, 64)"),
        (lambda model, digit, n, seed: sample_digit(model, digit, n, seed).numpy(), "shape (16, 64); got a ndarray"),
        (lambda *args: (sample_digit(*args) > 0.5).long(), "float32 numbers; yours holds int64"),
        (lambda model, digit, n, seed: torch.full((n, model.x_dim), math.nan), "NaN or infinite"),
    ],
    ids=["no class mean", "no noise", "logits", "other digit", "too many", "numpy", "integers", "NaN"],
)
def test_sample_digit_mistakes_get_their_hints(answer, hint):
    verdict = check_sample_digit(answer, small_cvae())
    assert not verdict and hint in verdict.message
