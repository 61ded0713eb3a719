"""The one conversion of user data to numpy, shared by every module that takes arrays.

Accepts numpy arrays, lists and torch tensors (detached and moved to the CPU) without importing
torch, so modules that only draw or average (plotting, aggregate, compare) stay torch-free.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_numpy"]


def to_numpy(a: Any, dtype: Any = None) -> np.ndarray:
    """``a`` as a numpy array (of ``dtype`` if given); a torch tensor is detached and moved to
    the CPU first."""
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor; no torch import needed
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=dtype)
