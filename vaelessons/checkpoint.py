"""Save and load a model with the config that rebuilds it: atomic writes, weights-only reads."""

import os
import tempfile
from pathlib import Path

import torch

from .models import MODELS

FORMAT = "vaelessons-model/1"


class CheckpointError(ValueError):
    """A file that is not a usable vaelessons checkpoint."""


def save(model, path, history: dict = None) -> Path:
    """Write model (and optional history) to path atomically: a temp file, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": FORMAT,
        "class": type(model).__name__,
        "config": model.config,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "history": history or {},
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read(path) -> dict:
    """The checkpoint's contents (format, class, config, state_dict, history), checked."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise CheckpointError(
            f"{path} is not a vaelessons checkpoint: torch.load could not read it ({type(err).__name__}). "
            "It may be truncated or another kind of file: delete it and save or train again."
        ) from err
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("class") not in MODELS:
        raise CheckpointError(
            f"{path} is not a vaelessons checkpoint: expected a dict with format {FORMAT!r} and a model class in {sorted(MODELS)}"
        )
    return state


def load(path, expect=None):
    """Rebuild the saved model (in eval mode); with expect=model, check it has the same class and config."""
    state = read(path)
    if expect is not None and (state["class"], state["config"]) != (type(expect).__name__, expect.config):
        raise CheckpointError(
            f"{path} holds a {state['class']} with {state['config']}, "
            f"but a {type(expect).__name__} with {expect.config} was expected"
        )
    try:
        model = MODELS[state["class"]](**state["config"])
    except (TypeError, ValueError) as err:  # a config this version of vaelessons cannot build
        raise CheckpointError(f"{path}: its config {state['config']} does not build a {state['class']}: {err}") from err
    try:
        model.load_state_dict(state["state_dict"])
    except RuntimeError as err:
        raise CheckpointError(f"{path}: its weights do not fit a {state['class']} with {state['config']}: {err}") from err
    return model.eval()


def load_history(path) -> dict:
    """The training history saved with a checkpoint (empty dict if none)."""
    return read(path)["history"]
