"""Self-checks for the exercises: a verdict that says "correct", or gives a hint, never a traceback.

Each lesson's checks live in a module of their own (e.g. `vaelessons.checks.kl`); they build on
`correct`, `not_yet` and `attempt` below.
"""

import traceback


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


def unanswered(answer) -> bool:
    """True for the placeholders an exercise starts with: None or ... (Ellipsis)."""
    return answer is None or answer is Ellipsis


def attempt(fn, *args, **kwargs):
    """Call the student's fn; return (result, None), or (None, Verdict) naming the error and where it was raised."""
    if unanswered(fn):
        return None, not_yet("Write your answer in the cell above, run it, then run this check again.")
    if not callable(fn):
        return None, not_yet(f"Expected a function, got a {type(fn).__name__}.")
    try:
        result = fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - any error in student code becomes a hint
        frames = traceback.extract_tb(err.__traceback__)
        source = getattr(getattr(fn, "__code__", None), "co_filename", None)  # the student's cell or file
        frame = next((f for f in reversed(frames) if f.filename == source), frames[-1])
        return None, not_yet(f"Your function raised {type(err).__name__}: {err} (line {frame.lineno}: {frame.line}).")
    if unanswered(result):
        return None, not_yet("Your function returns nothing yet: replace the `...` with your code.")
    return result, None
