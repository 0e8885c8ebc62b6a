"""Lesson 00's checks: loading the test split of mnist-mini, and generating images from a trained VAE."""

import math

import pytest
import torch
from exercise_answers import generate, mnist_mini_test, trained_vae

from vaelessons import load_data
from vaelessons.checks.start import check_generate, check_test_split
from vaelessons.data import Images


@pytest.mark.parametrize("placeholder", [None, ...])
def test_an_untouched_split_asks_for_an_answer(placeholder):
    verdict = check_test_split(placeholder)
    assert repr(verdict) == "Not yet. Write your answer in the cell above, run it, then run this check again."


def test_the_test_split_passes_with_the_lessons_words():
    verdict = check_test_split(mnist_mini_test())
    assert repr(verdict) == "Correct! 1000 test images, each a row of 784 = 28 x 28 pixel values in [0, 1], and 1000 labels."


def with_pixels(images, x):
    return Images(x, images.y, images.shape, images.name)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (load_data("mnist-mini", "train"), "training split"),
        (load_data("digits", "test"), "'digits' data set"),
        (mnist_mini_test()[:500], "all 1000 test images"),
        (mnist_mini_test().x, "Expected the Images that load_data returns, got a Tensor"),
        ("mnist-mini", "got a str"),
        (with_pixels(mnist_mini_test(), (mnist_mini_test().x * 255).to(torch.uint8)), "pixels are torch.uint8"),
    ],
)
def test_a_wrong_split_is_named(answer, hint):
    verdict = check_test_split(answer)
    assert not verdict and hint in verdict.message


def test_nan_pixels_are_not_the_test_split():
    x = mnist_mini_test().x.clone()
    x[0, 0] = math.nan
    verdict = check_test_split(with_pixels(mnist_mini_test(), x))
    assert not verdict and "NaN" in verdict.message


@pytest.mark.parametrize(
    "change",
    [lambda x: 0.5 * x, lambda x: x.flip(0), lambda x: torch.rand_like(x, dtype=torch.float32)],
    ids=["dimmed", "reordered", "noise"],
)
def test_other_pixels_are_not_the_test_split(change):
    verdict = check_test_split(with_pixels(mnist_mini_test(), change(mnist_mini_test().x)))
    assert not verdict and "not the 1000 test images of mnist-mini" in verdict.message


def test_generate_passes_with_the_lessons_words():
    verdict = check_generate(generate, trained_vae())
    assert repr(verdict) == (
        "Correct! 16 new images, decoded from 16 codes drawn from the prior N(0, I): that is how a VAE generates."
    )


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda m, n: m.decode(torch.rand(n, m.z_dim)), "normal, not uniform"),
        (lambda m, n: m.decode(torch.randn(1, m.z_dim)).expand(n, -1), "All 16 images are the same"),
        (lambda m, n: m.decode_logits(torch.randn(n, m.z_dim)), "not model.decode_logits"),
        (lambda m, n: m.decode(torch.randn(n + 1, m.z_dim)), "shape (16, 64); got (17, 64)"),
        (lambda m, n: generate(m, n).numpy(), "as a torch tensor of shape (16, 64); got a ndarray"),
        (lambda m, n: (generate(m, n) > 0.5).long(), "float32 numbers; yours holds int64"),
        (lambda m, n: torch.full((n, m.x_dim), math.nan), "NaN"),
        (lambda m: m.decode(torch.randn(16, 2)), "TypeError"),
    ],
    ids=["uniform codes", "one code", "logits", "one image too many", "numpy", "integers", "NaN", "one argument"],
)
def test_generate_mistakes_get_their_hints(answer, hint):
    verdict = check_generate(answer, trained_vae())
    assert not verdict and hint in verdict.message
