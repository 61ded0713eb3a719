"""The registry of explanation methods: one entry per method, read by evaluate, widgets, plotting.

Each :class:`Method` says how to compute the maps (``fn``), how the method is called in figures
and tables (``label``), how its lines look (``style``), which models it can explain
(``applies``, and ``refusal``: why not), what it needs (``needs_target``: whether its maps
depend on the target class; ``reference``: a reference such as random order, not an
explanation; ``takes_rule``: it perturbs the input and takes the evaluation's perturbation
rule), and how the live explorer offers it (``variants``, ``relu_option``).

- :mod:`tscam.evaluate` computes maps with :func:`tscam.evaluate.attribute` (any registered
  name) and compares the methods with ``in_comparison=True`` by default (:func:`names`).
- :mod:`tscam.widgets` (the explorer) lists every registered method that applies to the model.
- :mod:`tscam.plotting` labels and styles lines and bars by method name (:func:`label`).

Adding a method = one :func:`register` call with its function. ``fn(model, x, target, **opts)``
gets a float32 tensor ``x`` (n, C, T) already checked and on the model's device, ``target`` an
int64 tensor (n,) of classes (None for a method with ``needs_target=False`` called without one),
the model in eval mode with gradients enabled, and returns maps (n, T). This module imports no
torch at import time and nothing else of tscam: the built-in methods' functions live in
:mod:`tscam.methods.adapters`, their entries in :mod:`tscam.methods.builtin`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    "not_recurrent",
    "names",
    "register",
    "registered",
    "registered_style",
    "unregister",
]


def always(model: Any) -> bool:
    """Applies to every model."""
    return True


def is_recurrent(model: Any) -> bool:
    """Whether ``model`` contains a recurrent layer (``torch.nn.RNNBase``)."""
    from torch import nn

    return any(isinstance(m, nn.RNNBase) for m in model.modules())


def not_recurrent(model: Any) -> bool:
    """Whether ``model`` has no recurrent layer."""
    return not is_recurrent(model)


def has_unrolled(model: Any) -> bool:
    """Whether ``model`` runs its recurrence step by step on request (``model.unrolled``)."""
    return callable(getattr(model, "unrolled", None))


class MethodNotApplicable(ValueError):
    """The method cannot explain this model (e.g. CAM on an LSTM)."""


@dataclass(frozen=True)
class Method:
    """One explanation method.

    - ``name``: the key used everywhere (``attribute(model, x, name)``, result dicts).
    - ``fn``: ``fn(model, x, target, **opts) -> maps (n, T)``.
    - ``label``: display name in figures, tables and the explorer; ``step_label``: the display
      name when the method explains a recurrent model over its steps (default ``"LSTM "`` +
      ``label``), see :func:`label`.
    - ``style``: ``color`` (an Okabe-Ito colour name or any matplotlib colour), ``ls``,
      ``marker``; methods without one get a spare colour in plots.
    - ``applies``: ``applies(model) -> bool`` (CAM: conv nets only); ``refusal``: the reason
      given when it does not apply (how to fix it).
    - ``needs_target``: whether the maps depend on the target class (random order and Eigen-CAM
      do not: they are computed without one).
    - ``reference``: a reference that a method must beat (random order), not an explanation;
      verdicts compare the explanations with it.
    - ``takes_rule``: the method perturbs the input and takes the evaluation's perturbation rule
      (``rule=``, a :class:`tscam.perturbation.Rule`) so that it is measured under the same rule
      as the others (occlusion).
    - ``signed``: whether the maps can be negative with the default options.
    - ``relu_option``: the keyword that switches a ReLU on the map (``"relu"`` for Grad-CAM);
      the explorer's ReLU box sets it, and is disabled for methods without one.
    - ``variants``: ``variants(model) -> {label: options}``: the explorer's entries for this
      method (default: one entry, ``label``, no options).
    - ``in_comparison``: part of the default method list of :func:`tscam.evaluate.attribute_all`
      and the evaluation tables.
    - ``in_explorer``: offered by the live heatmap explorer (:func:`tscam.widgets.explorer`);
      the built-in gradient and perturbation methods are not (chapters 3-5 explore the CAM
      family; :func:`tscam.widgets.method_explorer` shows every compared method side by side).
    """

    name: str
    fn: Callable[..., Any]
    label: str
    style: Mapping[str, Any] = field(default_factory=dict)
    applies: Callable[[Any], bool] = always
    refusal: str = ""
    needs_target: bool = True
    reference: bool = False
    takes_rule: bool = False
    step_label: str | None = None
    signed: bool = True
    relu_option: str | None = None
    variants: Callable[[Any], dict[str, dict[str, Any]]] | None = None
    in_comparison: bool = True
    in_explorer: bool = True

    def function(self) -> Callable[..., Any]:
        """The map function."""
        return self.fn

    def check_applies(self, model: Any) -> None:
        """Raise :class:`MethodNotApplicable` (with ``refusal``) if the method cannot explain
        ``model``."""
        if not self.applies(model):
            raise MethodNotApplicable(
                f"{self.name!r} cannot explain {type(model).__name__}."
                + (f" {self.refusal}" if self.refusal else "")
            )

    def explorer_entries(self, model: Any) -> dict[str, dict[str, Any]]:
        """``{label: options}`` offered by the explorer for ``model``."""
        return self.variants(model) if self.variants is not None else {self.label: {}}


_REGISTRY: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add ``method`` to the registry (a name already registered is an error)."""
    if not isinstance(method, Method):
        raise TypeError(f"register() takes a tscam.methods.Method, got {type(method).__name__}.")
    if not callable(method.fn):
        raise TypeError(f"Method {method.name!r}: fn must be a function, got {method.fn!r}.")
    if method.name in _REGISTRY:
        raise ValueError(f"A method named {method.name!r} is already registered.")
    _REGISTRY[method.name] = method
    return method


