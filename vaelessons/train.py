"""Training: `fit` over in-memory batches with a live progress bar, `evaluate`, and a recipe cache."""

import contextlib
import copy
import functools
import hashlib
import inspect
import math
import numbers
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from . import checkpoint, losses, models
from .losses import reconstruction
from .models import convert_hint
from .progress import ProgressBar
from .settings import CACHE_ENV, cache_dir


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; `history` holds the epochs completed before it."""

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


@dataclass
class History:
    """Per-epoch train/test reconstruction and KL (nats per image), mean posterior sigma, and per-batch records.

    Per training batch: the mean reconstruction and KL (or penalty), the mean posterior sigma, and the KL's
    noise part 1/2 sum(sigma^2 - log sigma^2 - 1) (the KL minus it is the part set by the means).
    """

    epoch: list = field(default_factory=list)
    train_recon: list = field(default_factory=list)
    train_kl: list = field(default_factory=list)
    test_recon: list = field(default_factory=list)
    test_kl: list = field(default_factory=list)
    sigma: list = field(default_factory=list)
    step_recon: list = field(default_factory=list)
    step_kl: list = field(default_factory=list)
    step_sigma: list = field(default_factory=list)
    step_kl_noise: list = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    cached: bool = False

    def as_dict(self) -> dict:
        """Plain lists and numbers, for saving beside a checkpoint."""
        return asdict(self)

    def __repr__(self):
        if not self.epoch:
            return "History(no epoch completed)"
        last = f"train recon {self.train_recon[-1]:.1f}, KL {self.train_kl[-1]:.2f}"
        if self.test_recon:
            last += f"; test recon {self.test_recon[-1]:.1f}, KL {self.test_kl[-1]:.2f}"
        return f"History({len(self.epoch)} epochs: {last} nats/image)"


@torch.no_grad()
def evaluate(model, data, batch_size: int = 1000, seed: int = 0) -> dict:
    """Mean recon, KL, -ELBO (nats per image, one z sample) and mean posterior sigma of a model on data (x (N, D), y (N,))."""
    _check_images(model, data, "data")
    _check_int("batch_size", batch_size)
    _check_int("seed", seed, positive=False)
    was_training, device = model.training, _device(model)
    model.eval()
    totals = {"recon": 0.0, "kl": 0.0, "sigma": 0.0}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i in range(0, len(data), batch_size):
            x, y = data.x[i : i + batch_size].to(device), data.y[i : i + batch_size].to(device)  # batch by batch
            logits, mu, logvar = model(x, y)  # one pass: the terms and sigma come from the same encoding
            recon, kl = reconstruction(logits, x), model.kl(mu, logvar, y)
            totals["recon"] += recon.sum().item()
            totals["kl"] += kl.sum().item()
            totals["sigma"] += (0.5 * logvar).exp().mean(dim=1).sum().item()
    model.train(was_training)
    out = {k: v / len(data) for k, v in totals.items()}
    out["elbo"] = -(out["recon"] + out["kl"])
    return out


EPOCHS = 12  # the default recipe's length: see benchmarks/README.md for the evidence
LR = 1e-2  # the default recipe's peak learning rate (Adam)
SCHEDULES = ("warmup-cosine", "constant")
WARMUP = 100  # batches (at most a tenth of the run) of linear warmup: full-rate first steps can switch latent dimensions off


def lr_factor(schedule: str, step: int, steps: int) -> float:
    """Learning-rate multiplier for batch `step` (from 0) of `steps`: a linear warmup, then a half cosine from 1 to 0; or 1."""
    if schedule == "constant":
        return 1.0
    warmup, s = min(WARMUP, steps / 10), step + 0.5
    return s / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / (steps - warmup)))


def fit(
    model,
    train,
    test=None,
    *,
    epochs: int = EPOCHS,
    batch_size: int = 100,
    lr: float = LR,
    optimizer=None,
    schedule: str = "warmup-cosine",
    beta: float = 1.0,
    terms=None,
    seed: int = 0,
    progress: bool = True,
) -> History:
    """Train model on Images `train` (x (N, D), y (N,)), minimising mean(recon + beta * KL); returns a History.

    The model trains where its weights are (model.to("cuda") first for a GPU); the batches are moved there one by one.
    The default recipe is Adam whose learning rate follows a half cosine from lr down to 0 over the run's batches,
    after a linear ramp from 0 over the first WARMUP batches (or tenth of the run, if shorter); schedule="constant"
    keeps lr throughout.
    optimizer: a function params -> torch.optim.Optimizer (default fused Adam(lr)); the schedule scales its learning rate too.
    terms: a function (model, x, y) -> (recon (B,), kl (B,)) replacing model.loss_terms.
    Ctrl-C stops cleanly, keeping the weights and the history so far; a NaN or inf loss
    restores the weights of the last completed epoch and raises TrainingDiverged.
    """
    _check_fit_args(model, train, test, epochs=epochs, batch_size=batch_size, lr=lr, schedule=schedule, beta=beta, seed=seed)
    lr, beta, seed, device = float(lr), float(beta), int(seed), _device(model)
    torch.manual_seed(seed)
    shuffler = torch.Generator().manual_seed(seed)
    opt = optimizer(model.parameters()) if optimizer else torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    n, per_epoch = len(train), math.ceil(len(train) / batch_size)
    steps = epochs * per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_factor(schedule, step, steps))
    terms = terms or (lambda m, x, y: m.loss_terms(x, y))
    history = History()
    good = copy.deepcopy(model.state_dict())
    bar = ProgressBar(total=steps, unit="batch", disable=not progress, leave=True)
    seen = {}  # the log-variances of the latest training forward pass, for the per-batch records
    hook = _watch_logvar(model, seen)
    start = time.perf_counter()
    model.train()
    try:
        for epoch in range(1, epochs + 1):
            bar.set_description(f"epoch {epoch}/{epochs}")
            order = torch.randperm(n, generator=shuffler).to(train.x.device)
            sum_recon = sum_kl = 0.0
            for i, idx in enumerate(order.split(batch_size), start=1):
                x, y = train.x.index_select(0, idx).to(device), train.y.index_select(0, idx).to(device)  # x[idx], faster
                recon, kl = terms(model, x, y)
                recon, kl = recon.mean(), kl.mean()
                loss = recon + beta * kl
                r, k = recon.item(), kl.item()
                if not math.isfinite(r + beta * k):  # checked on the numbers: cheaper than torch.isfinite
                    _diverged(model, good, history, r + beta * k, f"at epoch {epoch}, batch {i}", epoch)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                scheduler.step()
                history.step_recon.append(r)
                history.step_kl.append(k)
                _record_posterior(history, seen.pop("logvar", None))
                sum_recon += r * len(idx)
                sum_kl += k * len(idx)
                bar.update()
                if i % 20 == 1:
                    bar.set_postfix(recon=f"{r:.1f}", kl=f"{k:.2f}", refresh=False)
            scores = evaluate(model, test if test is not None else train.take(min(n, 2000), seed))
            if not all(math.isfinite(v) for v in scores.values()):
                _diverged(model, good, history, -scores["elbo"], f"on evaluating the end of epoch {epoch}", epoch)
            history.epoch.append(epoch)
            history.train_recon.append(sum_recon / n)
            history.train_kl.append(sum_kl / n)
            history.sigma.append(scores["sigma"])
            if test is not None:
                history.test_recon.append(scores["recon"])
                history.test_kl.append(scores["kl"])
            good = copy.deepcopy(model.state_dict())
    except KeyboardInterrupt:
        history.interrupted = True
        bar.write(f"Interrupted: kept the model as it is and the history of {len(history.epoch)} complete epochs.")
    finally:
        if hook is not None:
            hook.remove()
        bar.close()
        history.seconds = time.perf_counter() - start
    return history


def _watch_logvar(model, seen: dict):
    """A forward hook on the model's log-variance head that keeps its latest training output in seen["logvar"]."""
    head = getattr(model, "logvar", None)
    if not isinstance(head, torch.nn.Module):
        return None

    def keep(module, inputs, output):
        if module.training:
            seen["logvar"] = output.detach()

    return head.register_forward_hook(keep)


