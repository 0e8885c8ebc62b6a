"""The exercise-check helpers: a verdict is one line, an unanswered exercise or a broken answer gets a hint, never a traceback."""

import pytest
import torch
from torch.distributions import Normal

from vaelessons.checks import Verdict, attempt, correct, not_yet, unanswered


def test_a_verdict_reads_as_one_line_and_is_true_only_when_correct():
    ok, hint = correct("The KL matches."), not_yet("Sum over dim=1.")
    assert repr(ok) == "Correct! The KL matches." and bool(ok) and ok.ok
    assert repr(hint) == "Not yet. Sum over dim=1." and not hint and hint.message == "Sum over dim=1."
    assert isinstance(ok, Verdict)


@pytest.mark.parametrize("answer, expected", [(None, True), (..., True), (0, False), (0.0, False), ("", False), ([], False)])
def test_only_the_placeholders_count_as_unanswered(answer, expected):
    assert unanswered(answer) is expected  # 0 or an empty list can be a real answer


@pytest.mark.parametrize("placeholder", [None, ...])
def test_an_untouched_exercise_asks_for_an_answer(placeholder):
    result, verdict = attempt(placeholder, 1)
    assert result is None and repr(verdict).startswith("Not yet. Write your answer in the cell above")


def test_something_that_is_not_a_function_is_named():
    result, verdict = attempt(3.5, 1)
    assert result is None and repr(verdict) == "Not yet. Expected a function, got a float."


def test_a_working_answer_passes_its_result_through():
    assert attempt(lambda a, b=0: a + b, 2, b=3) == (5, None)


@pytest.mark.parametrize("body", [lambda x: ..., lambda x: None])
def test_a_function_still_returning_nothing_gets_a_hint(body):
    result, verdict = attempt(body, 1)
    assert result is None and "returns nothing yet" in repr(verdict)


def test_an_error_in_the_answer_becomes_a_hint_naming_it_and_its_line():
    def student(x):
        y = x * 2
        return y / undefined_name  # noqa: F821 - the student's mistake

    result, verdict = attempt(student, 1)
    assert result is None and not verdict
    message = repr(verdict)
    assert message.startswith("Not yet. Your function raised NameError: name 'undefined_name' is not defined")
    assert "return y / undefined_name" in message and f"line {student.__code__.co_firstlineno + 2}" in message


def test_an_error_raised_inside_a_library_points_at_the_students_line():
    def student(mu):
        return Normal(mu, -torch.ones(1))  # a negative standard deviation: torch raises deep inside distributions

    _, verdict = attempt(student, torch.zeros(1))
    message = repr(verdict)
    assert "Your function raised ValueError" in message
    assert "return Normal(mu, -torch.ones(1))" in message and f"line {student.__code__.co_firstlineno + 1}" in message


def test_ctrl_c_is_not_swallowed():
    def student(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        attempt(student, 1)
