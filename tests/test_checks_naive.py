"""Lesson 02's checks: the one image that minimises the mean BCE (the mean) and the mean absolute error (the median)."""

import math

import numpy as np
import pytest
import torch
from exercise_answers import best_l1_output, best_output

from vaelessons.checks.naive import check_best_l1_output, check_best_output

CHECKS = [check_best_output, check_best_l1_output]


def test_the_mean_passes_with_the_lessons_words():
    assert repr(check_best_output(best_output)) == (
        "Correct! The pixel-wise mean E[X]. Set the derivative of -(m log p + (1 - m) log(1 - p)) to zero: p = m, "
        "the mean of that pixel. Under random pairing this is the best output for every z."
    )


def test_the_median_passes_with_the_lessons_words():
    assert repr(check_best_l1_output(best_l1_output)) == (
        "Correct! The pixel-wise median (97.7 per image). Another loss, another constant, but still one image for "
        "every z: changing the loss does not escape the trap."
    )


def test_any_minimiser_of_the_absolute_error_passes():
    def upper_median(x):  # with an even number of images, every value between the two middle ones is a minimiser
        return x.sort(dim=0).values[len(x) // 2]

    assert check_best_l1_output(upper_median)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x: x.mean(), "single number"),
        (lambda x: x.mean(dim=1), "1000 values, one per image"),
        (lambda x: x[:2], "shape (784,); got shape (2, 784)"),
        (lambda x: torch.full((784,), math.nan), "NaN or infinite"),
        (lambda x: "mean", "Return a tensor of pixel values, got a str"),
        (lambda x: (x.mean(dim=0) > 0.5).long(), "float32 numbers; yours holds int64"),
        (lambda: 0, "TypeError"),
    ],
    ids=["scalar", "per image", "two images", "NaN", "string", "integers", "no argument"],
)
def test_an_answer_that_is_not_one_image_is_named(check, answer, hint):
    verdict = check(answer)
    assert not verdict and hint in verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x: x.median(dim=0).values, "median, the answer for absolute error"),
        (lambda x: 2 * x.mean(dim=0) - 0.5, "leaves [0, 1]"),
        (lambda x: torch.full((784,), 0.5), "the best constant image scores"),
    ],
    ids=["median", "out of range", "grey"],
)
def test_bce_mistakes_get_their_hints(answer, hint):
    verdict = check_best_output(answer)
    assert not verdict and hint in verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x: x.mean(dim=0), "The mean is best for squared error"),
        (lambda x: torch.full((784,), 0.5), "where do the two balance"),
    ],
    ids=["mean", "grey"],
)
def test_absolute_error_mistakes_get_their_hints(answer, hint):
    verdict = check_best_l1_output(answer)
    assert not verdict and hint in verdict.message


@pytest.mark.parametrize(
    "change", [lambda p: p.double(), lambda p: p.clone().requires_grad_(), lambda p: p.numpy(), lambda p: p.tolist()]
)
@pytest.mark.parametrize("check, right", [(check_best_output, best_output), (check_best_l1_output, best_l1_output)])
def test_the_right_image_in_another_form_passes(check, right, change):
    assert check(lambda x: change(right(x)))


def test_a_numpy_image_with_nan_is_named():
    verdict = check_best_output(lambda x: np.full(784, np.nan))
    assert not verdict and "NaN" in verdict.message
