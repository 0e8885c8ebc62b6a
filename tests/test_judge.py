"""The digit judge the lessons use to read generated digits."""

import pytest
import torch

from vaelessons import data
from vaelessons.judge import DigitJudge


@pytest.fixture(scope="module")
def judge():
    return DigitJudge(data.load("mnist-mini", "train"), n=2000)


def test_the_judge_reads_real_test_digits_far_above_chance(judge):
    test = data.load("mnist-mini", "test")
    assert judge.accuracy(test.x, test.y) > 0.8


def test_read_gives_one_digit_per_image_the_most_probable_one(judge):
    images = data.load("mnist-mini", "test").x[:50]
    read, p = judge.read(images), judge.probabilities(images)
    assert read.dtype == torch.int64 and read.shape == (50,)
    assert p.shape == (50, 10) and torch.allclose(p.sum(1), torch.ones(50), atol=1e-5)
    assert torch.equal(judge.digits[p.argmax(1)], read)


def test_images_may_come_as_squares_or_with_gradients(judge):
    images = data.load("mnist-mini", "test").x[:5].requires_grad_()
    assert torch.equal(judge.read(images.reshape(5, 28, 28)), judge.read(images))


def test_one_digit_is_not_enough_to_learn_from():
    train = data.load("mnist-mini", "train")
    with pytest.raises(ValueError, match="at least two digits"):
        DigitJudge(train[train.y == 3])
