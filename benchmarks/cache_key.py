"""What cached_fit's safety costs on full MNIST: the data hash and fit's input checks, against one epoch of fit.

cached_fit keys a run by the full bytes of its images (sha256 of x and y), and fit checks its data up front (one
min/max pass over the pixels). Both are timed here on the 60,000 MNIST training images (60,000 x 784 float32, 188 MB)
beside what they guard: one epoch of `fit` with the lessons' model (VAE 784-256-2, batch 100). Rounds are interleaved
(hash, check, epoch, hash, ...) so a busy machine slows each alike; the table gives medians of wall-clock and CPU
time, and each as a share of the epoch.

    .venv/bin/python benchmarks/cache_key.py [--rounds 5] [--threads N]
"""

import argparse
import hashlib
import statistics
import time

import torch

from vaelessons import data, train
from vaelessons.models import VAE


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    images = data.load("mnist", "train")
    model = VAE()
    methods = {
        "data hash (sha256 of x, y)": lambda: train._hash_images(hashlib.sha256(), images),
        "fit's input checks": lambda: train._check_images(model, images, "train"),
        "one epoch of fit": lambda: train.fit(VAE(), images, epochs=1, progress=False),
    }
    clocks = {"wall": time.perf_counter, "CPU": time.process_time}
    seconds = {(name, clock): [] for name in methods for clock in clocks}
    print(f"{len(images)} MNIST images ({images.x.numel() * 4 / 1e6:.0f} MB of pixels), {torch.get_num_threads()} torch threads")
    for r in range(args.rounds):
        for name, run in methods.items():
            start = {clock: now() for clock, now in clocks.items()}
            run()
            for clock, now in clocks.items():
                seconds[name, clock].append(now() - start[clock])
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {seconds[n, 'wall'][-1]:.3f} s" for n in methods), flush=True)

    median = {key: statistics.median(values) for key, values in seconds.items()}
    print(f"\n{'':<28}{'wall s':>9}{'CPU s':>9}{'share of an epoch (wall / CPU)':>33}")
    for name in methods:
        shares = [median[name, c] / median["one epoch of fit", c] for c in clocks]
        print(f"{name:<28}{median[name, 'wall']:>9.3f}{median[name, 'CPU']:>9.3f}{shares[0]:>22.1%} / {shares[1]:.1%}")


if __name__ == "__main__":
    main()
