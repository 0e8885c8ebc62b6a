"""Training: fit's history and reproducibility, its behaviour on a NaN and on Ctrl-C, the recipe cache, quick mode."""

import errno
import functools
import inspect
import math
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from vaelessons import by_mode, data, default_dataset, is_quick, losses, train
from vaelessons.models import CVAE, VAE


@pytest.fixture(scope="module")
def digits():
    """Small data for fast runs: 300 training and 100 test images of 8x8 digits."""
    return data.load("digits", "train").take(300), data.load("digits", "test").take(100)


def small_vae(seed=0, cls=VAE):
    torch.manual_seed(seed)
    return cls(x_dim=64, hidden=32, z_dim=2)


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def run(data_pair, seed=0, model_seed=0, **kwargs):
    model = small_vae(model_seed)
    kwargs = {"epochs": 2, "batch_size": 50, "progress": False, "seed": seed, **kwargs}
    return model, train.fit(model, *data_pair, **kwargs)


PER_EPOCH = ("epoch", "train_recon", "train_kl", "test_recon", "test_kl", "sigma")


def test_fit_takes_the_settings_the_lessons_use():
    parameters = inspect.signature(train.fit).parameters
    assert list(parameters)[:3] == ["model", "train", "test"] and parameters["test"].default is None
    documented = ("epochs", "batch_size", "lr", "optimizer", "beta", "terms", "seed", "progress")
    assert all(parameters[name].kind == inspect.Parameter.KEYWORD_ONLY for name in documented)


def test_history_has_train_and_test_terms_per_epoch(digits):
    model, history = run(digits, epochs=3)
    assert history.epoch == [1, 2, 3]
    for name in PER_EPOCH:
        values = getattr(history, name)
        assert len(values) == 3 and all(math.isfinite(v) for v in values), name
    assert len(history.step_recon) == len(history.step_kl) == 3 * 6  # 300 images in batches of 50
    assert not history.interrupted and not history.cached and history.seconds > 0
    # the epoch's train terms are the means of its batches' terms (equal batches here)
    assert history.train_recon[0] == pytest.approx(sum(history.step_recon[:6]) / 6)
    assert history.train_kl[-1] == pytest.approx(sum(history.step_kl[-6:]) / 6)
    # the test terms are those of the model as the last epoch left it
    scores = train.evaluate(model, digits[1])
    assert (history.test_recon[-1], history.test_kl[-1], history.sigma[-1]) == pytest.approx(
        (scores["recon"], scores["kl"], scores["sigma"])
    )
    assert f"3 epochs: train recon {history.train_recon[-1]:.1f}" in repr(history)


def test_without_test_data_the_history_has_only_train_terms(digits):
    _, history = run((digits[0],), epochs=1)
    assert len(history.train_recon) == 1 and len(history.sigma) == 1
    assert history.test_recon == [] and history.test_kl == []


def test_the_same_seed_gives_the_same_numbers_and_weights(digits):
    model_a, a = run(digits, seed=7)
    model_b, b = run(digits, seed=7)
    assert a.as_dict() | {"seconds": 0} == b.as_dict() | {"seconds": 0}
    assert same_weights(weights(model_a), weights(model_b))


def test_another_seed_gives_other_numbers(digits):
    model_a, a = run(digits, seed=1)
    model_b, b = run(digits, seed=2)
    assert a.step_recon != b.step_recon
    assert not same_weights(weights(model_a), weights(model_b))


def test_training_on_mnist_mini_lowers_both_train_and_test_loss():
    torch.manual_seed(0)
    model = VAE()
    train_set, test_set = data.load("mnist-mini", "train"), data.load("mnist-mini", "test")
    before = train.evaluate(model, test_set)
    history = train.fit(model, train_set, test_set, epochs=2, progress=False)
    assert history.train_recon[1] < history.train_recon[0]
    assert history.test_recon[1] + history.test_kl[1] < history.test_recon[0] + history.test_kl[0]
    assert history.test_recon[-1] + history.test_kl[-1] < before["recon"] + before["kl"] - 100  # far better than untrained