def _record_posterior(history, logvar):
    """Append a batch's mean sigma and the KL's noise part 1/2 sum(sigma^2 - log sigma^2 - 1) for logvar (B, Z)."""
    if logvar is None:
        return
    history.step_sigma.append((0.5 * logvar).exp().mean().item())
    history.step_kl_noise.append((0.5 * (logvar.exp() - logvar - 1).sum(dim=1)).mean().item())


def _diverged(model, good, history, value, where, epoch):
    """Put back the weights of the last complete epoch and stop training with a message saying what happened."""
    model.load_state_dict(good)
    restored = f"the end of epoch {epoch - 1}" if epoch > 1 else "their values before training"
    raise TrainingDiverged(
        f"the loss became {value} {where}: training stopped and the weights were restored to {restored}. "
        "Try a smaller learning rate.",
        history,
    )


def _check_fit_args(model, train, test, *, epochs, batch_size, lr, schedule, beta, seed, **_):
    """Refuse, saying what to do, settings and data fit cannot train with, before any training."""
    _check_int("epochs", epochs)
    _check_int("batch_size", batch_size)
    _check_int("seed", seed, positive=False)
    _check_real("lr", lr, "a number > 0 (e.g. lr=0.01)", lambda v: v > 0)
    _check_real("beta", beta, "a number >= 0 (1 for the ELBO, 0 for no KL term)", lambda v: v >= 0)
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}: choose one of {', '.join(map(repr, SCHEDULES))}")
    _check_images(model, train, "train")
    if test is not None:
        _check_images(model, test, "test")  # a NaN here would otherwise end the first epoch and throw it away


