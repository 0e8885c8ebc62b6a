"""Data sets as in-memory tensors: full MNIST (downloaded once), the shipped mnist-mini, sklearn digits."""

import gzip
import hashlib
import operator
import os
import secrets
import socket
import time
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from .checkpoint import _alive  # one test of "is that process still running" for both kinds of stale file
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

MIRROR_DEADLINE = 300.0  # seconds a mirror gets for one whole file (9.2 MiB in 5 minutes: 32 kB/s) before the next is tried
READ_TIMEOUT = 30.0  # seconds to wait for a connection, or for any byte of the file
STALE_PART_AGE = 3600.0  # seconds after its last write when a .part file counts as abandoned, whoever wrote it
CHUNK = 64 * 1024


class DownloadError(RuntimeError):
    """Full MNIST could not be had: no mirror delivered a good file, or the cache folder cannot take it."""


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
        """A subset as a new Images, x (n, D): one image (an int, numpy or tensor integer), a slice, an index list or mask."""
        if not isinstance(index, slice) and np.ndim(index) == 0:
            index = [operator.index(index)]  # keeps the image axis: x (1, D), never a lone (D,) row
        return Images(self.x[index], self.y[index], self.shape, self.name)

    def __repr__(self):
        h, w = self.shape
        n = len(self)
        labels = f", labels {self.y.min()}..{self.y.max()}" if n else ""
        return f"Images({self.name!r}: {n} image{'' if n == 1 else 's'} of {h}x{w}{labels})"

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

    When full MNIST cannot be had (offline with no MNIST in the cache, an unusable cache folder), the lessons still
    run: it says so once, with the reason, and answers "mnist-mini".
    """
    if is_quick():
        return "mnist-mini"
    where = (str(cache_dir()), tuple(mirrors()))
    if where not in _unreachable:
        try:
            for fname in MNIST_FILES:
                fetch_mnist(fname)
            return "mnist"
        except Exception as err:  # noqa: BLE001 - whatever keeps full MNIST away (offline, an unusable cache), the lessons go on
            _unreachable.add(where)
            reason = str(err).splitlines()[0] if isinstance(err, DownloadError) else f"{type(err).__name__}: {err}"
            print(
                f"Full MNIST is not in the cache and cannot be had now ({reason.rstrip('.')}), so the lessons use the "
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


_verified = set()  # (path, inode, size, mtime) of the files _is_valid passed in this process


def _is_valid(path: Path, gz_md5: str, raw_md5: str) -> bool:
    """True if the file is the canonical .gz, or a recompression of the canonical bytes.

    A file passed once is not hashed again while it is the same file (inode, size and modification time): a lesson
    asks for each file three times, and a recompressed one costs a decompression each time (0.2 s on full MNIST)."""
    try:
        stat = path.stat()
        seen = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns, gz_md5)
        if seen in _verified:
            return True
        data = path.read_bytes()
        good = hashlib.md5(data).hexdigest() == gz_md5 or hashlib.md5(gzip.decompress(data)).hexdigest() == raw_md5
    except (OSError, EOFError, zlib.error):  # unreadable, truncated, or a damaged deflate stream
        return False
    if good:
        _verified.add(seen)
    return good


def mirrors() -> list:
    """Base URLs tried in order: $VAELESSONS_MNIST_MIRRORS (space-separated) or the public ones."""
    custom = os.environ.get(MIRRORS_ENV, "").split()
    return [url if url.endswith("/") else url + "/" for url in custom] or list(MIRRORS)


def fetch_mnist(fname: str, folder: Path = None, progressbar: bool = True) -> Path:
    """Path to a verified MNIST file in the cache, downloading it first if needed (one labelled progress bar)."""
    gz_md5, raw_md5 = MNIST_FILES[fname]
    folder = Path(folder or cache_dir() / "mnist")
    target = folder / fname
    if folder.is_dir():
        _remove_stale_parts(folder)
    if _is_valid(target, gz_md5, raw_md5):
        return target
    # unique per call, named by process and host: two kernels may download at once, and a dead one's file is known
    part = folder / f"{fname}.{secrets.token_hex(4)}.{os.getpid()}@{socket.gethostname()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        part.touch(exist_ok=False)  # the usual permissions (the umask's), so a shared cache stays readable
    except OSError as err:
        raise DownloadError(
            f"could not download MNIST file {fname}: the cache folder {folder} cannot take it "
            f"({type(err).__name__}: {err}).\n  Set {CACHE_ENV} to a folder you can write to, "
            f"or use load('mnist-mini', ...), the real MNIST subset shipped with vaelessons."
        ) from err
    errors = []
    try:
        # a bad file in the cache is never used; it is replaced atomically, never unlinked while another process may fetch it
        bases = sorted(mirrors(), key=lambda url: url in _failed_mirrors)  # a mirror that failed this session goes last
        for base, after in zip(bases, [*bases[1:], None], strict=True):
            try:
                _download(base + fname, part, progressbar)
                if _is_valid(part, gz_md5, raw_md5):
                    os.replace(part, target)
                    _failed_mirrors.discard(base)
                    return target
                errors.append(f"{base}: the file's checksum is wrong (corrupt or truncated download)")
            except Exception as err:  # noqa: BLE001 - any failure means: try the next mirror
                errors.append(f"{base}: {type(err).__name__}: {err}")
            _failed_mirrors.add(base)
            if after:
                print(f"{fname} from {errors[-1]}; trying the next mirror, {after}")
    finally:
        part.unlink(missing_ok=True)
    if target.exists() and not _is_valid(target, gz_md5, raw_md5):  # still bad: no other process replaced it meanwhile
        target.unlink(missing_ok=True)
    tried = "\n  ".join(errors)
    raise DownloadError(
        f"could not download MNIST file {fname} into {folder}.\nEach mirror was tried in turn:\n  {tried}\n"
        f"If you are offline, use load('mnist-mini', ...): a real MNIST subset shipped with vaelessons "
        f"(or run in quick mode, VAELESSONS_QUICK=1). If you have the four MNIST .gz files, put them in "
        f"a folder named 'mnist' inside a folder of your choice and set {CACHE_ENV} to that folder; "
        f"a local mirror can be named in {MIRRORS_ENV}."
    )


_failed_mirrors = set()  # base URLs that failed in this session: tried after the others for the next file


def _download(url: str, part: Path, progressbar: bool):
    """Stream url into part with a progress bar; give up once the whole file takes longer than MIRROR_DEADLINE."""
    import requests
    from tqdm.auto import tqdm

    fname = url.rsplit("/", 1)[-1]
    start = time.monotonic()
    timeout = min(READ_TIMEOUT, MIRROR_DEADLINE)  # a read that waits longer would overshoot the deadline
    with requests.get(url, stream=True, timeout=timeout) as response:
        response.raise_for_status()
        total = int(response.headers.get("Content-Length", 0)) or None
        bar = tqdm(total=total, desc=fname, unit="B", unit_scale=True, unit_divisor=1024, disable=not progressbar)
        with bar, open(part, "wb") as out:
            # read1 returns whatever has arrived, so a mirror sending one byte at a time cannot stall past the check
            while chunk := response.raw.read1(CHUNK, decode_content=False):
                out.write(chunk)
                bar.update(len(chunk))
                if time.monotonic() - start > MIRROR_DEADLINE:
                    raise TimeoutError(
                        f"the whole file did not arrive within the deadline of {MIRROR_DEADLINE:g} s "
                        f"(vaelessons.data.MIRROR_DEADLINE), only {out.tell()} bytes, so this mirror was given up"
                    )


def _remove_stale_parts(folder: Path):
    """Delete the .part files of downloads that died (kill -9, a crash): their process is gone, or they went stale."""
    host = socket.gethostname()
    for part in folder.glob("*.part"):
        owner, _, part_host = part.name.removesuffix(".part").rpartition("@")
        pid = owner.rpartition(".")[2]
        try:
            dead = part_host == host and pid.isdigit() and not _alive(int(pid))
            if dead or time.time() - part.stat().st_mtime > STALE_PART_AGE:
                part.unlink(missing_ok=True)
        except OSError:  # removed by another process meanwhile, or a read-only folder: nothing to do
            pass