def test_the_optimizer_function_is_used(digits):
    model, _ = run(digits, optimizer=lambda params: torch.optim.SGD(params, lr=0.0))
    assert same_weights(weights(model), weights(small_vae()))


def test_a_cvae_trains_with_its_labels(digits):
    model = small_vae(cls=CVAE)
    means = model.class_means.weight.detach().clone()
    history = train.fit(model, *digits, epochs=1, batch_size=50, progress=False)
    assert math.isfinite(history.test_kl[0])
    assert not torch.equal(model.class_means.weight, means)  # the class means learned


def test_a_nan_loss_stops_training_and_restores_the_last_good_epoch(digits):
    model, end_of_epoch_1, calls = small_vae(), {}, []

    def terms(m, x, y):
        calls.append(1)
        if len(calls) == 6 + 1:  # the first batch of epoch 2 sees the weights epoch 1 left
            end_of_epoch_1.update(weights(m))
        recon, kl = m.loss_terms(x, y)
        return (recon * math.nan, kl) if len(calls) == 6 + 3 else (recon, kl)  # NaN on batch 3 of epoch 2

    with pytest.raises(train.TrainingDiverged) as err:
        train.fit(model, *digits, epochs=3, batch_size=50, progress=False, terms=terms)
    message = str(err.value)
    assert "the loss became nan at epoch 2, batch 3" in message
    assert "restored to the end of epoch 1" in message and "smaller learning rate" in message
    assert err.value.history.epoch == [1]
    assert same_weights(weights(model), end_of_epoch_1)


def test_a_learning_rate_that_blows_up_ends_with_finite_weights(digits):
    model = small_vae()
    with pytest.raises(train.TrainingDiverged, match="Try a smaller learning rate"):
        train.fit(model, *digits, epochs=2, batch_size=50, progress=False, lr=1e30)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_ctrl_c_keeps_the_model_and_the_history_so_far(digits):
    model, at_interrupt = small_vae(), {}

    def terms(m, x, y):
        if len(at_interrupt) == 0 and terms.calls == 6 + 4:  # the 5th batch of epoch 2
            at_interrupt.update(weights(m))
            raise KeyboardInterrupt
        terms.calls += 1
        return m.loss_terms(x, y)

    terms.calls = 0
    history = train.fit(model, *digits, epochs=3, batch_size=50, progress=False, terms=terms)
    assert history.interrupted
    assert history.epoch == [1] and len(history.test_recon) == 1 and len(history.step_recon) == 10
    assert same_weights(weights(model), at_interrupt)  # the model as it was, 4 batches into epoch 2


def test_weights_broken_by_the_last_step_of_an_epoch_are_not_kept_as_good(digits):
    model = small_vae()
    with pytest.raises(train.TrainingDiverged):
        train.fit(model, digits[0], epochs=3, batch_size=300, lr=1e30, progress=False)  # one batch per epoch
    assert all(math.isfinite(v) for v in train.evaluate(model, digits[1]).values())


def test_ctrl_c_at_the_end_of_an_epoch_leaves_a_consistent_history(digits, monkeypatch):
    real_evaluate, calls = train.evaluate, []

    def evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(train, "evaluate", evaluate)
    _, history = run(digits, epochs=3)
    assert history.interrupted
    assert len({len(getattr(history, name)) for name in PER_EPOCH}) == 1


