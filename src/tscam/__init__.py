"""tscam: Grad-CAM in time-series classification, on real MIT-BIH ECG beats.

The package backs the chapters of the course. Importing it has no side effects: no downloads,
no seeding, no matplotlib settings. Submodules are imported lazily on first attribute access,
so ``import tscam`` stays fast and ``tscam.cam`` still works.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "aggregate",
    "cam",
    "compare",
    "data",
    "evaluate",
    "exercises",
    "methods",
    "metrics",
    "models",
    "perturbation",
    "plotting",
    "style",
    "train",
    "widgets",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"tscam.{name}")
    raise AttributeError(f"module 'tscam' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
