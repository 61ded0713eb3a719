"""Auto-checkers for the exercises of the course: small, friendly, and never in the way.

Every checker returns a :class:`CheckResult`. In Jupyter it shows as a green
"✓ Correct: ..." or a red "✗ Not yet: <hint>"; in a terminal it prints the same text. A wrong
answer is never an exception: the learner's code may be incomplete, raise, return ``None`` or
the wrong shape, and the checker turns each case into a failing result with a hint. Only a
mistake in the *checker's own call* (e.g. a reference answer that is not a number) raises.

The chapter modules (``tscam.exercises.ch01``, ...) wrap these functions into one checker per
exercise, so a notebook cell reads ``ch01.check_count_v(n_v)``.
"""

from __future__ import annotations

import html
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CheckResult",
    "check",
    "check_array_close",
    "check_callable",
    "check_equal",
]

_NOT_DONE = "replace the `...` with your answer and run the cell again"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``passed`` is True for a correct answer; ``message`` says why."""

    name: str
    passed: bool
    message: str = ""

    def __bool__(self) -> bool:
        return self.passed

    @property
    def headline(self) -> str:
        return "✓ Correct" if self.passed else "✗ Not yet"

    def __repr__(self) -> str:
        text = f"{self.headline}: {self.name}"
        return f"{text}: {self.message}" if self.message else text

    __str__ = __repr__

    def _repr_html_(self) -> str:
        colour, background = ("#1a7f37", "#e6f4ea") if self.passed else ("#b3261e", "#fbe9e7")
        message = f": {html.escape(self.message)}" if self.message else ""
        return (
            f'<div class="tscam-check tscam-check-{"pass" if self.passed else "fail"}" '
            f'style="border-left: 4px solid {colour}; background: {background}; '
            f'color: #1f1f1f; padding: 0.4em 0.8em; margin: 0.3em 0;">'
            f'<strong style="color: {colour};">{self.headline}</strong> '
            f"({html.escape(self.name)}){message}</div>"
        )


def _require_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"The exercise name must be a non-empty string, got {name!r}.")
    return name


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return "the function is not implemented yet (it raises NotImplementedError)"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (line {frames[-1].lineno})" if frames else ""
    return f"your code raised {type(exc).__name__}{where}: {exc}"


def _truth(value: Any) -> bool:
    """Truth of a condition that may be a numpy array (all elements must be true)."""
    if isinstance(value, np.ndarray):
        return bool(value.size) and bool(np.all(value))
    return bool(value)


def check(
    name: str,
    condition: bool | Callable[[], Any],
    *,
    success: str = "",
    hint: str = "",
) -> CheckResult:
    """Pass when ``condition`` holds.

    ``condition`` is a value or a callable without arguments. A callable is run here: if it
    raises ``AssertionError`` its message becomes the hint; any other exception from it is
    reported as the learner's error, never raised.
    """
    name = _require_name(name)
    if callable(condition):
        try:
            value = condition()
        except AssertionError as exc:
            return CheckResult(name, False, str(exc) or hint or "a condition does not hold yet")
        except Exception as exc:  # the learner's code may raise anything
            return CheckResult(name, False, _describe_exception(exc))
    else:
        value = condition
    if value is Ellipsis:
        return CheckResult(name, False, _NOT_DONE)
    try:
        ok = _truth(value)
    except Exception as exc:  # e.g. an object whose __bool__ raises
        return CheckResult(name, False, _describe_exception(exc))
    return CheckResult(name, ok, success if ok else (hint or "the condition does not hold yet"))


def _as_array(value: Any) -> np.ndarray:
    """Numpy view of an answer: numbers, lists, numpy arrays, torch tensors (detached)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _reference_array(expected: Any) -> np.ndarray:
    arr = _as_array(expected)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(
            f"The reference answer must be numeric, got an array of dtype {arr.dtype}; "
            "this is a bug in the exercise, not in your answer."
        )
    return arr