def test_the_progress_bar_shows_the_live_terms(digits, capsys):
    run(digits, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "recon=" in err and "kl=" in err
    run(digits, epochs=1, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be a positive int, got 0"),
        ({"batch_size": 0}, "batch_size must be a positive int, got 0"),
    ],
)
def test_bad_settings_are_named(digits, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train.fit(small_vae(), *digits, progress=False, **{"epochs": 1, **kwargs})


def test_data_that_does_not_fit_the_model_says_which_x_dim_to_use(digits):
    with pytest.raises(ValueError, match=r"model expects \(N, 784\): build the model with x_dim=64"):
        train.fit(VAE(), digits[0], epochs=1, progress=False)
    with pytest.raises(TypeError, match="train must be an Images from vaelessons.data.load, got Tensor"):
        train.fit(small_vae(), digits[0].x, epochs=1, progress=False)


def test_evaluate_is_deterministic_and_leaves_the_mode_alone(digits):
    model = small_vae()
    model.train()
    a, b = train.evaluate(model, digits[1]), train.evaluate(model, digits[1])
    assert a == b and model.training
    assert a["elbo"] == pytest.approx(-(a["recon"] + a["kl"]))
    assert train.evaluate(model, digits[1], seed=1) != a  # one z sample per image, drawn with the seed


@pytest.fixture
def counted_fit(monkeypatch, tmp_path):
    """Count the training runs cached_fit starts, with an empty model cache."""
    monkeypatch.setenv("VAELESSONS_CACHE", str(tmp_path))
    calls = []
    real_fit = train.fit

    def fit(*args, **kwargs):
        calls.append(kwargs)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(train, "fit", fit)
    return calls


def cached(digits, model_seed=0, **kwargs):
    model = small_vae(model_seed)
    return model, train.cached_fit(model, *digits, **{"epochs": 1, "batch_size": 50, "progress": False, **kwargs})


def test_cached_fit_trains_a_recipe_once(digits, counted_fit, tmp_path):
    first_model, first = cached(digits)
    again_model, again = cached(digits, progress=True)  # the progress bar is not part of the recipe
    assert len(counted_fit) == 1
    assert not first.cached and again.cached
    assert again.train_recon == first.train_recon and again.test_kl == first.test_kl
    assert same_weights(weights(again_model), weights(first_model))
    assert len(list((tmp_path / "models").glob("*.pt"))) == 1


@pytest.mark.parametrize(
    "change",
    [{"epochs": 2}, {"seed": 1}, {"beta": 0.5}, {"lr": 3e-3}, {"model_seed": 1}, {"data": "smaller"}],
)
def test_cached_fit_trains_again_for_another_recipe(digits, counted_fit, change):
    cached(digits)
    change = dict(change)
    if change.pop("data", None):
        digits = (digits[0].take(200), digits[1])
    cached(digits, **change)
    assert len(counted_fit) == 2


def test_a_plain_autoencoder_is_not_served_the_vaes_cached_weights(digits, counted_fit):
    cached(digits)
    autoencoder = small_vae(0)
    autoencoder.noise = False
    history = train.cached_fit(autoencoder, *digits, epochs=1, batch_size=50, progress=False)
    assert len(counted_fit) == 2 and not history.cached


def test_a_corrupt_cache_entry_is_discarded_and_trained_again(digits, counted_fit, tmp_path):
    first_model, _ = cached(digits)
    (entry,) = (tmp_path / "models").glob("*.pt")
    entry.write_bytes(entry.read_bytes()[:1000])
    model, history = cached(digits)
    assert len(counted_fit) == 2 and not history.cached
    assert same_weights(weights(model), weights(first_model))  # same recipe, same result
    assert train.checkpoint.load(entry, expect=model) is not None  # the entry is good again


def test_an_interrupted_run_is_not_cached(digits, counted_fit, tmp_path, monkeypatch):
    real_fit = train.fit

    def interrupted_fit(*args, **kwargs):
        history = real_fit(*args, **kwargs)
        history.interrupted = True
        return history

    monkeypatch.setattr(train, "fit", interrupted_fit)
    cached(digits)
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())


def test_cached_fit_refuses_functions_it_cannot_key(digits, counted_fit):
    def mine(m, x, y):
        return m.loss_terms(x, y)

    for terms in (lambda m, x, y: m.loss_terms(x, y), mine, functools.partial(losses.two_penalties, w_mu=mine)):
        with pytest.raises(ValueError, match="can key only the package's own terms functions.*call fit directly"):
            cached(digits, terms=terms)
    assert counted_fit == []


