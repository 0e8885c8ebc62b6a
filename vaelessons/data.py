"""Data sets as in-memory tensors: full MNIST (downloaded once), the shipped mnist-mini, sklearn digits."""

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from .settings import CACHE_ENV, cache_dir, is_quick

NAMES = ("mnist", "mnist-mini", "digits")
SPLITS = ("train", "test")

MIRRORS_ENV = "VAELESSONS_MNIST_MIRRORS"
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# file -> (MD5 of the canonical .gz, MD5 of the uncompressed IDX bytes)
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"),
    "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"),
    "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"),
    "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637"),
}
PREFIX = {"train": "train", "test": "t10k"}


class DownloadError(RuntimeError):
    """MNIST could not be fetched from any mirror."""


@dataclass(frozen=True)
class Images:
    """A labelled image set: x (N, D) float32 in [0, 1], y (N,) int64, image shape (H, W)."""

    x: torch.Tensor
    y: torch.Tensor
    shape: tuple
    name: str

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        """A subset (slice, index tensor or list) as a new Images."""
        if isinstance(index, int):
            index = [index]
        return Images(self.x[index], self.y[index], self.shape, self.name)

    def __repr__(self):
        h, w = self.shape
        return f"Images({self.name!r}: {len(self)} images of {h}x{w}, labels {self.y.min()}..{self.y.max()})"

    @property
    def dim(self) -> int:
        """Pixels per image, D = H * W."""
        return self.x.shape[1]

    def take(self, n: int, seed: int = 0) -> "Images":
        """A random subset of n images, the same for the same seed."""
        if not 0 < n <= len(self):
            raise ValueError(f"take(n) needs 0 < n <= {len(self)}, got n={n}")
        g = torch.Generator().manual_seed(seed)
        return self[torch.randperm(len(self), generator=g)[:n]]


def load(name: str = "mnist-mini", split: str = "train") -> Images:
    """Load a data set split as Images: x (N, D) float32 in [0, 1], y (N,) int64."""
    if name not in NAMES:
        raise ValueError(f"unknown data set {name!r}: choose one of {', '.join(map(repr, NAMES))}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose 'train' or 'test'")
    if name == "digits":
        return _digits(split)
    if name == "mnist-mini":
        folder = resources.files("vaelessons") / "_data" / "mnist_mini"
        images = _read_idx((folder / f"{PREFIX[split]}-images-idx3-ubyte.gz").read_bytes())
        labels = _read_idx((folder / f"{PREFIX[split]}-labels-idx1-ubyte.gz").read_bytes())
    else:
        images = _read_idx(fetch_mnist(f"{PREFIX[split]}-images-idx3-ubyte.gz").read_bytes())
        labels = _read_idx(fetch_mnist(f"{PREFIX[split]}-labels-idx1-ubyte.gz").read_bytes())
    return _to_images(images, labels, name)


_unreachable = set()  # (cache folder, mirrors) where full MNIST could not be had in this session


def default_dataset() -> str:
    """The data set the lessons train on: "mnist-mini" in quick mode, else "mnist".

    Offline with no MNIST in the cache, the lessons still run: it says so and answers "mnist-mini".
    """
    if is_quick():
        return "mnist-mini"
    where = (str(cache_dir()), tuple(mirrors()))
    if where not in _unreachable:
        try:
            for fname in MNIST_FILES:
                fetch_mnist(fname)
            return "mnist"
        except DownloadError:
            _unreachable.add(where)
            print(
                "Full MNIST is not in the cache and cannot be downloaded now (offline?), so the lessons use the "
                "shipped 'mnist-mini' (7,000 real MNIST digits) instead. See the README's 'Offline' section."
            )
    return "mnist-mini"


def _to_images(images: np.ndarray, labels: np.ndarray, name: str) -> Images:
    n, h, w = images.shape
    x = torch.from_numpy(images.reshape(n, h * w).astype(np.float32) / 255.0)
    return Images(x, torch.from_numpy(labels.astype(np.int64)), (h, w), name)


def _digits(split: str) -> Images:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    test = np.arange(len(bunch.target)) % 6 == 5  # every sixth image: 299 test, 1498 train
    keep = test if split == "test" else ~test
    x = torch.from_numpy(bunch.data[keep].astype(np.float32) / 16.0)
    return Images(x, torch.from_numpy(bunch.target[keep].astype(np.int64)), (8, 8), "digits")


def _read_idx(gz_bytes: bytes) -> np.ndarray:
    """Parse gzip-compressed IDX bytes (magic 2049 labels, 2051 images) into a uint8 array."""
    raw = gzip.decompress(gz_bytes)
    magic = int.from_bytes(raw[:4], "big")
    ndim = {2049: 1, 2051: 3}.get(magic)
    if ndim is None:
        raise ValueError(f"not an MNIST IDX file: magic number {magic}, expected 2049 or 2051")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"IDX file holds {data.size} bytes of data, its header says {dims}")
    return data.reshape(dims)


def _is_valid(path: Path, gz_md5: str, raw_md5: str) -> bool:
    """True if the file is the canonical .gz, or a recompression of the canonical bytes."""
    try:
        data = path.read_bytes()
        if hashlib.md5(data).hexdigest() == gz_md5:
            return True
        return hashlib.md5(gzip.decompress(data)).hexdigest() == raw_md5
    except (OSError, EOFError, zlib.error):  # unreadable, truncated, or a damaged deflate stream
        return False


def mirrors() -> list:
    """Base URLs tried in order: $VAELESSONS_MNIST_MIRRORS (space-separated) or the public ones."""
    custom = os.environ.get(MIRRORS_ENV, "").split()
    return [url if url.endswith("/") else url + "/" for url in custom] or list(MIRRORS)


def fetch_mnist(fname: str, folder: Path = None, progressbar: bool = True) -> Path:
    """Path to a verified MNIST file in the cache, downloading it first if needed."""
    import pooch

    gz_md5, raw_md5 = MNIST_FILES[fname]
    folder = Path(folder or cache_dir() / "mnist")
    target = folder / fname
    if target.exists():
        if _is_valid(target, gz_md5, raw_md5):
            return target
        target.unlink(missing_ok=True)  # corrupt or truncated: never used, fetched again below
    folder.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f"{fname}.{os.getpid()}.part")  # one per process: two kernels may download at once
    errors = []
    for base in mirrors():
        try:
            pooch.HTTPDownloader(progressbar=progressbar, timeout=30)(base + fname, str(part), None)
            if _is_valid(part, gz_md5, raw_md5):
                os.replace(part, target)
                return target
            errors.append(f"{base}: the file's checksum is wrong (corrupt or truncated download)")
        except Exception as err:  # noqa: BLE001 - any failure means: try the next mirror
            errors.append(f"{base}: {type(err).__name__}: {err}")
        finally:
            part.unlink(missing_ok=True)
    tried = "\n  ".join(errors)
    raise DownloadError(
        f"could not download MNIST file {fname} into {folder}.\n  {tried}\n"
        f"If you are offline, use load('mnist-mini', ...): a real MNIST subset shipped with vaelessons "
        f"(or run in quick mode, VAELESSONS_QUICK=1). If you have the four MNIST .gz files, put them in "
        f"a folder named 'mnist' inside a folder of your choice and set {CACHE_ENV} to that folder; "
        f"a local mirror can be named in {MIRRORS_ENV}."
    )
