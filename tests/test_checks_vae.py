"""Lesson 06's checks: the -ELBO of each image by hand, and the centre of a digit's codes in the latent plane."""

import math

import pytest
import torch
from exercise_answers import digit_centre, digits_test, negative_elbo, trained_vae

from vaelessons.checks.vae import check_digit_centre, check_negative_elbo
from vaelessons.losses import kl_normal, reconstruction

RIGHT_ELBO = "Correct! Encode, sample with the reparameterization trick, decode, add reconstruction and KL: what fit minimises."


def judge_elbo(answer):
    return check_negative_elbo(answer, trained_vae(), digits_test())


def test_the_negative_elbo_passes_with_the_lessons_words():
    assert repr(judge_elbo(negative_elbo)) == RIGHT_ELBO


def with_noise(noise, terms="both"):
    """An answer with z = mu + noise(mu, logvar): the -ELBO, or its reconstruction or KL term alone."""

    def answer(model, x):
        mu, logvar = model.encode(x)
        recon, kl = reconstruction(model.decode_logits(mu + noise(mu, logvar)), x), kl_normal(mu, logvar)
        return {"both": recon + kl, "recon": recon, "kl": kl}[terms]

    return answer


def eps_drawn_another_way(mu, logvar):
    return torch.randn(mu.shape[1], mu.shape[0]).T * (0.5 * logvar).exp()  # other numbers, the same distribution


def test_a_negative_elbo_with_its_noise_drawn_another_way_passes():
    assert repr(judge_elbo(with_noise(eps_drawn_another_way))) == RIGHT_ELBO


def constant_mean(model, x):
    values = negative_elbo(model, x)
    return torch.full_like(values, values.mean().item())


def shuffled(model, x):
    values = negative_elbo(model, x)
    return values[torch.randperm(len(values), generator=torch.Generator().manual_seed(0))]


@pytest.mark.parametrize("answer", [constant_mean, shuffled], ids=["the mean for every image", "shuffled values"])
def test_the_right_numbers_on_the_wrong_images_are_wrong(answer):
    verdict = judge_elbo(answer)
    assert not verdict and "each image's value must be its own" in verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (with_noise(lambda mu, lv: 0 * mu), "You decoded the mean mu itself"),
        (with_noise(lambda mu, lv: torch.randn_like(mu) * lv.exp()), "exp(logvar), the variance"),
        (with_noise(lambda mu, lv: torch.randn_like(mu) * (0.5 * lv).exp(), "recon"), "reconstruction term alone"),
        (with_noise(eps_drawn_another_way, "recon"), "reconstruction term alone"),
        (with_noise(lambda mu, lv: 0 * mu, "kl"), "KL term alone"),
        (lambda model, x: -negative_elbo(model, x), "NEGATIVE ELBO"),
        (lambda model, x: negative_elbo(model, x).mean(), "shape (299,); got shape ()"),
        (lambda model, x: negative_elbo(model, x)[:, None], "do not average over the images"),
        (lambda model, x: negative_elbo(model, x).tolist(), "one -ELBO per image; got a list"),
        (lambda model, x: negative_elbo(model, x).round().long(), "float32 numbers; yours holds int64"),
        (lambda model, x: torch.full((len(x),), math.nan), "NaN or infinite"),
        (lambda model, x: reconstruction(model.decode(model.encode(x)[0]), x) + kl_normal(*model.encode(x)), "decode_logits"),
        (lambda model: 0, "TypeError"),
    ],
    ids=[
        "mean decoded",
        "variance",
        "recon only",
        "recon only, other draws",
        "KL only",
        "ELBO",
        "batch mean",
        "column",
        "list",
        "integers",
        "NaN",
        "probabilities",
        "one argument",
    ],
)
def test_negative_elbo_mistakes_get_their_hints(answer, hint):
    verdict = judge_elbo(answer)
    assert not verdict and hint in verdict.message


def judge_centre(answer):
    return check_digit_centre(answer, trained_vae(), digits_test())


def test_the_digit_centre_passes_with_the_lessons_words():
    assert repr(judge_centre(digit_centre)) == (
        "Correct! The centres of 3 and 8 match. Each digit's codes cluster around its own spot in the plane."
    )


def sampled_centre(model, data, digit):
    mu, logvar = model.encode(data.x[data.y == digit])
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(digit))
    return (mu + eps * (0.5 * logvar).exp()).mean(dim=0)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda model, data, digit: model.encode(data.x)[0].mean(dim=0), "the centre of all the images"),
        (sampled_centre, "not sampled codes z"),
        (lambda model, data, digit: digit_centre(model, data, digit + 1), "Encode the images of that digit"),
        (lambda model, data, digit: model.encode(data.x[data.y == digit])[0], "Average over the images (dim=0)"),
        (lambda model, data, digit: digit_centre(model, data, digit).tolist(), "shape (2,); got a list"),
        (lambda model, data, digit: digit_centre(model, data, digit).long(), "float32 numbers; yours holds int64"),
        (lambda model, data, digit: torch.full((2,), math.nan), "For digit 3 you return [nan, nan]"),
    ],
    ids=["all digits", "sampled", "next digit", "no mean", "list", "integers", "NaN"],
)
def test_digit_centre_mistakes_get_their_hints(answer, hint):
    verdict = judge_centre(answer)
    assert not verdict and hint in verdict.message