def test_cached_fit_keys_the_packages_terms_by_name_and_weights(digits, counted_fit):
    _, first = cached(digits, terms=functools.partial(losses.two_penalties, w_mu=1.0, w_sigma=1.0))
    _, again = cached(digits, terms=functools.partial(losses.two_penalties, w_mu=1.0, w_sigma=1.0))
    _, other = cached(digits, terms=functools.partial(losses.two_penalties, w_mu=1.0, w_sigma=0.25))
    _, plain = cached(digits)
    assert [first.cached, again.cached, other.cached, plain.cached] == [False, True, False, False]
    assert len(counted_fit) == 3


def test_the_two_penalties_are_the_weighted_squares_of_the_heads(digits):
    model = small_vae()
    x = digits[0].x[:5]
    recon, penalty = losses.two_penalties(model, x, w_mu=0.5, w_sigma=0.25)
    mu, logvar = model.encode(x)
    assert recon.shape == penalty.shape == (5,)
    assert torch.allclose(penalty, 0.5 * mu.pow(2).sum(1) + 0.25 * logvar.pow(2).sum(1))


def test_the_history_records_each_batchs_sigma_and_the_kls_noise_part(digits):
    model = small_vae()
    seen = []

    def keep(module, inputs, output):
        if module.training:
            seen.append(output.detach())

    model.logvar.register_forward_hook(keep)
    history = train.fit(model, *digits, epochs=1, batch_size=50, progress=False)
    assert len(history.step_sigma) == len(history.step_kl_noise) == len(history.step_kl) == 6 == len(seen)
    assert history.step_sigma == pytest.approx([(0.5 * lv).exp().mean().item() for lv in seen])
    noise = [(0.5 * (lv.exp() - lv - 1).sum(1)).mean().item() for lv in seen]
    assert history.step_kl_noise == pytest.approx(noise)
    # the KL is the mean part plus the noise part, both at least 0
    assert all(0 <= n <= k + 1e-6 for n, k in zip(history.step_kl_noise, history.step_kl, strict=True))


@pytest.mark.parametrize("value, quick", [("1", True), ("true", True), ("0", False), ("", False), (None, False)])
def test_one_switch_selects_quick_mode(monkeypatch, value, quick):
    if value is None:
        monkeypatch.delenv("VAELESSONS_QUICK", raising=False)
    else:
        monkeypatch.setenv("VAELESSONS_QUICK", value)
    assert is_quick() is quick
    assert by_mode(full=50, quick=3) == (3 if quick else 50)
    if quick:  # full mode's choice (MNIST, or mnist-mini when offline) is tested with the download path
        assert default_dataset() == "mnist-mini"


def test_a_saved_notebook_shows_where_the_progress_bar_ended_not_zero(tmp_path):
    """Where widgets don't render (GitHub, a fresh clone, a web page) a notebook bar shows its plain text."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from vaelessons import VAE, fit, load_data\n"
            "train = load_data('digits', 'train').take(200)\n"
            "history = fit(VAE(x_dim=64, hidden=16, z_dim=2), train, epochs=2, batch_size=50)"
        )
    ]
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = [o["data"]["text/plain"] for o in nb.cells[0].outputs if "text/plain" in o.get("data", {})]
    assert len(shown) == 1, nb.cells[0].outputs  # one bar, refreshed in place
    assert "100%" in shown[0] and "8/8" in shown[0], shown[0]
    assert "application/vnd.jupyter.widget-view+json" in nb.cells[0].outputs[0]["data"]  # still a live bar in Jupyter


def with_x(images, x, y=None):
    """The same Images with other pixels (and labels)."""
    return data.Images(x, images.y if y is None else y, images.shape, images.name)


def test_other_pixels_with_the_same_sum_are_another_recipe(digits, counted_fit):
    """Two pixels swapped: the same sum, length, name and labels, but other images, so not the other run's weights."""
    x = digits[0].x.clone()
    (a, b) = (x[0] != x[0, 0]).nonzero()[0].item(), 0  # two pixels of image 0 with different values
    x[0, a], x[0, b] = x[0, b].item(), x[0, a].item()
    swapped = with_x(digits[0], x)
    assert float(swapped.x.sum()) == float(digits[0].x.sum()) and not torch.equal(swapped.x, digits[0].x)
    cached(digits)
    _, history = cached((swapped, digits[1]))
    assert len(counted_fit) == 2 and not history.cached


