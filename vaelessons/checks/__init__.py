"""Self-checks for the exercises: a verdict that says "correct", or gives a hint, never a traceback.

Each lesson's checks live in a module of their own (e.g. `vaelessons.checks.kl`), written in one way:
a public check is decorated with `@check` and returns `correct(...)` or `not_yet(...)`; inside it,
`attempt` runs the student's code and `as_float_tensor`, `as_number` read its answer, and any of them
stops the check early by raising `NotYet(hint)`. The decorator turns that into a "Not yet." verdict, and
leaves the notebook's random streams as it found them.

When $VAELESSONS_VERDICTS names a file (a grading run sets it), every verdict is also appended to it as a line of
JSON: {"check": "vaelessons.checks.kl.check_kl_normal", "ok": false, "message": "..."}.
"""

import contextlib
import functools
import inspect
import json
import os
import random
import traceback
import types

import numpy as np
import torch


class Verdict:
    """The outcome of a check: `ok` and a message; shows as one line of text in a notebook."""

    def __init__(self, ok: bool, message: str):
        self.ok, self.message = ok, message

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return ("Correct! " if self.ok else "Not yet. ") + self.message


def correct(message: str) -> Verdict:
    """A passing verdict."""
    return Verdict(True, message)


def not_yet(hint: str) -> Verdict:
    """A failing verdict carrying a hint for the student."""
    return Verdict(False, hint)


class NotYet(Exception):
    """Raised inside a check to end it with this hint as its verdict."""


CHECK_FAILED = "This check could not judge your answer"  # the start of the verdict when a check itself breaks
VERDICTS_ENV = "VAELESSONS_VERDICTS"


def check(body):
    """Make body a public check: it returns a Verdict, never raises, and leaves every random stream as it was."""

    signature = inspect.signature(body).replace(return_annotation=inspect.Signature.empty)

    @functools.wraps(body)
    def run(*args, **kwargs):
        verdict = judge(*args, **kwargs)
        record(f"{body.__module__}.{body.__name__}", verdict)
        return verdict

    def judge(*args, **kwargs):
        try:
            signature.bind(*args, **kwargs)
        except TypeError as err:
            return not_yet(f"Call it as {body.__name__}{signature}: {err}.")
        try:
            with random_streams_kept(*args, *kwargs.values()):
                return body(*args, **kwargs)
        except NotYet as hint:
            return not_yet(str(hint))
        except Exception as err:  # noqa: BLE001 - a bug in the check must not show the student a traceback
            return not_yet(f"{CHECK_FAILED} ({type(err).__name__}: {err}). Please report this as a vaelessons bug.")

    return run


def record(name: str, verdict: Verdict):
    """Append the verdict to the file $VAELESSONS_VERDICTS names, if it names one (a grading run reads it)."""
    path = os.environ.get(VERDICTS_ENV)
    if path:
        line = json.dumps({"check": name, "ok": verdict.ok, "message": verdict.message})
        with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as file:  # a check never raises
            file.write(line + "\n")


def _generators(answers) -> list:
    """The random generator objects that the answers (the student's functions) reach through their globals or closures."""
    found = {}
    for answer in answers:
        answer = getattr(answer, "__func__", answer)  # a bound method's function
        if not isinstance(answer, types.FunctionType):
            continue
        values = list(answer.__globals__.values())
        for cell in answer.__closure__ or ():
            with contextlib.suppress(ValueError):  # an empty cell: a variable not yet assigned
                values.append(cell.cell_contents)
        for value in values:
            if isinstance(value, np.random.Generator | np.random.RandomState | random.Random | torch.Generator):
                found[id(value)] = value
    return list(found.values())


def _state(generator):
    """(restore, state) for one generator object of numpy, Python or torch."""
    if isinstance(generator, np.random.Generator):
        return (lambda s: setattr(generator.bit_generator, "state", s)), generator.bit_generator.state
    if isinstance(generator, np.random.RandomState):
        return generator.set_state, generator.get_state()
    if isinstance(generator, random.Random):
        return generator.setstate, generator.getstate()
    return generator.set_state, generator.get_state()


@contextlib.contextmanager
def random_streams_kept(*answers):
    """On exit, put back torch's (CPU, and CUDA once in use), numpy's and Python's global random streams, and the
    states of the generator objects the answers can reach (a notebook's `rng = np.random.default_rng(0)`, say)."""
    saved = [(random.setstate, random.getstate()), (np.random.set_state, np.random.get_state())]
    saved += [_state(g) for g in _generators(answers)]
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=cuda):
        try:
            yield
        finally:
            for restore, state in saved:
                restore(state)


def unanswered(answer) -> bool:
    """True for the placeholders an exercise starts with: None or ... (Ellipsis)."""
    return answer is None or answer is Ellipsis


def attempt(fn, *args, **kwargs):
    """Call the student's fn and return its result; raise NotYet naming the error and the line that raised it."""
    if unanswered(fn):
        raise NotYet("Write your answer in the cell above, run it, then run this check again.")
    if not callable(fn):
        raise NotYet(f"Expected a function, got a {type(fn).__name__}.")
    try:
        result = fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - any error in student code becomes a hint
        frames = traceback.extract_tb(err.__traceback__)
        source = getattr(getattr(fn, "__code__", None), "co_filename", None)  # the student's cell or file
        frame = next((f for f in reversed(frames) if f.filename == source), frames[-1])
        raise NotYet(f"Your function raised {type(err).__name__}: {err} (line {frame.lineno}: {frame.line}).") from None
    if unanswered(result):
        raise NotYet("Your function returns nothing yet: replace the `...` with your code.")
    return result


def as_float_tensor(result, expected: str) -> torch.Tensor:
    """The student's tensor as a detached float32 CPU tensor; raise NotYet if it is no tensor of real numbers.

    expected names what to return, e.g. "a torch tensor of shape (6,), one KL per sample": the hint starts with it.
    float64 answers are judged on their values; integer, bool and complex tensors are answers of the wrong kind.
    """
    if not isinstance(result, torch.Tensor):
        raise NotYet(f"Return {expected}; got a {type(result).__name__}.")
    if result.dtype not in (torch.float32, torch.float64):
        raise NotYet(
            f"Return {expected}, of float32 numbers; yours holds {str(result.dtype).removeprefix('torch.')}. "
            "Compute it from the float inputs with torch operations, without rounding or converting it."
        )
    return result.detach().to("cpu", torch.float32)


def as_number(value, what: str) -> float:
    """value as a Python float if it is one real number (int, float, numpy scalar, 1-element array or tensor); else NotYet."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.detach().reshape(()).item()
    elif isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise NotYet(f"{what} should be a plain number, e.g. 0.3 or math.inf; got a {type(value).__name__}.")
    return float(value)
