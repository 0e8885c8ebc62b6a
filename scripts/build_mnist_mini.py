"""Build vaelessons/_data/mnist_mini from the full MNIST files, byte for byte reproducibly.

    python scripts/build_mnist_mini.py [MNIST_FOLDER [OUT_FOLDER]]
    (defaults: ../shared/data/mnist and vaelessons/_data/mnist_mini)

Takes a stratified random subset (seed 0): 600 training and 100 test images per digit.
"""

import gzip
import sys
from pathlib import Path

import numpy as np

from vaelessons.data import _read_idx

PER_CLASS = {"train": 600, "t10k": 100}
OUT = Path(__file__).resolve().parents[1] / "vaelessons" / "_data" / "mnist_mini"


def write_idx(path: Path, array: np.ndarray):
    """Write a uint8 array as gzip-compressed IDX with a zero timestamp (reproducible bytes)."""
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(header + array.astype(np.uint8).tobytes())


def main(source: Path, out: Path = OUT):
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, per_class in PER_CLASS.items():
        images = _read_idx((source / f"{prefix}-images-idx3-ubyte.gz").read_bytes())
        labels = _read_idx((source / f"{prefix}-labels-idx1-ubyte.gz").read_bytes())
        keep = np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == d), per_class, replace=False) for d in range(10)]))
        write_idx(out / f"{prefix}-images-idx3-ubyte.gz", images[keep])
        write_idx(out / f"{prefix}-labels-idx1-ubyte.gz", labels[keep])
        print(f"{prefix}: {len(keep)} images ({per_class} per digit)")


if __name__ == "__main__":
    args = sys.argv[1:]
    source = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    main(source, Path(args[1]) if len(args) > 1 else OUT)