def test_the_recipe_key_is_the_same_for_equal_data_and_settings_however_they_are_given(digits):
    model = small_vae()
    copy = (with_x(digits[0], digits[0].x.clone()), digits[1])
    assert train.recipe_key(model, *digits, epochs=2) == train.recipe_key(model, *copy, epochs=2)
    assert train.recipe_key(model, *digits, lr=0.01, beta=1) == train.recipe_key(model, *digits, lr=np.float64(0.01), beta=1.0)


KEY_OF_EDITED_CODE = """
import importlib, sys, torch
from pathlib import Path
keys = []
for folder in sys.argv[1:]:
    sys.path.insert(0, folder)
    for name in [n for n in sys.modules if n.startswith("vaelessons")]:
        del sys.modules[name]
    from vaelessons import data, train
    from vaelessons.models import VAE
    assert Path(train.__file__).is_relative_to(folder)
    torch.manual_seed(0)
    images = data.Images(torch.rand(10, 4), torch.zeros(10, dtype=torch.long), (2, 2), "tiny")
    keys.append(train.recipe_key(VAE(x_dim=4, hidden=3), images, epochs=1))
    sys.path.remove(folder)
print(" ".join(keys))
"""


def test_a_change_to_the_code_that_trains_changes_the_recipe_key_by_itself(tmp_path):
    """No number to bump by hand: editing train.py, models.py or losses.py makes every recipe another one."""
    package = Path(train.__file__).parent
    folders = []
    for edited in (None, "train.py", "models.py", "losses.py"):
        folder = tmp_path / (edited or "as-is")
        shutil.copytree(package, folder / "vaelessons", ignore=shutil.ignore_patterns("__pycache__", "_data", "static"))
        if edited:
            with open(folder / "vaelessons" / edited, "a") as f:
                f.write("\n# an edit that changes nothing a test would see\n")
        folders.append(str(folder))
    out = subprocess.run([sys.executable, "-c", KEY_OF_EDITED_CODE, *folders], capture_output=True, text=True, check=True)
    keys = out.stdout.split()
    assert len(keys) == 4 and len(set(keys)) == 4, out.stdout
    assert not hasattr(train, "RECIPE")


@pytest.mark.parametrize(
    "breakage, failure",
    [
        ("read-only folder", PermissionError(errno.EACCES, "Permission denied")),
        ("disk full", OSError(errno.ENOSPC, "No space left on device")),
        ("cache names a file", None),
    ],
)
def test_a_cache_that_cannot_be_written_still_returns_the_trained_model_with_one_warning(
    digits, counted_fit, tmp_path, monkeypatch, breakage, failure
):
    if breakage == "read-only folder":  # what mkstemp raises in a folder without write permission (tests may run as root)
        monkeypatch.setattr(train.checkpoint.tempfile, "mkstemp", lambda **kw: (_ for _ in ()).throw(failure))
    elif breakage == "disk full":

        def half_written(obj, f):
            f.write(b"PK\x03\x04 half a checkpoint")
            raise failure

        monkeypatch.setattr(torch, "save", half_written)
    else:
        (tmp_path / "a-file").write_text("not a folder")
        monkeypatch.setenv("VAELESSONS_CACHE", str(tmp_path / "a-file"))
    before = weights(small_vae())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, history = cached(digits)
    assert history.epoch == [1] and not history.cached and not same_weights(weights(model), before)
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert "could not save the trained model in the cache" in message and "was not cached" in message
    assert (type(failure).__name__ if failure else "NotADirectoryError") in message
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("when", ["before reading it", "after finding it bad"])
def test_two_processes_finding_the_same_bad_entry_both_train(digits, counted_fit, tmp_path, monkeypatch, when):
    """Another kernel removes the bad entry first: this one must not crash on a file that is gone."""
    cached(digits)
    (entry,) = (tmp_path / "models").glob("*.pt")
    entry.write_bytes(b"not a checkpoint")
    real_load = train.checkpoint.load

    def load_as_the_other_process_removes_it(path, expect=None):
        if when == "before reading it":
            path.unlink()
            return real_load(path, expect)
        try:
            return real_load(path, expect)
        finally:
            path.unlink()

    monkeypatch.setattr(train.checkpoint, "load", load_as_the_other_process_removes_it)
    _, history = cached(digits)
    assert len(counted_fit) == 2 and not history.cached
    assert real_load(entry).config == small_vae().config  # trained again and cached


