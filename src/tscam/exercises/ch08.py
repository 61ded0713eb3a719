"""Checkers for the exercises of chapter 8 (explanations to debug a model): two interventions on
a beat, each predicted first, then run and compared.

- :func:`check_timing_effect`: move beats in time (:meth:`tscam.data.Beats.moved`) and split the
  change of every logit into the window part and the rhythm term
  (:func:`tscam.models.decompose_logits`). The tempting shortcut, logits computed without the
  rhythm (``model(x)``), shows no effect at all and is rejected; so are a flipped sign and a
  window shifted instead of the timing.
- :func:`check_earlier_masked`: the same intervention on the first, masked window design
  (``fcn-inter-masked``): a beat that comes earlier has a longer masked run, by half the shift
  (the run is 0.896 s minus half the previous RR interval); the kept samples are z-scored again.

Each checker first tests the learner's function against a reference computed here, on small
beats (and a small seeded model) made for the check, so that a correct answer is one that
agrees with the reference on any beats. Given the chapter's model and beats, it then runs the
function on them and shows the learner's prediction (``guess``, written before running) next to
the measured direction of change (:func:`compare_guess`): a wrong prediction is reported, not
failed; a missing one fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tscam.data import Beats, zscore
from tscam.exercises._core import CheckResult, _as_array, _compare_arrays, _describe_exception

__all__ = [
    "DIRECTIONS",
    "MASKED_GUESS",
    "TIMING_GUESS",
    "check_earlier_masked",
    "check_timing_effect",
    "compare_guess",
    "direction_of",
    "earlier_masked_reference",
    "timing_effect_reference",
]

#: The words a guess may use for how a quantity moves.
DIRECTIONS = ("up", "down", "same")


# --- exercise 1: move a beat in time (fcn-inter) -------------------------------------------------


def timing_effect_reference(model: Any, beats: Any, seconds: float) -> np.ndarray:
    """The change of every logit when each beat comes ``seconds`` earlier (its window
    unchanged), split into its parts: an array (2, n, n_classes), ``[0]`` the change of the window
    part, ``[1]`` the change of the rhythm term (moved minus as recorded)."""
    import torch

    from tscam.models import decompose_logits

    x = beats.tensor()
    before = decompose_logits(model, x, torch.from_numpy(beats.rhythm))
    after = decompose_logits(model, x, torch.from_numpy(beats.moved(seconds).rhythm))
    return np.stack([after.beat - before.beat, after.rhythm - before.rhythm])


def _toy_case(seed: int) -> tuple[Any, Beats]:
    """A small seeded FCN with a rhythm head and six beats with RR intervals (not MIT-BIH)."""
    import torch

    from tscam.models import FCN

    torch.manual_seed(seed)
    model = FCN(n_classes=5, filters=(8, 8, 8), n_rhythm=4, rhythm_hidden=4).eval()
    rng = np.random.default_rng(seed)
    n, length = 6, 88
    x = rng.standard_normal((n, length)).astype(np.float32)
    avg = rng.uniform(0.7, 1.0, n)
    pre = avg * rng.uniform(0.6, 1.1, n)
    post = avg * rng.uniform(0.9, 1.5, n)
    local = avg * rng.uniform(0.9, 1.1, n)
    rr = np.stack([pre, post, local, avg], axis=1).astype(np.float32)
    beats = Beats(
        x=x,
        y=np.zeros(n, dtype=np.int64),
        record=np.full(n, "toy"),
        sample=np.arange(n, dtype=np.int64) * 300,
        symbol=np.full(n, "N"),
        rr=rr,
    )
    return model, beats


def _check_timing_function(fn: Callable[..., Any]) -> CheckResult:
    """``fn(model, beats, seconds)`` returns ``(d_window, d_rhythm)``, each of shape
    (n, n_classes): how much the window part and the rhythm term of every logit change when each
    beat comes ``seconds`` earlier (``beats.moved(seconds)``), its window unchanged. Checked on a
    small seeded model with a rhythm head and on beats made for the check (both directions)."""
    name = "the effect of moving beats in time, split into window part and rhythm term"
    if fn is Ellipsis or fn is None:
        return CheckResult(name, False, "define the function first, then run this cell again")
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    cases = [(8, 0.12), (9, -0.1)]
    for i, (seed, seconds) in enumerate(cases, start=1):
        model, beats = _toy_case(seed)
        want = timing_effect_reference(model, beats, seconds)
        flipped = timing_effect_reference(model, beats, -seconds)
        model, beats = _toy_case(seed)  # fresh copies for the learner's function
        try:
            got = fn(model, beats, seconds)
        except Exception as exc:  # the learner's code may raise anything
            return CheckResult(name, False, f"case {i} of {len(cases)}: {_describe_exception(exc)}")
        if got is None or got is Ellipsis:
            return CheckResult(name, False, "return the pair (d_window, d_rhythm)")
        try:
            arr = np.stack([_as_array(part) for part in got]).astype(np.float64)
        except Exception:
            return CheckResult(
                name, False, "return two arrays of shape (n, n_classes): (d_window, d_rhythm)"
            )
        if arr.shape != want.shape:
            return CheckResult(
                name, False, f"expected two arrays of shape {want.shape[1:]}, got {arr.shape}"
            )
        if np.allclose(arr, 0.0, atol=1e-6):
            return CheckResult(
                name,
                False,
                "nothing changes in your answer: were the logits computed without the rhythm "
                "(model(x) or predict on the windows alone)? Moving a beat leaves its window as "
                "it is; only the rhythm input changes, so compute both with "
                "decompose_logits(model, beats.tensor(), <the beats'>.rhythm)",
            )
        if any(np.allclose(arr, f, rtol=1e-4, atol=1e-5) for f in (-want, flipped, -flipped)):
            return CheckResult(
                name,
                False,
                "the sign is flipped: `seconds` > 0 moves a beat earlier (beats.moved(seconds)), "
                "and the change is (moved) minus (as recorded)",
            )
        if np.abs(arr[0]).max() > 1e-4:
            return CheckResult(
                name,
                False,
                "your window part changes, but moving a beat in time leaves its window as it is: "
                "move the beat with beats.moved(seconds), not by shifting its samples",
            )
        problem = _compare_arrays(arr, want, 1e-4, 1e-5)
        if problem is not None:
            return CheckResult(
                name,
                False,
                f"case {i} of {len(cases)}: {problem}. Take decompose_logits of the beats as "
                "recorded and of beats.moved(seconds), and subtract part by part",
            )
    return CheckResult(
        name, True, "only the rhythm term moves; the window part stays exactly the same"
    )


# --- exercise 2: the same intervention on the masked window (fcn-inter-masked) -------------------


def earlier_masked_reference(x: Any, onset: Any, seconds: float, fs: float) -> np.ndarray:
    """The masked windows (rows of ``x``, z-scored over the samples from ``onset`` on) of the same
    beats had each come ``seconds`` earlier: the previous RR interval shrinks by ``seconds``, so
    the zero run, 0.896 s minus half the previous RR interval, grows by half of it,
    ``round(seconds * fs / 2)`` samples; the samples left are z-scored again (as the beats were)."""
    xs = np.asarray(x, dtype=np.float32)
    on = np.asarray(onset, dtype=np.int64)
    if seconds < 0:
        raise ValueError("Only an earlier beat can be made from a masked window (seconds >= 0).")
    new = np.minimum(on + int(round(seconds * fs / 2)), xs.shape[1] - 1)
    return zscore(np.where(np.arange(xs.shape[1])[None, :] >= new[:, None], xs, 0.0), new)


def _masked_cases() -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    rng = np.random.default_rng(88)
    n, length = 5, 187
    onset = rng.integers(20, 70, n)
    x = rng.standard_normal((n, length)).astype(np.float32) + np.linspace(0, 2, length)
    x = zscore(np.where(np.arange(length)[None, :] >= onset[:, None], x, 0.0), onset)
    return [(x, onset, 0.2, 125.0), (x, onset, 0.08, 125.0), (x[:2], onset[:2], 0.3, 250.0)]


def _check_masked_function(fn: Callable[..., Any]) -> CheckResult:
    """``fn(x, onset, seconds, fs)`` returns the masked windows (n, T) of the beats ``x``
    (zero before ``onset``, z-scored over the rest) as if each had come ``seconds`` earlier."""
    name = "a masked window of a beat that came earlier"
    if fn is Ellipsis or fn is None:
        return CheckResult(name, False, "define the function first, then run this cell again")
    if not callable(fn):
        return CheckResult(name, False, f"expected a function, got {type(fn).__name__}")
    for i, (x, onset, seconds, fs) in enumerate(_masked_cases(), start=1):
        want = earlier_masked_reference(x, onset, seconds, fs)
        try:
            got = fn(x.copy(), onset.copy(), seconds, fs)
        except Exception as exc:  # the learner's code may raise anything
            return CheckResult(name, False, f"case {i}: {_describe_exception(exc)}")
        problem = _compare_arrays(got, want, 1e-4, 1e-5)
        if problem is None:
            continue
        arr = np.asarray(_as_array(got), dtype=np.float64)
        if arr.shape != want.shape:
            return CheckResult(name, False, f"case {i}: {problem}")
        zeros_got = np.argmax(arr != 0, axis=1)
        zeros_want = np.argmax(want != 0, axis=1)
        full = earlier_masked_reference(x, onset, 2 * seconds, fs)
        if np.array_equal(zeros_got, np.argmax(full != 0, axis=1)):
            hint = (
                "your zero run grew by the whole shift: it is 0.896 s minus HALF the previous RR "
                "interval, so it grows by half the shift, round(seconds * fs / 2) samples"
            )
        elif np.array_equal(zeros_got, zeros_want):
            hint = (
                "the zero run is right, but the samples left must be z-scored again over the kept "
                "part (tscam.data.zscore(x, new_onset)), as the beats were"
            )
        elif np.all(zeros_got <= np.asarray(onset)):
            hint = "the zero run must grow (an earlier beat has a shorter previous RR interval)"
        else:
            hint = "zero the first round(seconds * fs / 2) kept samples, then z-score the rest"
        return CheckResult(name, False, f"case {i}: {problem}; {hint}")
    return CheckResult(
        name, True, "the masked run grows by half the shift and the rest is z-scored again"
    )


# --- predict, run, compare ----------------------------------------------------------------------

#: The entries of the guess of each exercise.
TIMING_GUESS = ("window part", "rhythm term")
MASKED_GUESS = ("logit",)


def _guess_problem(guess: Any, keys: tuple[str, ...]) -> str | None:
    """What is missing from a guess ``{key: "up" | "down" | "same"}``; None when complete."""
    if guess is Ellipsis or guess is None or not isinstance(guess, Mapping):
        return f"write your prediction first: a dict {{{', '.join(repr(k) for k in keys)}}}"
    unfilled = [k for k in keys if guess.get(k, ...) is Ellipsis]
    if unfilled:
        return f"write your prediction first: replace the `...` of {unfilled}"
    bad = {k: guess[k] for k in keys if guess[k] not in DIRECTIONS}
    if bad:
        return f"each prediction is one of {DIRECTIONS}; got {bad}"
    return None


def _run_and_compare(
    name: str, first: CheckResult, guess: Any, keys: tuple[str, ...], measure: Callable[[], Any]
) -> CheckResult:
    """After the function passed its check: check the guess, run ``measure`` (the learner's
    function on the chapter's beats: a dict of directions) and report it next to the guess."""
    problem = _guess_problem(guess, keys)
    if problem is not None:
        return CheckResult(name, False, f"your function is right; now {problem}")
    try:
        measured = measure()
    except Exception as exc:  # the learner's code may raise anything
        return CheckResult(name, False, f"on the chapter's beats: {_describe_exception(exc)}")
    report = compare_guess(guess, measured)
    verdict = "Your prediction holds" if report.passed else "The measurement differs from it"
    return CheckResult(name, True, f"{first.message}. {verdict}: {report.message}")


def check_timing_effect(
    fn: Callable[..., Any],
    guess: Any = None,
    *,
    model: Any = None,
    beats: Any = None,
    seconds: float = 0.1,
    target: int | None = None,
) -> CheckResult:
    """Exercise: ``fn(model, beats, seconds)`` returns ``(d_window, d_rhythm)``, each of shape
    (n, n_classes): how much the window part and the rhythm term of every logit change when each
    beat comes ``seconds`` earlier (``beats.moved(seconds)``), its window unchanged. Checked on a
    small seeded model with a rhythm head and on beats made for the check (both directions).

    With ``model``, ``beats`` and ``target`` (a class index), the function is then run on those
    beats, and ``guess`` (``{"window part": ..., "rhythm term": ...}``, each "up", "down" or
    "same", written before running) is compared with how the two parts of the target's logit
    moved (median over the beats). A wrong guess is reported, not failed; a missing one fails."""
    first = _check_timing_function(fn)
    if not first.passed or model is None:
        return first

    def measure() -> dict[str, str]:
        arr = np.stack([_as_array(part) for part in fn(model, beats, seconds)])
        return {
            "window part": direction_of(arr[0][:, target]),
            "rhythm term": direction_of(arr[1][:, target]),
        }

    return _run_and_compare(first.name, first, guess, TIMING_GUESS, measure)


def check_earlier_masked(
    fn: Callable[..., Any],
    guess: Any = None,
    *,
    model: Any = None,
    beats: Any = None,
    seconds: float = 0.2,
    target: int | None = None,
) -> CheckResult:
    """Exercise: ``fn(x, onset, seconds, fs)`` returns the masked windows (n, T) of the beats
    ``x`` (zero before ``onset``, z-scored over the rest) as if each had come ``seconds`` earlier.

    With ``model`` (a model without a rhythm head, e.g. ``fcn-inter-masked``), ``beats`` (masked
    beats: ``x``, ``onset``, ``fs``) and ``target`` (a class index), the function is then run on
    those beats, and ``guess`` (``{"logit": ...}``, "up", "down" or "same", written before
    running) is compared with how the target's logit moved (median over the beats)."""
    first = _check_masked_function(fn)
    if not first.passed or model is None:
        return first

    def measure() -> dict[str, str]:
        from tscam.models import predict_logits

        before = predict_logits(model, beats.x).numpy()[:, target]
        moved = np.asarray(_as_array(fn(beats.x.copy(), beats.onset.copy(), seconds, beats.fs)))
        after = predict_logits(model, moved.astype(np.float32)).numpy()[:, target]
        return {"logit": direction_of(after - before)}

    return _run_and_compare(first.name, first, guess, MASKED_GUESS, measure)


def direction_of(change: Any, tol: float = 0.05) -> str:
    """``"up"``, ``"down"`` or ``"same"``: the sign of the median of ``change`` (``"same"``
    within ``tol``)."""
    m = float(np.median(np.asarray(change, dtype=np.float64)))
    return "up" if m > tol else "down" if m < -tol else "same"


def compare_guess(guess: Any, measured: Mapping[str, str]) -> CheckResult:
    """Your prediction (a dict ``{quantity: "up" | "down" | "same"}`` written before running)
    next to the measured directions ``measured`` (same keys). Passes when every guess was right;
    either way the message says what was measured."""
    name = "your prediction against the measurement"
    if guess is Ellipsis or guess is None:
        return CheckResult(name, False, "write your prediction first (replace the `...`)")
    if not isinstance(guess, Mapping):
        return CheckResult(name, False, f"expected a dict {{quantity: direction}}, got {guess!r}")
    missing = [k for k in measured if k not in guess]
    if missing:
        return CheckResult(name, False, f"give a direction for {missing} too")
    bad = {k: v for k, v in guess.items() if k in measured and v not in DIRECTIONS}
    if bad:
        return CheckResult(name, False, f"each direction is one of {DIRECTIONS}; got {bad}")
    parts = [
        f"{k}: you said {guess[k]}, measured {v}" + (" ✓" if guess[k] == v else " ✗")
        for k, v in measured.items()
    ]
    ok = all(guess[k] == v for k, v in measured.items())
    return CheckResult(name, ok, "; ".join(parts))
