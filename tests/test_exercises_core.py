"""The exercise checkers: right answers pass, wrong ones fail with a useful hint, never raise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.exercises import CheckResult, check, check_array_close, check_callable, check_equal


def test_result_renders_as_text_and_html():
    ok = CheckResult("ex 1", True, "well done")
    bad = CheckResult("ex 1", False, "look at <the> sign")
    assert bool(ok) and not bool(bad)
    assert repr(ok) == "✓ Correct: ex 1: well done"
    assert repr(bad) == "✗ Not yet: ex 1: look at <the> sign"
    assert "✓ Correct" in ok._repr_html_() and "tscam-check-pass" in ok._repr_html_()
    html = bad._repr_html_()
    assert "✗ Not yet" in html and "tscam-check-fail" in html
    assert "&lt;the&gt;" in html and "<the>" not in html  # the message is escaped


def test_check_with_values_and_callables():
    assert check("a", True)
    assert not check("a", False, hint="try again").passed
    assert check("a", False, hint="try again").message == "try again"
    assert check("arr", np.array([True, True]))
    assert not check("arr", np.array([True, False]))
    assert not check("empty", np.array([]))  # an empty array proves nothing
    assert not check("todo", ...).passed

    def failing_assert():
        raise AssertionError("arithmetic is off")  # what a failing `assert ..., msg` raises

    res = check("assert", failing_assert)
    assert not res.passed and res.message == "arithmetic is off"

    def raises():
        raise KeyError("missing")

    res = check("raises", raises)
    assert not res.passed and "KeyError" in res.message
    assert check("lambda", lambda: 2 > 1)


def test_check_array_close_reports_what_differs():
    want = np.arange(6, dtype=float).reshape(2, 3)
    assert check_array_close("same", want.copy(), want)
    assert check_array_close("tensor", torch.tensor(want, requires_grad=True) * 1, want)
    assert check_array_close("within tol", want + 1e-9, want)

    shape = check_array_close("shape", want.ravel(), want)
    assert not shape.passed and "(2, 3)" in shape.message and "(6,)" in shape.message

    off = want.copy()
    off[1, 2] = 7.5
    res = check_array_close("value", off, want, hint="check the last column")
    assert not res.passed
    assert "1 of 6" in res.message and "(1, 2)" in res.message and "7.5" in res.message
    assert res.message.endswith("check the last column")

    assert "return" in check_array_close("none", None, want).message
    assert not check_array_close("todo", ..., want).passed
    assert "NaN" in check_array_close("nan", np.full((2, 3), np.nan), want).message
    assert not check_array_close("text", "abc", want).passed


def test_check_array_close_raises_on_a_broken_reference():
    with pytest.raises(TypeError, match="reference answer must be numeric"):
        check_array_close("bad reference", [1.0], ["a"])
    with pytest.raises(TypeError, match="name"):
        check_array_close("", [1.0], [1.0])


def test_check_equal():
    assert check_equal("count", np.int64(42), 42)
    assert check_equal("label", "V", "V")
    res = check_equal("count", 41, 42, hint="count V beats only")
    assert not res.passed and res.message == "got 41. count V beats only"
    assert "assign" in check_equal("count", None, 42).message
    assert not check_equal("count", ..., 42).passed


def _reference_peak(x):
    return np.argmax(np.abs(x), axis=-1)


def test_check_callable_runs_every_case_against_the_reference():
    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=(3, 20)),), {"x": rng.normal(size=(2, 20))}]

    assert check_callable("peaks", _reference_peak, cases, _reference_peak)
    res = check_callable("peaks", lambda x: np.argmax(x, axis=-1), cases, _reference_peak)
    assert not res.passed and res.message.startswith("case ")

    def not_done(x):
        raise NotImplementedError

    assert "not implemented" in check_callable("p", not_done, cases, _reference_peak).message

    def crashes(x):
        return x[100, 100]

    res = check_callable("p", crashes, cases, _reference_peak)
    assert not res.passed and "IndexError" in res.message and "case 1 of 2" in res.message
    assert not check_callable("p", ..., cases, _reference_peak).passed
    assert not check_callable("p", 3, cases, _reference_peak).passed


def test_check_callable_protects_the_reference_from_in_place_edits():
    x = np.array([[1.0, -5.0, 2.0]])

    def sneaky(a):
        out = _reference_peak(a)
        a[:] = 0.0  # edits its input in place
        return out

    assert check_callable("peaks", sneaky, [(x,)], _reference_peak)
    assert x.tolist() == [[1.0, -5.0, 2.0]]


def test_check_callable_raises_on_a_broken_exercise():
    with pytest.raises(ValueError, match="at least one case"):
        check_callable("p", _reference_peak, [], _reference_peak)
    with pytest.raises(TypeError, match="reference must be callable"):
        check_callable("p", _reference_peak, [(np.zeros(3),)], None)
    with pytest.raises(TypeError, match="Each case"):
        check_callable("p", _reference_peak, [np.zeros(3)], _reference_peak)


def test_chapter_modules_load_lazily():
    import tscam.exercises as ex

    assert ex.ch01.__name__ == "tscam.exercises.ch01"
    with pytest.raises(AttributeError, match="no chapter module"):
        ex.ch99  # noqa: B018
