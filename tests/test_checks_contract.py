"""What every public check promises, whatever the student writes: it returns a Verdict and never raises (nor warns),
an answer of the wrong kind gets a "Not yet." hint, a right answer computed in float64 or with gradients still
passes, and the notebook's random streams are as they were before the check ran."""

import importlib
import inspect
import math
import pkgutil
import random
import warnings

import numpy as np
import pytest
import torch
from exercise_answers import CHECKS

import vaelessons.checks
from vaelessons.checks import CHECK_FAILED, Verdict
from vaelessons.data import Images


def test_every_public_check_is_exercised_here():
    modules = [m.name for m in pkgutil.iter_modules(vaelessons.checks.__path__)]
    public = {
        f"{module}.{name}"
        for module in modules
        for name, _ in inspect.getmembers(importlib.import_module(f"vaelessons.checks.{module}"), inspect.isfunction)
        if name.startswith("check_")
    }
    assert public == set(CHECKS)


VALUE_ANSWERS = {"start.check_test_split", "posterior.check_kl_weights"}  # the others take a function


def judge(name, answer) -> Verdict:
    """Run the check on answer with every warning an error: a check must not print one into the notebook."""
    run, _ = CHECKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        verdict = run(answer)
    assert isinstance(verdict, Verdict), f"{name} returned {verdict!r}"
    assert CHECK_FAILED not in verdict.message, verdict.message  # the check's own safety net caught an error
    return verdict


def untouched(name):
    """The exercise as the lesson leaves it: ... in place of the answer, or a function whose body is ... or returns it."""
    if name == "posterior.check_kl_weights":
        return [(..., ...)]
    if name in VALUE_ANSWERS:
        return [...]

    def no_return(*args):
        ...  # the exercise's body, no return yet

    return [..., no_return, lambda *args: ...]


@pytest.mark.parametrize("name", CHECKS)
def test_an_untouched_exercise_asks_for_an_answer_in_the_lessons_words(name):
    expected = {
        "posterior.check_kl_weights": "Not yet. Replace both `...` with numbers, run the cell, then run this check again.",
        "Ellipsis": "Not yet. Write your answer in the cell above, run it, then run this check again.",
        "function": "Not yet. Your function returns nothing yet: replace the `...` with your code.",
    }
    for answer in untouched(name):
        kind = name if name == "posterior.check_kl_weights" else "Ellipsis" if answer is ... else "function"
        assert repr(judge(name, answer)) == expected[kind]


WRONG_KINDS = {
    "None": None,
    "Ellipsis": ...,
    "a string": "0.5",
    "a list": [1, 2],
    "an int": 3,
    "a float64 tensor": torch.randn(5, dtype=torch.float64),
    "a tensor requiring grad": torch.randn(5, requires_grad=True),
    "a wrong-shape tensor": torch.randn(3, 7),
    "NaNs": torch.full((5,), math.nan),
    "a pair of strings": ("a", "b"),
}


def wrong_answers():
    """(check, label, answer): each wrong kind given as the answer, and (for function answers) returned by one."""
    for name in CHECKS:
        for kind, value in WRONG_KINDS.items():
            if name == "posterior.check_kl_weights":
                yield name, f"w_mu is {kind}", (value, 0.25)
                yield name, f"w_sigma is {kind}", (0.5, value)
                continue
            yield name, kind, value
            if name not in VALUE_ANSWERS and kind not in ("None", "Ellipsis"):
                yield name, f"a function returning {kind}", lambda *args, value=value, **kwargs: value


@pytest.mark.parametrize("name, label, answer", list(wrong_answers()), ids=lambda v: v if isinstance(v, str) else "")
def test_an_answer_of_the_wrong_kind_gets_a_hint(name, label, answer):
    verdict = judge(name, answer)
    assert not verdict and verdict.message


def changed(out, how: str):
    """The right answer's output out, changed: to float64 or requiring grad (still right), or broken."""
    if isinstance(out, tuple):
        return tuple(changed(o, how) for o in out)
    if isinstance(out, Images):
        x = changed(out.x, how)
        return str(out) if how == "a string" else Images(x, out.y[: len(x)], out.shape, out.name)
    if how == "a string":
        return str(out)
    if isinstance(out, np.ndarray | float | int):
        if how == "integers":
            return np.asarray(out).astype(np.int64) if isinstance(out, np.ndarray) else (int(out) if math.isfinite(out) else out)
        if how == "one value too few":
            return out.reshape(-1)[:-1] if isinstance(out, np.ndarray) else [out]
        out = torch.tensor(out, dtype=torch.float64)  # a torch answer where numpy or a Python number was expected
    return {
        "float64": lambda t: t.double(),
        "requiring grad": lambda t: t if t.requires_grad else t.detach().clone().requires_grad_(),
        "NaN": lambda t: torch.full_like(t, math.nan),
        "integers": lambda t: t.long(),
        "one value too few": lambda t: t.flatten()[:-1],
    }[how](out)


STILL_RIGHT, BROKEN = ("float64", "requiring grad"), ("NaN", "integers", "one value too few", "a string")


def changed_answer(name, how):
    _, right = CHECKS[name]
    if name in VALUE_ANSWERS:
        return changed(right, how)
    return lambda *args, **kwargs: changed(right(*args, **kwargs), how)


@pytest.mark.parametrize("how", STILL_RIGHT)
@pytest.mark.parametrize("name", CHECKS)
def test_a_right_answer_in_float64_or_with_gradients_passes(name, how):
    verdict = judge(name, changed_answer(name, how))
    assert verdict, verdict.message


@pytest.mark.parametrize("how", BROKEN)
@pytest.mark.parametrize("name", CHECKS)
def test_a_broken_copy_of_the_right_answer_gets_a_hint(name, how):
    verdict = judge(name, changed_answer(name, how))
    assert not verdict and verdict.message


@pytest.mark.parametrize("name", CHECKS)
def test_the_right_answer_passes(name):
    assert judge(name, CHECKS[name][1])


def reseeding(answer):
    """The answer, made to reseed and draw from every global random stream before it answers."""

    def run(*args, **kwargs):
        torch.manual_seed(123), np.random.seed(123), random.seed(123)
        torch.rand(2), np.random.rand(2), random.random()
        return answer(*args, **kwargs)

    return run


def next_draws():
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def seed_everything(seed):
    torch.manual_seed(seed), np.random.seed(seed), random.seed(seed)


def answers_for_the_streams():
    """(check, label, answer): the right answer, one of the wrong kind, and (for function answers) one that reseeds."""
    for name, (_, right) in CHECKS.items():
        yield name, "right", right
        if name in VALUE_ANSWERS:
            yield name, "wrong kind", ("0.5", 0.25) if name == "posterior.check_kl_weights" else "0.5"
        else:
            yield name, "wrong kind", lambda *args, **kwargs: "0.5"
            yield name, "reseeding", reseeding(right)


@pytest.mark.parametrize("name, label, given", list(answers_for_the_streams()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_check_leaves_the_notebooks_random_streams_as_they_were(name, label, given):
    seed_everything(7)
    expected = next_draws()
    seed_everything(7)
    judge(name, given)
    assert next_draws() == expected
