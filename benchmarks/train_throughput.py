"""Training throughput: `fit` against a pytorch/examples-style DataLoader loop and a bare loop over pre-made batches.

All three train the same model (VAE 784-400-20, same initial weights) with Adam on the same MNIST images with the
same batch size, one epoch per round. The examples-style loop and the bare loop use torch's default Adam(lr=1e-3), as
pytorch/examples does; a second bare loop uses fit's optimizer, Adam(fused=True), so "vs bare, fused Adam" is the cost
of fit's bookkeeping alone. `fit` runs with its defaults: schedule, progress bar, per-batch history and end-of-epoch
evaluation included. Rounds are
interleaved (examples, bare, fit, examples, ...) in one process, so a busy machine slows every method alike. The table
gives each method's median images/s and its ratios, by the wall clock and by the process's CPU time (steadier on a
shared machine; use --threads 1 there).

    .venv/bin/python benchmarks/train_throughput.py [--images 30000] [--rounds 5] [--batch-size 128] [--threads N]
"""

import argparse
import statistics
import time

import numpy as np
import torch
from PIL import Image

from vaelessons import data, train
from vaelessons.models import VAE


class ExamplesStyleMNIST(torch.utils.data.Dataset):
    """One uint8 image at a time, as torchvision's MNIST does: array -> PIL image -> float tensor (1, 28, 28) in [0, 1]."""

    def __init__(self, images: data.Images):
        self.pixels = (images.x * 255).round().to(torch.uint8).view(-1, *images.shape).numpy()
        self.labels = images.y.tolist()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = Image.fromarray(self.pixels[i])  # mode "L": 8-bit grey, as torchvision makes it
        tensor = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255).unsqueeze(0)  # what ToTensor() gives
        return tensor, self.labels[i]


def fresh_model(seed: int = 0) -> VAE:
    """The benchmark's model, with the same initial weights every time."""
    torch.manual_seed(seed)
    return VAE(784, 400, 20)


def examples_loop(images: data.Images, batch_size: int):
    """The pytorch/examples vae/main.py training epoch: DataLoader over a per-sample Dataset, summed loss, loss.item()."""
    model = fresh_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(ExamplesStyleMNIST(images), batch_size=batch_size, shuffle=True, num_workers=0)
    model.train()
    train_loss = 0.0
    for x, _ in loader:
        optimizer.zero_grad()
        recon, kl = model.loss_terms(x.view(-1, 784))
        loss = (recon + kl).sum()
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(images)


def bare_loop(batches: list, fused: bool):
    """Forward, backward and step over batches made beforehand, with torch's default Adam or fit's fused one: nothing else."""
    model = fresh_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
    for x in batches:
        recon, kl = model.loss_terms(x)
        loss = (recon + kl).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=30000, help="training images per round (default 30000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--batch-size", type=int, default=128, help="batch size of every method (default 128)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    images = data.load("mnist", "train").take(args.images, seed=0)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    batches = [images.x[i] for i in order.split(args.batch_size)]
    methods = {
        "examples-style loop": lambda images, batches: examples_loop(images, args.batch_size),
        "bare loop": lambda images, batches: bare_loop(batches, fused=False),
        "bare loop, fused Adam": lambda images, batches: bare_loop(batches, fused=True),
        "fit": lambda images, batches: train.fit(fresh_model(), images, epochs=1, batch_size=args.batch_size),
    }
    for run in methods.values():  # warm up (first calls, imports, allocator) on a few batches, untimed
        run(images[: 10 * args.batch_size], batches[:10])
    clocks = {"wall": time.perf_counter, "CPU": time.process_time}  # CPU time: what a busy machine disturbs least
    speeds = {(name, clock): [] for name in methods for clock in clocks}
    print(f"{len(images)} MNIST images per round, batch {args.batch_size}, {torch.get_num_threads()} torch threads")
    for r in range(args.rounds):
        for name, run in methods.items():
            start = {clock: now() for clock, now in clocks.items()}
            run(images, batches)
            for clock, now in clocks.items():
                speeds[name, clock].append(len(images) / (now() - start[clock]))
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {speeds[n, 'wall'][-1]:,.0f}" for n in methods), flush=True)

    median = {key: statistics.median(values) for key, values in speeds.items()}
    baselines = ("examples-style loop", "bare loop", "bare loop, fused Adam")
    for clock in clocks:
        print(f"\nimages per second of {clock} time (median of {args.rounds} rounds) and ratios")
        print(f"{'method':<23}{'images/s':>10}{'vs examples':>13}{'vs bare':>9}{'vs bare fused':>15}")
        for name in methods:
            ratios = [median[name, clock] / median[b, clock] for b in baselines]
            print(f"{name:<23}{median[name, clock]:>10,.0f}{ratios[0]:>12.2f}x{ratios[1]:>8.2f}x{ratios[2]:>14.2f}x")


if __name__ == "__main__":
    main()
