"""Save and load a model with the config that rebuilds it: atomic writes, weights-only reads."""

import dataclasses
import numbers
import os
import re
import tempfile
import time
from pathlib import Path

import torch

from .models import MODELS

FORMAT = "vaelessons-model/1"
STALE_AFTER = 24 * 3600  # seconds: a temp file this old is left over whatever its process id (ids are reused)


class CheckpointError(ValueError):
    """A file that is not a usable vaelessons checkpoint."""


def save(model, path, history=None) -> Path:
    """Write model (and optional history: a dict or a History) to path atomically: a temp file, then a rename."""
    path = Path(path)
    state = {
        "format": FORMAT,
        "class": type(model).__name__,
        "config": model.config,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "history": _plain(dataclasses.asdict(history) if dataclasses.is_dataclass(history) else history or {}, "history"),
    }
    return atomic_write(path, lambda f: torch.save(state, f))


def atomic_write(path, write) -> Path:
    """Write path atomically: write(f) fills a temp file beside it, then a rename; readers see the old file or the new."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent, path.name)
    # the writer's process id in the name tells a later save whether the writer still lives (see remove_stale_temps)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _plain(value, where: str):
    """value with numpy and 0-d tensor numbers made Python numbers: what a weights-only read accepts back."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (numbers.Number, torch.Tensor)) and getattr(value, "ndim", 0) == 0 and hasattr(value, "item"):
        item = value.item()  # np.float64, np.int64, np.bool_, tensor(1.5): a Python bool, int or float
        if type(item) in (bool, int, float):
            return item
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    raise TypeError(
        f"{where} is a {type(value).__name__}: a checkpoint's history holds numbers, strings, None, "
        "and lists or str-keyed dicts of them"
    )


def remove_stale_temps(folder, name: str = None):
    """Delete the temp files that saves of `name` (of any checkpoint if None) in folder left when killed mid-write.

    One is stale when the process that wrote it is gone, or when it is older than STALE_AFTER; a temp file of a live
    process (another kernel saving now) is left alone.
    """
    pattern = re.compile(rf"{re.escape(name) if name else '.+'}\.(\d+)\.\w+\.tmp")
    try:
        candidates = [(p, int(m[1])) for p in Path(folder).iterdir() if (m := pattern.fullmatch(p.name))]
    except OSError:  # no such folder, or not a folder: nothing to clean
        return
    for p, pid in candidates:
        try:
            if not _alive(pid) or time.time() - p.stat().st_mtime > STALE_AFTER:
                p.unlink()
        except OSError:  # removed by another process meanwhile, or not ours to remove
            pass


def _alive(pid: int) -> bool:
    """True if a process with this id runs on this machine (on Windows, always: the age rule alone applies there)."""
    if os.name == "nt":  # os.kill(pid, 0) would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


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
    config, weights = state.get("config"), state.get("state_dict")
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise CheckpointError(f"{path} is not a vaelessons checkpoint: it has no config (a dict of constructor arguments)")
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise CheckpointError(f"{path} is not a vaelessons checkpoint: it has no weights (a state_dict of tensors)")
    if not isinstance(state.get("history", {}), dict):
        raise CheckpointError(f"{path} is not a vaelessons checkpoint: its history is not a dict")
    return state


def load(path, expect=None):
    """Rebuild the saved model (in eval mode); with expect=model, check it has the same class and config."""
    state = read(path)
    cls, config, weights = state["class"], state["config"], state["state_dict"]
    if expect is not None and (cls, config) != (type(expect).__name__, expect.config):
        raise CheckpointError(
            f"{path} holds a {cls} with {config}, but a {type(expect).__name__} with {expect.config} was expected"
        )
    try:
        with torch.device("meta"):  # shapes only: a config asking for 400 GB allocates nothing
            model = MODELS[cls](**config)
    except (TypeError, ValueError) as err:  # a config this version of vaelessons cannot build
        raise CheckpointError(f"{path}: its config {config} does not build a {cls}: {err}") from err
    wanted = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    saved = {k: tuple(v.shape) for k, v in weights.items()}
    if wanted != saved:
        differences = [
            f"{k}: saved {saved.get(k, 'nothing')}, the config asks for {wanted.get(k, 'nothing')}"
            for k in sorted(wanted.keys() | saved.keys())
            if wanted.get(k) != saved.get(k)
        ]
        raise CheckpointError(f"{path}: its weights do not fit a {cls} with {config}: {'; '.join(differences)}")
    model.load_state_dict(weights, assign=True)  # the model takes the saved tensors: no second copy, no random init
    return model.eval()


def load_history(path) -> dict:
    """The training history saved with a checkpoint (empty dict if none)."""
    return read(path).get("history", {})
