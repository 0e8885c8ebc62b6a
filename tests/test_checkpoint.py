"""Saving and loading a model: a round trip, atomic writes, and clear errors for files that are not what was expected."""

import pathlib

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
