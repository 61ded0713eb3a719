"""Auto-checked exercises of the course.

Each chapter has a module of checkers, imported on first use::

    from tscam.exercises import ch01      # or: tscam.exercises.ch01.check_count_v(n)
    ch01.check_count_v(n_v)

A checker returns a :class:`CheckResult` that shows as a green "✓ Correct" or a red
"✗ Not yet: <hint>" and never raises on a wrong answer. The building blocks for chapter
modules are :func:`check`, :func:`check_equal`, :func:`check_array_close` and
:func:`check_callable`.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from tscam.exercises._core import (
    CheckResult,
    check,
    check_array_close,
    check_callable,
    check_equal,
)

__all__ = ["CheckResult", "check", "check_array_close", "check_callable", "check_equal"]

_CHAPTER = re.compile(r"ch\d\d")


def __getattr__(name: str) -> Any:
    if _CHAPTER.fullmatch(name):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                raise AttributeError(f"tscam.exercises has no chapter module {name!r}") from None
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
