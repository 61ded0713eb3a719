"""Checkers for the exercises of chapter 8 (explanations to debug a model).

The reference answers come from the data (the original annotation symbols of the beats) and
from :func:`tscam.compare.map_centre`, so a correct answer is one that agrees with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tscam.compare import map_centre
from tscam.data import CLASSES
from tscam.exercises._core import CheckResult, check_callable

__all__ = [
    "called_by_symbol_reference",
    "check_called_by_symbol",
    "check_map_centre",
    "map_centre_reference",
]


def called_by_symbol_reference(
    symbol: Any, y_true: Any, y_pred: Any, true: str = "N", called: str = "V"
) -> dict[str, int]:
    """``{original symbol: count}`` of the beats of true class ``true`` that the model called
    ``called`` (symbols without such beats left out)."""
    s, yt, yp = np.asarray(symbol), np.asarray(y_true), np.asarray(y_pred)
    if not s.shape == yt.shape == yp.shape or s.ndim != 1:
        raise ValueError(
            f"symbol, y_true and y_pred must be three arrays of the same length; got shapes "
            f"{s.shape}, {yt.shape} and {yp.shape}."
        )
    hit = (yt == CLASSES.index(true)) & (yp == CLASSES.index(called))
    return {str(k): int(v) for k, v in sorted(Counter(s[hit].tolist()).items())}


def check_called_by_symbol(
    answer: Any, symbol: Any, y_true: Any, y_pred: Any, true: str = "N", called: str = "V"
) -> CheckResult:
    """Exercise: a mapping ``{original symbol: number of beats}`` of the beats of true AAMI
    class ``true`` that the model called ``called``. Symbols with no such beat may be left out
    or given 0."""
    name = f"{true} beats called {called}, by original symbol"
    want = called_by_symbol_reference(symbol, y_true, y_pred, true, called)
    if answer is Ellipsis or answer is None:
        return CheckResult(name, False, "replace the `...` with your answer and run the cell again")
    if not isinstance(answer, Mapping) and not hasattr(answer, "items"):
        return CheckResult(
            name, False, f"expected a dict {{symbol: count}}, got {type(answer).__name__}"
        )
    try:
        got = {str(k): int(v) for k, v in answer.items() if int(v) != 0}
    except (TypeError, ValueError) as exc:
        return CheckResult(name, False, f"the counts must be whole numbers ({exc})")
    if got == want:
        total = sum(want.values())
        return CheckResult(
            name, True, f"{total:,} beats: " + ", ".join(f"{k} {v:,}" for k, v in want.items())
        )
    extra = sorted(set(got) - set(want))
    if extra:
        return CheckResult(
            name,
            False,
            f"symbols {extra} do not belong: keep only beats whose TRUE class is {true} "
            f"(y_true == CLASSES.index({true!r})) and that the model called {called}",
        )
    missing = sorted(set(want) - set(got))
    if missing:
        return CheckResult(name, False, f"symbols {missing} are missing")
    wrong = [k for k in want if got[k] != want[k]]
    return CheckResult(
        name,
        False,
        f"the counts of {wrong} differ; count the beats with y_true == CLASSES.index({true!r}) "
        f"AND y_pred == CLASSES.index({called!r}), grouped by beats.symbol",
    )


def map_centre_reference(maps: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Centre of mass in time of each map (row): ``sum(t * m) / sum(m)``."""
    return map_centre(maps, t)


def check_map_centre(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Exercise: ``fn(maps, t)`` returns the centre of mass in time of each non-negative map
    (one per row of ``maps``), in the units of ``t``: shape (n,)."""
    t = (np.arange(187) - 112) / 125  # seconds from the R peak, as DEFAULT_SPEC.time_axis()
    one_hot = np.zeros((2, 187))
    one_hot[0, 112], one_hot[1, 40] = 1.0, 3.0
    rng = np.random.default_rng(8)
    bumps = np.exp(-0.5 * ((np.arange(187) - rng.uniform(60, 160, (5, 1))) / 9) ** 2)
    skewed = np.zeros((1, 187))
    skewed[0, 100:120] = 1.0
    skewed[0, 170:180] = 4.0  # the peak is not the centre
    scaled = rng.random((4, 187)) * np.array([[1.0], [10.0], [0.01], [500.0]])
    t_short = np.linspace(-0.5, 0.5, 11)
    per_segment = rng.random((3, 11))
    return check_callable(
        "centre of mass of a map",
        fn,
        [(one_hot, t), (bumps, t), (skewed, t), (scaled, t), (per_segment, t_short)],
        map_centre_reference,
        hint="per row: np.sum(t * m) / np.sum(m) (sum over axis=1), in the units of t, not of "
        "the sample index; the centre of mass is not the peak (argmax)",
        success="your centres match tscam.compare.map_centre",
    )