def test_a_stale_temp_file_in_the_cache_is_removed_but_not_a_live_ones(digits, counted_fit, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its process id now names no process, as a kernel's killed by kill -9 during a save
    dead = folder / f"VAE-0123456789abcdef0123.pt.{finished.pid}.k9x2_q1z.tmp"
    live = folder / f"VAE-0123456789abcdef0123.pt.{os.getpid()}.b7y3_w0a.tmp"  # e.g. another kernel saving now
    for p in (dead, live):
        p.write_bytes(b"PK half a checkpoint")
    cached(digits)
    assert not dead.exists() and live.exists()


def bad_images(kind, images):
    """images made wrong in one way a student's data can be."""
    x = images.x
    if kind == "uint8":
        return with_x(images, (x * 255).round().to(torch.uint8))
    if kind == "float64":
        return with_x(images, x.double())
    if kind == "unflattened":
        return with_x(images, x.reshape(len(x), *images.shape))
    if kind == "0..255":
        return with_x(images, x * 255)
    if kind == "-1..1":
        return with_x(images, 2 * x - 1)
    if kind == "NaN pixel":
        x = x.clone()
        x[3, 5] = math.nan
        return with_x(images, x)
    if kind == "empty":
        return images[:0]
    if kind == "labels of another length":
        return with_x(images, x, images.y[:-1])
    raise AssertionError(kind)


BAD_IMAGES = {
    "uint8": r"images are torch.uint8 but the model computes in torch.float32: convert with x.float\(\) / 255",
    "float64": r"images are torch.float64 but the model computes in torch.float32: convert with x.float\(\)",
    "unflattened": r"images have shape \(\d+, 8, 8\): flatten them to \(N, 64\), e.g. x.reshape\(len\(x\), -1\)",
    "0..255": r"pixels run from 0 to 255.*needs values in \[0, 1\]: divide by 255",
    "-1..1": r"pixels run from -1 to 1.*needs values in \[0, 1\]: map them with \(x \+ 1\) / 2",
    "NaN pixel": r"images hold 1 NaN or infinite pixel \(first in image 3\): drop those images or replace the values",
    "empty": r"holds no images",
    "labels of another length": r"has \d+ images but \d+ labels: y must have shape \(N,\), one label per image",
}


@pytest.mark.parametrize("kind", BAD_IMAGES)
@pytest.mark.parametrize("split", ["train", "test"])
def test_data_the_model_cannot_learn_from_is_refused_up_front_saying_what_to_do(digits, kind, split):
    """Before any training: a NaN in the test set, say, would otherwise end the first epoch and throw it away."""
    model, start = small_vae(), None
    start = weights(model)
    pair = (bad_images(kind, digits[0]), digits[1]) if split == "train" else (digits[0], bad_images(kind, digits[1]))
    with pytest.raises((TypeError, ValueError), match=f"^{split} {BAD_IMAGES[kind]}"):
        train.fit(model, *pair, epochs=1, batch_size=50, progress=False)
    assert same_weights(weights(model), start)


@pytest.mark.parametrize("kind", BAD_IMAGES)
def test_evaluate_refuses_the_same_data_with_the_same_advice(digits, kind):
    with pytest.raises((TypeError, ValueError), match=f"^data {BAD_IMAGES[kind]}"):
        train.evaluate(small_vae(), bad_images(kind, digits[1]))


def test_cached_fit_checks_its_arguments_before_keying_them(digits, counted_fit):
    with pytest.raises(TypeError, match="train must be an Images from vaelessons.data.load, got Tensor"):
        train.cached_fit(small_vae(), digits[0].x, epochs=1, progress=False)
    with pytest.raises(TypeError, match="^train images are torch.float64"):
        train.cached_fit(small_vae(), bad_images("float64", digits[0]), epochs=1, progress=False)
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        train.cached_fit(small_vae(), *digits, epochs=1, progress=False, lr=0)
    assert counted_fit == []


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"lr": 0}, ValueError, r"lr must be a number > 0 \(e.g. lr=0.01\), got 0"),
        ({"lr": -1e-3}, ValueError, "lr must be a number > 0"),
        ({"lr": math.nan}, ValueError, "lr must be a number > 0 .*got nan"),
        ({"lr": "1e-3"}, TypeError, "lr must be a number > 0 .*got '1e-3'"),
        ({"beta": -0.5}, ValueError, r"beta must be a number >= 0 \(1 for the ELBO, 0 for no KL term\), got -0.5"),
        ({"beta": math.inf}, ValueError, "beta must be a number >= 0 .*got inf"),
        ({"beta": "1"}, TypeError, "beta must be a number >= 0 .*got '1'"),
        ({"seed": 1.5}, TypeError, r"seed must be an int \(e.g. seed=0\), got 1.5"),
        ({"seed": "0"}, TypeError, "seed must be an int .*got '0'"),
        ({"epochs": True}, TypeError, "epochs must be a positive int, got True"),
        ({"batch_size": 2.0}, TypeError, "batch_size must be a positive int, got 2.0"),
    ],
)
def test_settings_of_the_wrong_type_or_value_are_named(digits, kwargs, error, message):
    with pytest.raises(error, match=message):
        train.fit(small_vae(), *digits, progress=False, **{"epochs": 1, **kwargs})


