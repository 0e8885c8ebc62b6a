"""Saving and loading a model: a round trip, atomic writes, and clear errors for files that are not what was expected."""

import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from vaelessons import checkpoint
from vaelessons.models import CVAE, VAE


def trained_looking(model, seed=0):
    """The model with random weights other than its initial ones, so a round trip has something to keep."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    return model


def outputs(model, x, y=None):
    model.noise = False
    logits, mu, logvar = model(x, y)
    return torch.cat([logits, mu, logvar], dim=1)


@pytest.mark.parametrize("make", [lambda: VAE(), lambda: VAE(x_dim=64, hidden=32, z_dim=5), lambda: CVAE(z_dim=3)])
def test_a_saved_model_comes_back_identical(tmp_path, make):
    model = trained_looking(make())
    path = checkpoint.save(model, tmp_path / "sub" / "model.pt", history={"train_recon": [180.5, 160.25]})
    back = checkpoint.load(path)
    assert type(back) is type(model) and back.config == model.config and not back.training
    for (name, a), (name_b, b) in zip(model.state_dict().items(), back.state_dict().items(), strict=True):
        assert name == name_b and torch.equal(a, b)
    x, y = torch.rand(4, model.x_dim), torch.tensor([0, 1, 2, 9])
    assert torch.equal(outputs(back, x, y), outputs(model, x, y))
    assert checkpoint.load_history(path) == {"train_recon": [180.5, 160.25]}
    assert checkpoint.load(path, expect=make()).config == model.config


def test_saving_leaves_no_temporary_file(tmp_path):
    checkpoint.save(VAE(), tmp_path / "model.pt")
    checkpoint.save(VAE(), tmp_path / "model.pt")  # overwriting too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_save_that_fails_midway_keeps_the_previous_file(tmp_path, monkeypatch, failure):
    path = checkpoint.save(trained_looking(VAE()), tmp_path / "model.pt")
    before = path.read_bytes()

    def half_written(obj, f):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise failure

    monkeypatch.setattr(torch, "save", half_written)
    with pytest.raises(type(failure)):
        checkpoint.save(VAE(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]
    monkeypatch.undo()
    assert checkpoint.load(path).config == VAE().config


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nothing.pt"):
        checkpoint.load(tmp_path / "nothing.pt")


def test_garbage_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"\x00 this is not a torch file" * 10)
    with pytest.raises(checkpoint.CheckpointError, match="model.pt is not a vaelessons checkpoint: torch.load could not read it"):
        checkpoint.load(path)


def test_a_truncated_checkpoint_is_not_used(tmp_path):
    path = checkpoint.save(VAE(), tmp_path / "model.pt")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(checkpoint.CheckpointError, match="It may be truncated"):
        checkpoint.load(path)


def test_another_torch_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(VAE().state_dict(), path)  # bare weights, without the config that rebuilds the model
    with pytest.raises(checkpoint.CheckpointError, match="expected a dict with format 'vaelessons-model/1'"):
        checkpoint.load(path)


def test_a_model_of_another_shape_names_what_was_expected_and_what_was_found(tmp_path):
    path = checkpoint.save(VAE(z_dim=2), tmp_path / "model.pt")
    with pytest.raises(checkpoint.CheckpointError) as err:
        checkpoint.load(path, expect=VAE(z_dim=8))
    message = str(err.value)
    assert "holds a VAE with" in message and "'z_dim': 2" in message
    assert "but a VAE with" in message and "'z_dim': 8" in message and "was expected" in message
    with pytest.raises(checkpoint.CheckpointError, match="holds a VAE .* but a CVAE .* was expected"):
        checkpoint.load(path, expect=CVAE())


def test_weights_that_do_not_fit_the_saved_config_are_refused(tmp_path):
    path = tmp_path / "model.pt"
    checkpoint.save(VAE(z_dim=2), path)
    state = torch.load(path, weights_only=True)
    state["state_dict"] = VAE(z_dim=4).state_dict()
    torch.save(state, path)
    with pytest.raises(checkpoint.CheckpointError, match=r"its weights do not fit a VAE with .*'z_dim': 2"):
        checkpoint.load(path)


def test_a_config_this_version_cannot_build_is_named(tmp_path):
    path = checkpoint.save(VAE(), tmp_path / "model.pt")
    state = torch.load(path, weights_only=True)
    state["config"]["depth"] = 3  # e.g. saved by a newer vaelessons
    torch.save(state, path)
    with pytest.raises(checkpoint.CheckpointError, match="its config .*'depth': 3.* does not build a VAE: .*depth"):
        checkpoint.load(path)


class Payload:
    """An object whose unpickling runs code: it touches a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_a_file_carrying_code_is_refused_without_running_it(tmp_path):
    """Checkpoints are read with torch.load(weights_only=True): a pickled object is never executed."""
    marker, path = tmp_path / "code-ran", tmp_path / "model.pt"
    good = checkpoint.save(VAE(), tmp_path / "good.pt")
    state = torch.load(good, weights_only=True)
    state["history"] = {"note": Payload(marker)}
    torch.save(state, path)
    with pytest.raises(checkpoint.CheckpointError, match="could not read it"):
        checkpoint.load(path)
    assert not marker.exists()