def _check_int(name, value, positive=True):
    what = "a positive int" if positive else f"an int (e.g. {name}=0)"
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if positive and value < 1:
        raise ValueError(f"{name} must be {what}, got {value!r}")


def _check_real(name, value, what, ok):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if not (math.isfinite(value) and ok(value)):
        raise ValueError(f"{name} must be {what}, got {value!r}")


def _device(model) -> torch.device:
    return next(model.parameters()).device


def _check_images(model, data, name: str):
    """Refuse, saying what to do, data a model cannot learn from: x must be (N, model.x_dim) in [0, 1], y (N,)."""
    if not isinstance(getattr(data, "x", None), torch.Tensor) or not isinstance(getattr(data, "y", None), torch.Tensor):
        raise TypeError(f"{name} must be an Images from vaelessons.data.load, got {type(data).__name__}")
    x, y, dtype = data.x, data.y, next(model.parameters()).dtype
    if len(x) == 0:
        raise ValueError(f"{name} holds no images: give it at least one (e.g. data.take(100) of a data set)")
    if x.ndim != 2 and x[0].numel() == model.x_dim:
        raise ValueError(
            f"{name} images have shape {tuple(x.shape)}: flatten them to (N, {model.x_dim}), e.g. x.reshape(len(x), -1)"
        )
    if x.ndim != 2 or x.shape[1] != model.x_dim:
        raise ValueError(
            f"{name} images have shape {tuple(x.shape)} but the model expects (N, {model.x_dim}): "
            f"build the model with x_dim={x[0].numel()} for this data set"
        )
    if tuple(y.shape) != (len(x),):
        raise ValueError(f"{name} has {len(x)} images but {y.numel()} labels: y must have shape (N,), one label per image")
    if x.dtype != dtype:
        raise TypeError(f"{name} images are {x.dtype} but the model computes in {dtype}: {convert_hint(x.dtype, dtype)}")
    low, high = (v.item() for v in torch.aminmax(x))  # one pass over the pixels; NaN if any pixel is NaN
    if not (math.isfinite(low) and math.isfinite(high)):
        bad = ~torch.isfinite(x).all(dim=1)
        count = int((~torch.isfinite(x[bad])).sum())
        raise ValueError(
            f"{name} images hold {count} NaN or infinite pixel{'s' * (count > 1)} (first in image {int(bad.nonzero()[0])}): "
            "drop those images or replace the values (e.g. torch.nan_to_num(x)); the loss would be NaN"
        )
    if low < 0 or high > 1:
        if low >= 0:
            fix = "divide by 255" if high <= 255 else "divide by the largest value"
        else:
            fix = "map them with (x + 1) / 2" if low >= -1 and high <= 1 else "rescale them: (x - x.min()) / (x.max() - x.min())"
        raise ValueError(
            f"{name} pixels run from {low:g} to {high:g}, but the Bernoulli likelihood (binary cross-entropy) "
            f"needs values in [0, 1]: {fix}"
        )


def _fingerprint(*modules) -> str:
    """A hash of torch's version and of the source files of modules, as they are when this is called."""
    h = hashlib.sha256(torch.__version__.encode())
    for module in modules:
        h.update(hashlib.sha256(Path(module.__file__).read_bytes()).digest())
    return h.hexdigest()[:16]


FIT_SIGNATURE = inspect.signature(fit)
# The code that decides a trained model's weights, read once, as imported, with torch's version: part of every recipe,
# so any change to it trains again instead of serving weights the old code trained (no version number to bump by hand).
CODE = _fingerprint(losses, models, sys.modules[__name__])


