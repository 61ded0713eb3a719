"""The registry of explanation methods and the built-in methods it owns.

- :mod:`tscam.methods.registry`: :class:`Method`, :func:`register`, :func:`get`, :func:`names`,
  :func:`label`, ... (no torch at import, nothing else of tscam);
- :mod:`tscam.methods.adapters`: the built-in methods' functions (the CAM family of
  :mod:`tscam.cam`, saliency, Integrated Gradients, occlusion, random);
- :mod:`tscam.methods.builtin`: their entries, registered when this package is imported.

It imports nothing above it (not :mod:`tscam.evaluate`, :mod:`tscam.widgets` or
:mod:`tscam.plotting`); they read it.
"""

from tscam.methods.builtin import BUILTIN
from tscam.methods.registry import (
    METHOD_LABELS,
    METHODS,
    Method,
    MethodNotApplicable,
    always,
    get,
    has_unrolled,
    is_recurrent,
    label,
    names,
    not_recurrent,
    register,
    registered,
    registered_style,
    unregister,
)

for _method in BUILTIN:
    if _method.name not in METHOD_LABELS:
        register(_method)

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "Method",
    "MethodNotApplicable",
    "always",
    "get",
    "has_unrolled",
    "is_recurrent",
    "label",
    "names",
    "not_recurrent",
    "register",
    "registered",
    "registered_style",
    "unregister",
]