def test_numpy_numbers_are_good_settings(digits):
    _, a = run(digits, epochs=1, lr=0.01, beta=1.0, seed=3)
    _, b = run(digits, epochs=np.int64(1), lr=np.float32(0.01).item(), beta=np.float64(1.0), seed=np.int64(3))
    assert a.step_recon == b.step_recon


class Stop(Exception):
    """Ends a run once the model has been handed its first batch."""


def test_fit_hands_the_model_its_batches_on_the_models_device(digits):
    """A student on a GPU runtime moves the model (model.to("cuda")); the data stays on the CPU, moved batch by batch.

    This machine has no GPU, so the model goes to the "meta" device: a device other than the data's, where torch
    checks shapes and devices but computes nothing. Before, fit handed it CPU batches (a device-mismatch error).
    """
    seen = []

    def terms(m, x, y):
        seen.append((x.device.type, y.device.type, tuple(x.shape)))
        m.loss_terms(x, y)  # the model's own forward pass accepts them
        raise Stop

    with pytest.raises(Stop):
        train.fit(small_vae().to("meta"), *digits, epochs=1, batch_size=50, terms=terms, progress=False)
    assert seen == [("meta", "meta", (50, 64))]


def test_evaluate_hands_the_model_its_batches_on_the_models_device(digits):
    model, seen = small_vae().to("meta"), []
    real_forward = model.forward

    def forward(x, y=None):
        seen.append((x.device.type, y.device.type, tuple(x.shape)))
        real_forward(x, y)  # accepted on the model's device
        raise Stop

    model.forward = forward
    with pytest.raises(Stop):
        train.evaluate(model, digits[1], batch_size=40)
    assert seen == [("meta", "meta", (40, 64))]


def test_a_bad_entry_in_a_read_only_cache_is_trained_over_with_one_warning(digits, counted_fit, tmp_path, monkeypatch):
    cached(digits)
    (entry,) = (tmp_path / "models").glob("*.pt")
    entry.write_bytes(b"not a checkpoint")
    denied = PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(train.checkpoint.tempfile, "mkstemp", lambda **kw: (_ for _ in ()).throw(denied))
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: (_ for _ in ()).throw(denied))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, history = cached(digits)
    assert len(counted_fit) == 2 and history.epoch == [1] and not history.cached
    assert [str(w.message)[:46] for w in caught] == ["could not save the trained model in the cache "]