def _compare_arrays(got: Any, want: np.ndarray, rtol: float, atol: float) -> str | None:
    """None when ``got`` matches ``want``; otherwise a hint that says what differs."""
    if got is None:
        return "got None: did you forget to `return` (or assign) the result?"
    if got is Ellipsis:
        return _NOT_DONE
    try:
        arr = _as_array(got)
    except Exception as exc:
        return f"could not read your answer as an array ({type(exc).__name__}: {exc})"
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        return f"expected numbers, got {type(got).__name__} with dtype {arr.dtype}"
    if arr.shape != want.shape:
        return f"expected shape {want.shape}, got shape {arr.shape}"
    a, b = arr.astype(np.float64), want.astype(np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if np.any(nan_a & ~nan_b):
        return f"your answer has {int(np.sum(nan_a & ~nan_b))} NaN value(s) where none belong"
    close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    if np.all(close):
        return None
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0])
    where = f" at index {first[0] if len(first) == 1 else first}" if first else ""
    diff = float(np.nanmax(np.abs(a - b)))
    return (
        f"{bad.shape[0]} of {a.size} value(s) differ; first{where}: got {a[first]:.6g}, "
        f"expected {b[first]:.6g} (largest difference {diff:.3g})"
    )


def check_array_close(
    name: str,
    got: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    hint: str = "",
    success: str = "",
) -> CheckResult:
    """Pass when ``got`` has the shape of ``expected`` and the same values within tolerances
    (``numpy.isclose`` semantics). Accepts numbers, lists, numpy arrays and torch tensors."""
    name = _require_name(name)
    want = _reference_array(expected)
    problem = _compare_arrays(got, want, rtol, atol)
    if problem is None:
        return CheckResult(name, True, success)
    return CheckResult(name, False, f"{problem}. {hint}".strip() if hint else problem)


def check_equal(
    name: str, got: Any, expected: Any, *, hint: str = "", success: str = ""
) -> CheckResult:
    """Pass when ``got == expected`` for plain values (ints, strings, tuples, ...).

    Integers compare by value whatever their type (``numpy.int64(3) == 3``)."""
    name = _require_name(name)
    if got is Ellipsis:
        return CheckResult(name, False, _NOT_DONE)
    if got is None and expected is not None:
        return CheckResult(name, False, "got None: did you forget to assign your answer?")
    try:
        ok = got == expected
        ok = _truth(ok) if isinstance(ok, np.ndarray) else bool(ok)
    except Exception as exc:
        return CheckResult(name, False, _describe_exception(exc))
    if ok:
        return CheckResult(name, True, success)
    shown = repr(got)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return CheckResult(name, False, f"got {shown}. {hint}".strip())


Case = Sequence[Any] | Mapping[str, Any]


def _split_case(case: Case) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if isinstance(case, Mapping):
        return (), dict(case)
    if isinstance(case, (tuple, list)):
        return tuple(case), {}
    raise TypeError(
        f"Each case must be a tuple of positional arguments or a dict of keyword arguments, "
        f"got {type(case).__name__}; this is a bug in the exercise."
    )


def _copy_arg(value: Any) -> Any:
    """A fresh copy of an argument, so a learner function that edits its input in place
    cannot change what the reference sees (and vice versa)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if hasattr(value, "detach") and hasattr(value, "clone"):
        return value.detach().clone()
    return value


def check_callable(
    name: str,
    fn: Callable[..., Any],
    cases: Iterable[Case],
    reference: Callable[..., Any],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    hint: str = "",
    success: str = "",
) -> CheckResult:
    """Run the learner's ``fn`` and the ``reference`` on every case and compare the results.

    A case is a tuple of positional arguments or a dict of keyword arguments; each call gets
    its own copies of array arguments. Results are compared as arrays (``check_array_close``
    semantics). The first failing case is reported with its number.
    """
    name = _require_name(name)
    if not callable(reference):
        raise TypeError(f"reference must be callable, got {type(reference).__name__}.")
    cases = list(cases)
    if not cases:
        raise ValueError("check_callable needs at least one case; this is a bug in the exercise.")
    if fn is Ellipsis or fn is None:
        return CheckResult(name, False, "define the function first, then run this cell again")
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    for i, case in enumerate(cases, start=1):
        args, kwargs = _split_case(case)
        want = _reference_array(
            reference(*map(_copy_arg, args), **{k: _copy_arg(v) for k, v in kwargs.items()})
        )
        try:
            got = fn(*map(_copy_arg, args), **{k: _copy_arg(v) for k, v in kwargs.items()})
        except Exception as exc:  # the learner's code may raise anything
            return CheckResult(name, False, f"case {i} of {len(cases)}: {_describe_exception(exc)}")
        problem = _compare_arrays(got, want, rtol, atol)
        if problem is not None:
            message = f"case {i} of {len(cases)}: {problem}"
            return CheckResult(name, False, f"{message}. {hint}".strip() if hint else message)
    return CheckResult(name, True, success or f"all {len(cases)} cases match")
