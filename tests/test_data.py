"""The data sets a lesson loads: shapes, ranges, the shipped mnist-mini, and the messages for a wrong name."""

import importlib.util
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch

from vaelessons import data

ROOT = Path(__file__).resolve().parents[1]
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


def build_script():
    spec = importlib.util.spec_from_file_location("build_mnist_mini", ROOT / "scripts" / "build_mnist_mini.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_build_script_takes_a_stratified_reproducible_subset_that_keeps_each_label_with_its_image(tmp_path, monkeypatch):
    """On a made-up MNIST: image i is filled with the value i, so the output says which source images it took."""
    script = build_script()
    monkeypatch.setattr(script, "PER_CLASS", {"train": 3, "t10k": 2})
    rng = np.random.default_rng(1)
    sources = {}
    for prefix, n in (("train", 60), ("t10k", 40)):
        images = np.repeat(np.arange(n, dtype=np.uint8), 28 * 28).reshape(n, 28, 28)
        labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
        script.write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        script.write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
        sources[prefix] = labels
    script.main(tmp_path, tmp_path / "a")
    script.main(tmp_path, tmp_path / "b")
    for prefix, labels in sources.items():
        per_class = script.PER_CLASS[prefix]
        for kind in ("images-idx3", "labels-idx1"):
            built = (tmp_path / "a" / f"{prefix}-{kind}-ubyte.gz").read_bytes()
            assert built == (tmp_path / "b" / f"{prefix}-{kind}-ubyte.gz").read_bytes()  # byte for byte, run after run
            assert built[4:8] == bytes(4)  # a zero gzip timestamp: the bytes do not depend on when it ran
        images = data._read_idx((tmp_path / "a" / f"{prefix}-images-idx3-ubyte.gz").read_bytes())
        taken = data._read_idx((tmp_path / "a" / f"{prefix}-labels-idx1-ubyte.gz").read_bytes())
        which = images[:, 0, 0].astype(int)
        assert (images == which[:, None, None]).all()  # whole source images
        assert list(which) == sorted(set(which))  # no repeats, in source order
        assert (taken == labels[which]).all()  # each with its own label
        assert np.bincount(taken, minlength=10).tolist() == [per_class] * 10


def test_mnist_mini_is_in_the_build_scripts_format():
    for f in MINI.iterdir():
        if f.name.endswith(".gz"):
            assert f.read_bytes()[4:8] == bytes(4), f.name  # written by write_idx: zero timestamp


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


@pytest.mark.parametrize("index", [3, np.int64(3), torch.tensor(3), np.array(3), -296, np.int32(-296)])
def test_one_image_keeps_images_two_dimensional_whatever_integer_picks_it(index):
    images = data.load("digits", "test")
    one = images[index]
    assert one.x.shape == (1, 64) and one.y.tolist() == [images.y[3].item()]
    assert torch.equal(one.x[0], images.x[3])
    assert len(one) == 1 and repr(one) == f"Images('digits': 1 image of 8x8, labels {images.y[3].item()}..{images.y[3].item()})"


def test_selections_keep_their_shape_and_an_empty_one_has_a_repr():
    images = data.load("digits", "test")
    assert len(images[:10]) == 10 and images[:10].shape == (8, 8) and images[:10].x.shape == (10, 64)
    assert "299 images of 8x8, labels 0..9" in repr(images)
    assert images[images.y == 3].y.unique().tolist() == [3]
    for empty in (images[:0], images[images.y == 11], images[torch.tensor([], dtype=torch.long)]):
        assert empty.x.shape == (0, 64) and len(empty) == 0
        assert repr(empty) == "Images('digits': 0 images of 8x8)"


def test_a_float_index_is_refused():
    with pytest.raises(TypeError):
        data.load("digits", "test")[torch.tensor(3.0)]


def test_a_file_that_is_not_mnist_is_refused_with_its_magic_number():
    import gzip

    with pytest.raises(ValueError, match="not an MNIST IDX file: magic number 1234"):
        data._read_idx(gzip.compress((1234).to_bytes(4, "big") + bytes(8)))
    header = (2049).to_bytes(4, "big") + (10).to_bytes(4, "big")
    with pytest.raises(ValueError, match=r"holds 3 bytes of data, its header says \[10\]"):
        data._read_idx(gzip.compress(header + bytes(3)))