def unregister(name: str) -> Method:
    """Remove the method ``name`` from the registry and return it."""
    get(name)
    return _REGISTRY.pop(name)


def get(name: str) -> Method:
    """The registered method ``name`` (``ValueError`` naming the choices otherwise)."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown attribution method {name!r}; choose from {tuple(_REGISTRY)}."
        ) from None


def registered() -> tuple[Method, ...]:
    """Every registered method, in registration order."""
    return tuple(_REGISTRY.values())


def names(comparison_only: bool = True) -> tuple[str, ...]:
    """Names of the registered methods (by default those compared by the evaluation)."""
    return tuple(m.name for m in _REGISTRY.values() if m.in_comparison or not comparison_only)


def label(name: str, *, steps: bool = False) -> str:
    """Display name of a method (``"grad_cam"`` -> ``"Grad-CAM"``; with ``steps=True``, over a
    recurrent model's steps: ``"LSTM Grad-CAM"``); unknown names unchanged."""
    method = _REGISTRY.get(name)
    if method is None:
        return name
    if steps:
        return method.step_label or f"LSTM {method.label}"
    return method.label


def registered_style(name: str) -> Mapping[str, Any] | None:
    """The plot style of a registered method (None for unknown names)."""
    method = _REGISTRY.get(name)
    return None if method is None else method.style


class _Names(Sequence):
    """A live, read-only view of :func:`names` (so registering a method updates it)."""

    def __getitem__(self, i: Any) -> Any:
        return names()[i]

    def __len__(self) -> int:
        return len(names())

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, Sequence) else other)

    def __hash__(self) -> int:
        return hash(names())

    def __repr__(self) -> str:
        return repr(names())


class _Labels(Mapping):
    """A live, read-only view ``name -> label`` of every registered method."""

    def __getitem__(self, key: str) -> str:
        if key not in _REGISTRY:
            raise KeyError(key)
        return _REGISTRY[key].label

    def __iter__(self) -> Iterator[str]:
        return iter(list(_REGISTRY))

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __repr__(self) -> str:
        return repr(dict(self))


#: The names of the compared methods (a live view of :func:`names`).
METHODS: Sequence[str] = _Names()
#: ``name -> display label`` of every registered method (a live view).
METHOD_LABELS: Mapping[str, str] = _Labels()
