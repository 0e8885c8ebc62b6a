"""The digit judge the lessons use to read generated digits."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from vaelessons import data
from vaelessons.judge import DigitJudge, cache_path


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


def test_a_second_judge_of_the_same_images_is_read_from_the_cache_and_reads_alike(judge, monkeypatch):
    train, images = data.load("mnist-mini", "train"), data.load("mnist-mini", "test").x[:200]
    monkeypatch.setattr(LogisticRegression, "fit", lambda *a: pytest.fail("fitted again though cached"))
    again = DigitJudge(train, n=2000)
    assert torch.equal(again.read(images), judge.read(images))
    assert torch.allclose(again.probabilities(images), judge.probabilities(images))


def test_a_damaged_cache_entry_is_fitted_again_and_replaced(judge):
    train, images = data.load("mnist-mini", "train"), data.load("mnist-mini", "test").x[:200]
    path = cache_path(train.take(2000, 0))
    path.write_bytes(path.read_bytes()[:100])  # cut short, as by a full disk
    again = DigitJudge(train, n=2000)
    assert torch.equal(again.read(images), judge.read(images))
    assert np.load(path)["coef"].shape == (10, 784)


def test_other_images_make_another_judge(judge):
    train = data.load("mnist-mini", "train")
    assert cache_path(train.take(2000, 0)) != cache_path(train.take(2000, 1))


def test_an_unwritable_cache_still_gives_a_judge(tmp_path, monkeypatch):
    monkeypatch.setenv("VAELESSONS_CACHE", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")
    test = data.load("mnist-mini", "test")
    assert DigitJudge(data.load("mnist-mini", "train"), n=2000).accuracy(test.x, test.y) > 0.8
