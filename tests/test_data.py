"""The data sets a lesson loads: shapes, ranges, the shipped mnist-mini, and the messages for a wrong name."""

import importlib.util
from importlib import resources
from pathlib import Path

import pytest
import torch

from vaelessons import data

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
MINI = resources.files("vaelessons") / "_data" / "mnist_mini"


@pytest.mark.parametrize(
    "name, split, n, shape",
    [
        ("mnist-mini", "train", 6000, (28, 28)),
        ("mnist-mini", "test", 1000, (28, 28)),
        ("digits", "train", 1498, (8, 8)),
        ("digits", "test", 299, (8, 8)),
    ],
)
def test_images_have_the_documented_shapes_types_and_range(name, split, n, shape):
    images = data.load(name, split)
    assert isinstance(images, data.Images)
    assert images.name == name and images.shape == shape and len(images) == n
    assert images.x.shape == (n, shape[0] * shape[1]) and images.dim == shape[0] * shape[1]
    assert images.x.dtype == torch.float32 and images.y.dtype == torch.int64 and images.y.shape == (n,)
    assert images.x.min() == 0.0 and images.x.max() == 1.0  # scaled to [0, 1], using the full range
    assert set(images.y.tolist()) == set(range(10))


def test_load_defaults_to_the_shipped_training_set():
    images = data.load()
    assert (images.name, len(images)) == ("mnist-mini", 6000)


@pytest.mark.parametrize("split, per_digit", [("train", 600), ("test", 100)])
def test_mnist_mini_is_stratified(split, per_digit):
    counts = torch.bincount(data.load("mnist-mini", split).y, minlength=10)
    assert counts.tolist() == [per_digit] * 10


def test_mnist_mini_is_small_and_carries_its_attribution_and_licence():
    files = [f for f in MINI.iterdir() if f.name.endswith(".gz")]
    assert len(files) == 4
    assert sum(len(f.read_bytes()) for f in files) <= 2 * 1024 * 1024
    readme = (MINI / ".." / "README.md").read_text()
    assert "LeCun" in readme and "CC BY-SA 3.0" in readme and "build_mnist_mini.py" in readme


def test_digits_splits_partition_the_sklearn_set():
    train, test = data.load("digits", "train"), data.load("digits", "test")
    assert len(train) + len(test) == 1797
    rows = {bytes(r.numpy()) for r in train.x}
    assert not any(bytes(r.numpy()) in rows for r in test.x)  # no test image is also a training image


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="needs ../shared/data/mnist")
def test_build_script_rebuilds_mnist_mini_byte_for_byte(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("build_mnist_mini", ROOT / "scripts" / "build_mnist_mini.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(SHARED_MNIST, tmp_path)
    shipped = sorted(f.name for f in MINI.iterdir() if f.name.endswith(".gz"))
    assert sorted(p.name for p in tmp_path.iterdir()) == shipped
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (MINI / name).read_bytes(), name


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown data set 'fashion'") as err:
        data.load("fashion")
    for name in ("mnist", "mnist-mini", "digits"):
        assert repr(name) in str(err.value)


def test_unknown_split_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown split 'validation'") as err:
        data.load("mnist-mini", "validation")
    assert "'train'" in str(err.value) and "'test'" in str(err.value)


def test_take_is_a_reproducible_random_subset_without_repeats():
    images = data.Images(torch.arange(100.0).reshape(100, 1), torch.arange(100) % 10, (1, 1), "numbered")
    a, b, c = images.take(50, seed=1), images.take(50, seed=1), images.take(50, seed=2)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    assert len(a) == 50 and a.shape == images.shape and a.name == images.name
    assert len(set(a.x.flatten().tolist())) == 50  # 50 different images
    assert torch.equal(a.y, a.x.flatten().long() % 10)  # each label stays with its image


@pytest.mark.parametrize("n", [0, 300])
def test_take_out_of_range_says_what_is_allowed(n):
    with pytest.raises(ValueError, match=r"0 < n <= 299"):
        data.load("digits", "test").take(n)


def test_indexing_keeps_images_two_dimensional():
    images = data.load("digits", "test")
    one = images[3]
    assert one.x.shape == (1, 64) and one.y.tolist() == [images.y[3].item()]
    assert len(images[:10]) == 10 and images[:10].shape == (8, 8)
    assert "299 images of 8x8" in repr(images)


def test_a_file_that_is_not_mnist_is_refused_with_its_magic_number():
    import gzip

    with pytest.raises(ValueError, match="not an MNIST IDX file: magic number 1234"):
        data._read_idx(gzip.compress((1234).to_bytes(4, "big") + bytes(8)))
    header = (2049).to_bytes(4, "big") + (10).to_bytes(4, "big")
    with pytest.raises(ValueError, match=r"holds 3 bytes of data, its header says \[10\]"):
        data._read_idx(gzip.compress(header + bytes(3)))
