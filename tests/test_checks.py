"""The way every check is written: a verdict is one line; the student's code runs through `attempt`, its answer is
read by `as_float_tensor` or `as_number`, and any of them ends the check with a hint (NotYet); the `check`
decorator turns that into a verdict, never lets an error through, and keeps the notebook's random streams."""

import random
import warnings

import numpy as np
import pytest
import torch
from torch.distributions import Normal

from vaelessons.checks import (
    CHECK_FAILED,
    NotYet,
    Verdict,
    as_float_tensor,
    as_number,
    attempt,
    check,
    correct,
    not_yet,
    random_streams_kept,
    unanswered,
)


def test_a_verdict_reads_as_one_line_and_is_true_only_when_correct():
    ok, hint = correct("The KL matches."), not_yet("Sum over dim=1.")
    assert repr(ok) == "Correct! The KL matches." and bool(ok) and ok.ok
    assert repr(hint) == "Not yet. Sum over dim=1." and not hint and hint.message == "Sum over dim=1."
    assert isinstance(ok, Verdict)


@pytest.mark.parametrize("answer, expected", [(None, True), (..., True), (0, False), (0.0, False), ("", False), ([], False)])
def test_only_the_placeholders_count_as_unanswered(answer, expected):
    assert unanswered(answer) is expected  # 0 or an empty list can be a real answer


def hint_of(fn, *args, **kwargs) -> str:
    with pytest.raises(NotYet) as stopped:
        fn(*args, **kwargs)
    return str(stopped.value)


@pytest.mark.parametrize("placeholder", [None, ...])
def test_an_untouched_exercise_asks_for_an_answer(placeholder):
    assert hint_of(attempt, placeholder, 1).startswith("Write your answer in the cell above")


def test_something_that_is_not_a_function_is_named():
    assert hint_of(attempt, 3.5, 1) == "Expected a function, got a float."


def test_a_working_answer_passes_its_result_through():
    assert attempt(lambda a, b=0: a + b, 2, b=3) == 5


@pytest.mark.parametrize("body", [lambda x: ..., lambda x: None])
def test_a_function_still_returning_nothing_gets_a_hint(body):
    assert "returns nothing yet" in hint_of(attempt, body, 1)


def test_an_error_in_the_answer_becomes_a_hint_naming_it_and_its_line():
    def student(x):
        y = x * 2
        return y / undefined_name  # noqa: F821 - the student's mistake

    message = hint_of(attempt, student, 1)
    assert message.startswith("Your function raised NameError: name 'undefined_name' is not defined")
    assert "return y / undefined_name" in message and f"line {student.__code__.co_firstlineno + 2}" in message


def test_an_error_raised_inside_a_library_points_at_the_students_line():
    def student(mu):
        return Normal(mu, -torch.ones(1))  # a negative standard deviation: torch raises deep inside distributions

    message = hint_of(attempt, student, torch.zeros(1))
    assert "Your function raised ValueError" in message
    assert "return Normal(mu, -torch.ones(1))" in message and f"line {student.__code__.co_firstlineno + 1}" in message


def test_ctrl_c_is_not_swallowed():
    def student(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        attempt(student, 1)
    with pytest.raises(KeyboardInterrupt):
        check(lambda answer: attempt(answer, 1))(student)


def test_a_float_tensor_is_read_detached_as_float32():
    t = torch.ones(3, dtype=torch.float64, requires_grad=True)
    read = as_float_tensor(t * 2, "a tensor")
    assert read.dtype == torch.float32 and not read.requires_grad and read.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "value, hint",
    [
        ([1.0], "Return a tensor of shape (1,); got a list."),
        (np.ones(1), "Return a tensor of shape (1,); got a ndarray."),
        (torch.ones(1, dtype=torch.long), "Return a tensor of shape (1,), of float32 numbers; yours holds int64."),
        (torch.ones(1, dtype=torch.bool), "yours holds bool"),
        (torch.ones(1, dtype=torch.complex64), "yours holds complex64"),
        (torch.ones(1, dtype=torch.float16), "yours holds float16"),
    ],
)
def test_a_tensor_of_the_wrong_kind_is_named(value, hint):
    assert hint in hint_of(as_float_tensor, value, "a tensor of shape (1,)")


@pytest.mark.parametrize(
    "value",
    [0.25, np.float32(0.25), np.array([0.25]), torch.tensor(0.25, requires_grad=True), torch.tensor([[0.25]]).double()],
    ids=str,
)
def test_one_number_is_read_in_any_form_without_a_warning(value):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert as_number(value, "w") == 0.25 and as_number(4, "w") == 4.0


@pytest.mark.parametrize("value", ["0.25", [0.25], True, torch.ones(2), np.ones(2), torch.ones(1, dtype=torch.complex64), None])
def test_anything_but_one_number_is_named(value):
    assert hint_of(as_number, value, "w_mu").startswith("w_mu should be a plain number")


def test_a_check_turns_a_hint_raised_anywhere_into_a_verdict():
    @check
    def check_positive(answer):
        """Check answer() > 0."""
        if attempt(answer) <= 0:
            raise NotYet("Make it positive.")
        return correct("Positive.")

    assert repr(check_positive(lambda: 1)) == "Correct! Positive."
    assert repr(check_positive(lambda: -1)) == "Not yet. Make it positive."
    assert repr(check_positive(None)).startswith("Not yet. Write your answer")
    assert check_positive.__name__ == "check_positive" and check_positive.__doc__ == "Check answer() > 0."


def test_a_bug_in_a_check_still_gives_one_line_and_no_traceback():
    @check
    def broken(answer):
        return {}["missing"]

    verdict = broken(1)
    assert isinstance(verdict, Verdict) and not verdict
    assert repr(verdict).startswith(f"Not yet. {CHECK_FAILED} (KeyError: 'missing')") and "vaelessons bug" in verdict.message


def test_a_check_called_with_the_wrong_arguments_says_how_to_call_it():
    @check
    def check_pair(first, second) -> Verdict:
        return correct("Both.")

    assert repr(check_pair(1, 2)) == "Correct! Both."
    assert repr(check_pair(1)) == "Not yet. Call it as check_pair(first, second): missing a required argument: 'second'."
    assert "too many positional arguments" in check_pair(1, 2, 3).message


def draws():
    return torch.rand(2).tolist(), np.random.rand(2).tolist(), random.random()


def test_the_global_random_streams_are_kept_whatever_runs_inside():
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    expected = draws()
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    with random_streams_kept():
        torch.manual_seed(5), np.random.seed(5), random.seed(5)
        draws()
    assert draws() == expected


notebook_rng = np.random.default_rng(0)  # a notebook's own generators, as lesson 01 makes one
notebook_torch = torch.Generator().manual_seed(0)
notebook_random = random.Random(0)


def draws_from_the_notebooks_generators(n):
    return notebook_rng.uniform(size=n), torch.rand(n, generator=notebook_torch), notebook_random.random()


def test_the_generators_a_students_function_reaches_are_kept():
    local = np.random.RandomState(0)

    def student(n):  # reaches three generators through its globals and one through its closure
        local.rand(n)
        return draws_from_the_notebooks_generators(n)

    before = [notebook_rng.bit_generator.state, notebook_torch.get_state(), notebook_random.getstate(), local.get_state()]
    with random_streams_kept(student):
        student(5)
    after = [notebook_rng.bit_generator.state, notebook_torch.get_state(), notebook_random.getstate(), local.get_state()]
    assert before[0] == after[0] and torch.equal(before[1], after[1]) and before[2] == after[2]
    assert all(np.array_equal(a, b) for a, b in zip(before[3], after[3], strict=True))
