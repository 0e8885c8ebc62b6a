"""Quality: test -ELBO on MNIST of the seed's 2-D VAE trained with the seed's recipe and with the package's default recipe.

Both train VAE(784, 256, 2) with batch 100 on the 60,000 MNIST training images and score the 10,000 test images
after every epoch (-ELBO in nats per image, one z sample, exact BCE on logits: `train.evaluate`).
  seed recipe:    Glorot-uniform weights, zero biases (Keras' defaults), RMSprop(lr=1e-3, rho=0.9, eps=1e-7), 50 epochs
  default recipe: `fit(model, train, test)` with nothing else: torch's default init, the package's default optimizer
                  and schedule for train.EPOCHS epochs
The table says when the default recipe first reaches the seed recipe's final figure, and the wall-clock and CPU time
of each (CPU time is steadier on a shared machine; use --threads 1 there). Both include the per-epoch test scoring.

    .venv/bin/python benchmarks/quality.py [--epochs-seed 50] [--epochs N] [--threads N] [--quick]
"""

import argparse
import time
from functools import partial

import torch
from torch import nn

from vaelessons import data, train
from vaelessons.models import VAE


def glorot(model: nn.Module) -> nn.Module:
    """Keras' default initialisation: Glorot-uniform weights and zero biases in every Linear layer."""
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def seed_recipe(train_set, test_set, epochs):
    """The seed's Keras training: RMSprop with Keras' defaults, constant learning rate."""
    torch.manual_seed(0)
    model = glorot(VAE(784, 256, 2))
    rmsprop = partial(torch.optim.RMSprop, lr=1e-3, alpha=0.9, eps=1e-7)
    return model, train.fit(model, train_set, test_set, epochs=epochs, optimizer=rmsprop, schedule="constant", progress=False)


def default_recipe(train_set, test_set, epochs):
    """The package's defaults: `fit(model, train, test)`, here with the epoch count given."""
    torch.manual_seed(0)
    model = VAE(784, 256, 2)
    return model, train.fit(model, train_set, test_set, epochs=epochs, progress=False)


def neg_elbo(history) -> list:
    """The per-epoch test -ELBO (nats per image) from a History."""
    return [r + k for r, k in zip(history.test_recon, history.test_kl, strict=True)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-seed", type=int, default=50, help="epochs of the seed recipe (default 50)")
    parser.add_argument("--epochs", type=int, default=train.EPOCHS, help=f"epochs of the default recipe (default {train.EPOCHS})")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--quick", action="store_true", help="smoke run: mnist-mini, 3 + 2 epochs")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    name = "mnist-mini" if args.quick else "mnist"
    epochs_seed, epochs = (3, 2) if args.quick else (args.epochs_seed, args.epochs)
    train_set, test_set = data.load(name, "train"), data.load(name, "test")
    print(f"{name}: {len(train_set)} training and {len(test_set)} test images, batch 100, {torch.get_num_threads()} threads")

    runs = {}
    for label, recipe, n in (("seed recipe", seed_recipe, epochs_seed), ("default recipe", default_recipe, epochs)):
        cpu = time.process_time()
        model, history = recipe(train_set, test_set, n)
        runs[label] = (train.evaluate(model, test_set), neg_elbo(history), history.seconds, time.process_time() - cpu)
        print(f"{label}: {n} epochs in {history.seconds:.0f} s, test -ELBO {runs[label][1][-1]:.2f}", flush=True)

    target = runs["seed recipe"][1][-1]
    seed_seconds, seed_cpu = runs["seed recipe"][2:]
    print(f"\nper-epoch test -ELBO (nats/image)\n{'epoch':>5}{'seed':>9}{'default':>9}")
    for e in range(max(epochs_seed, epochs)):
        cells = [f"{curve[e]:9.2f}" if e < len(curve) else " " * 9 for _, curve, *_ in runs.values()]
        print(f"{e + 1:>5}" + "".join(cells))

    header = (
        f"{'recipe':<16}{'epochs':>7}{'test -ELBO':>11}{'recon':>8}{'KL':>6}{'wall s':>8}{'vs seed':>8}{'CPU s':>7}{'vs seed':>8}"
    )
    print(f"\n{header}  first epoch <= {target:.2f}")
    for label, (scores, curve, seconds, cpu) in runs.items():
        first = next((e + 1 for e, v in enumerate(curve) if v <= target), None)
        print(
            f"{label:<16}{len(curve):>7}{-scores['elbo']:>11.2f}{scores['recon']:>8.2f}{scores['kl']:>6.2f}"
            f"{seconds:>8.0f}{seconds / seed_seconds:>7.2f}x{cpu:>7.0f}{cpu / seed_cpu:>7.2f}x  {first or 'not reached'}"
        )


if __name__ == "__main__":
    main()