def test_whatever_save_accepts_load_reads_back(tmp_path):
    """A History, or a history holding numpy numbers, is stored as plain Python numbers that a weights-only read accepts."""
    from vaelessons.train import History

    history = History(epoch=[1, 2], train_recon=[np.float32(180.5), np.float64(160.25)], seconds=np.float64(1.5))
    path = checkpoint.save(VAE(), tmp_path / "model.pt", history)
    assert checkpoint.load(path).config == VAE().config
    back = checkpoint.load_history(path)
    assert back == history.as_dict() and History(**back).train_recon == [180.5, 160.25]
    assert type(back["train_recon"][0]) is float and type(back["seconds"]) is float
    path = checkpoint.save(VAE(), path, {"steps": np.int64(3), "terms": (np.float32(0.5), 1), "note": "ok", "kl": None})
    assert checkpoint.load_history(path) == {"steps": 3, "terms": (0.5, 1), "note": "ok", "kl": None}
    assert type(checkpoint.load_history(path)["steps"]) is int


def test_a_history_save_cannot_read_back_is_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match=r"history\['note'\] is a Payload: a checkpoint's history holds numbers"):
        checkpoint.save(VAE(), tmp_path / "model.pt", {"note": Payload(tmp_path / "x")})
    assert list(tmp_path.iterdir()) == []


def rewritten(tmp_path, change):
    """A saved VAE's checkpoint, with its contents changed by change(state) as a corrupt or hostile file would be."""
    path = checkpoint.save(VAE(), tmp_path / "model.pt")
    state = torch.load(path, weights_only=True)
    change(state)
    torch.save(state, path)
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.pop("config"), "has no config"),
        (lambda s: s.update(config=[784, 256, 2]), "has no config"),
        (lambda s: s.pop("state_dict"), "has no weights"),
        (lambda s: s["state_dict"].update({"mu.weight": [0.0]}), "has no weights"),
    ],
)
def test_a_checkpoint_without_its_parts_is_refused(tmp_path, change, message):
    with pytest.raises(checkpoint.CheckpointError, match=f"model.pt is not a vaelessons checkpoint: it {message}"):
        checkpoint.load(rewritten(tmp_path, change))


def test_a_config_asking_for_absurd_sizes_is_refused_before_allocating(tmp_path):
    """x_dim 10^6 and hidden 10^5 would be 400 GB of weights: the config is checked against the saved tensors first."""
    path = rewritten(tmp_path, lambda s: s["config"].update(x_dim=10**6, hidden=10**5, image_shape=[1000, 1000]))
    with pytest.raises(checkpoint.CheckpointError, match=r"its weights do not fit a VAE with .*'x_dim': 1000000") as err:
        checkpoint.load(path)
    assert "encoder.0.weight: saved (256, 784), the config asks for (100000, 1000000)" in str(err.value)


def test_loading_leaves_the_random_stream_alone(tmp_path):
    """Rebuilding the model takes the saved weights as they are: no throw-away random initialisation."""
    path = checkpoint.save(trained_looking(VAE()), tmp_path / "model.pt")
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    checkpoint.load(path)
    assert torch.equal(torch.rand(3), expected)


HALF_SAVE = """
import sys, time, torch
from vaelessons import checkpoint
from vaelessons.models import VAE

def half_written(obj, f):  # this process is killed while writing
    f.write(b"PK half a checkpoint")
    f.flush()
    print("writing", flush=True)
    time.sleep(600)

torch.save = half_written
checkpoint.save(VAE(x_dim=4, hidden=2), sys.argv[1])
"""


def test_a_save_killed_midway_leaves_a_temp_file_the_next_save_removes_but_never_a_live_one(tmp_path):
    """Two kernels may save at once: a temp file whose writer is alive is kept; once its writer is killed it is removed."""
    path = tmp_path / "model.pt"
    writer = subprocess.Popen([sys.executable, "-c", HALF_SAVE, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "writing\n"
        (live,) = tmp_path.glob("*.tmp")
        checkpoint.save(VAE(x_dim=4, hidden=2), path)  # while the other process is still writing
        assert live.exists() and checkpoint.load(path).config == VAE(x_dim=4, hidden=2).config
    finally:
        writer.kill()  # kill -9: no clean-up runs in the writer
        writer.wait()
    assert live.exists()
    checkpoint.save(VAE(x_dim=4, hidden=2), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_an_old_temp_file_is_removed_even_if_its_process_id_is_in_use_again(tmp_path):
    path = tmp_path / "model.pt"
    old = tmp_path / f"model.pt.{os.getpid()}.abc123.tmp"  # a process id the system has since given to this process
    old.write_bytes(b"PK half a checkpoint")
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    checkpoint.save(VAE(x_dim=4, hidden=2), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_other_files_beside_a_checkpoint_are_left_alone(tmp_path):
    mine = [tmp_path / "notes.tmp", tmp_path / "model.pt.backup.tmp", tmp_path / "other.pt.1.abc.tmp"]
    for p in mine:
        p.write_text("the user's")
        os.utime(p, (time.time() - 2 * 86400,) * 2)
    checkpoint.save(VAE(x_dim=4, hidden=2), tmp_path / "model.pt")
    assert all(p.read_text() == "the user's" for p in mine)