def _fit_settings(model, train, test, fit_kwargs) -> dict:
    """fit's keyword arguments, defaults filled in (an unknown name is a TypeError, as from fit)."""
    bound = FIT_SIGNATURE.bind(model, train, test, **fit_kwargs)
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if k not in ("model", "train", "test")}


def _hash_images(h, data):
    """Feed h the full contents of data: x's and y's dtypes, shapes and bytes (about 0.2 s for full MNIST here)."""
    for t in (data.x, data.y):
        t = t.detach().cpu().contiguous()
        h.update(repr((t.dtype, tuple(t.shape))).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy())


def recipe_key(model, train, test=None, **fit_kwargs) -> str:
    """A hash of everything that decides a training run's result: model, initial weights, data, fit settings and code."""
    settings = _fit_settings(model, train, test, fit_kwargs)
    settings.pop("progress")  # the bar does not change the result
    for name, value in settings.items():  # beta=1 and beta=1.0, lr=np.float64(0.01) and lr=0.01: the same run
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            settings[name] = type(FIT_SIGNATURE.parameters[name].default)(value)
    settings = {name: _stable(value) for name, value in settings.items()}
    h = hashlib.sha256()
    noise = getattr(model, "noise", True)  # a plain autoencoder (noise off) is another recipe
    h.update(repr((CODE, type(model).__name__, model.config, noise, sorted(settings.items()))).encode())
    for tensor in model.state_dict().values():
        h.update(tensor.detach().cpu().numpy().tobytes())
    for data in (train, test):
        if data is not None:
            _hash_images(h, data)
    return h.hexdigest()[:20]


def _stable(value):
    """A repr of a fit setting that is the same in every process, or None if there is none.

    Plain values are their repr; a function defined in vaelessons is its dotted name (its code is covered by the
    key's code part); a functools.partial of one is its name and arguments, if those are stable too.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        parts = [_stable(v) for v in value]
        return None if None in parts else f"({', '.join(parts)})"
    if isinstance(value, functools.partial):
        keywords = {k: _stable(v) for k, v in sorted(value.keywords.items())}
        parts = [_stable(value.func), *(_stable(a) for a in value.args), *keywords.values()]
        if None in parts:
            return None
        return f"partial({', '.join(parts[: 1 + len(value.args)] + [f'{k}={v}' for k, v in keywords.items()])})"
    module = getattr(value, "__module__", "") or ""
    if callable(value) and module.split(".")[0] == "vaelessons" and "<locals>" not in value.__qualname__:
        return f"{module}.{value.__qualname__}"
    return None


def cached_fit(model, train, test=None, **fit_kwargs) -> History:
    """`fit`, unless the same recipe was trained before: then load its weights and history from the cache.

    A cache that cannot be written (read-only, full, not a folder) costs only a warning: the trained model is returned.
    """
    for name in ("optimizer", "terms"):
        if fit_kwargs.get(name) is not None and _stable(fit_kwargs[name]) is None:
            raise ValueError(
                f"cached_fit can key only the package's own {name} functions (vaelessons.*, or functools.partial of one "
                f"with plain arguments), not {fit_kwargs[name]!r}: call fit directly"
            )
    _check_fit_args(model, train, test, **_fit_settings(model, train, test, fit_kwargs))
    folder = cache_dir() / "models"
    path = folder / f"{type(model).__name__}-{recipe_key(model, train, test, **fit_kwargs)}.pt"
    checkpoint.remove_stale_temps(folder)  # left by a save killed midway, in this kernel or another
    if path.exists():
        try:
            model.load_state_dict(checkpoint.load(path, expect=model).state_dict())
            return History(**{**checkpoint.load_history(path), "cached": True})
        except (checkpoint.CheckpointError, TypeError, FileNotFoundError):  # bad, or removed by another process meanwhile
            with contextlib.suppress(OSError):  # gone already, or a read-only cache: the entry is not used either way
                path.unlink()  # a bad cache entry is never used: train again below
    history = fit(model, train, test, **fit_kwargs)
    if not history.interrupted:
        try:
            checkpoint.save(model, path, history)
        except OSError as err:
            warnings.warn(
                f"could not save the trained model in the cache ({type(err).__name__}: {err}), so it was not cached "
                "and will be trained again next time. To cache models, free disk space or set "
                f"{CACHE_ENV} to a folder you can write to.",
                stacklevel=2,
            )
    return history
