"""Shipped pretrained models: weights checked by SHA-256, loaded without unpickling objects.

Each model ``name`` has two files in ``tscam/models/weights/``: ``name.pt`` (a ``state_dict``
saved with ``torch.save``) and ``name.json``, its model card (architecture and configuration,
data and split, training settings, wall time and hardware, test metrics, and the SHA-256 of the
weights file). ``name.md`` is the same card as a readable table.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tscam.models.fcn import FCN
from tscam.models.lstm import LSTMClassifier

PRETRAINED: tuple[str, ...] = ("fcn-inter", "fcn-intra", "lstm-inter", "lstm-intra")
ARCHITECTURES: dict[str, type[nn.Module]] = {"fcn": FCN, "lstm": LSTMClassifier}


class WeightsError(RuntimeError):
    """A weights file is missing, altered, or does not fit its model card."""


def weights_dir() -> Path:
    """The folder of the shipped weights and model cards."""
    return Path(str(resources.files("tscam.models").joinpath("weights")))


def build_model(architecture: str, config: dict[str, Any] | None = None) -> nn.Module:
    """A freshly initialised ``"fcn"`` or ``"lstm"`` with the given configuration."""
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"architecture must be one of {sorted(ARCHITECTURES)}, got {architecture!r}."
        )
    config = dict(config or {})
    for key, value in config.items():
        if isinstance(value, list):
            config[key] = tuple(value)
    return ARCHITECTURES[architecture](**config)


def _check_name(name: str, directory: Path) -> None:
    if not (directory / f"{name}.json").is_file():
        known = sorted(p.stem for p in directory.glob("*.json"))
        raise ValueError(
            f"No pretrained model {name!r} in {directory}. Available: {known or list(PRETRAINED)}."
        )


def model_card(name: str, directory: Path | str | None = None) -> dict[str, Any]:
    """The model card of a shipped model as a dict (see ``tscam/models/weights/NAME.md``)."""
    directory = Path(directory) if directory is not None else weights_dir()
    _check_name(name, directory)
    return json.loads((directory / f"{name}.json").read_text())


def load_pretrained(
    name: str, directory: Path | str | None = None, map_location: str | torch.device = "cpu"
) -> nn.Module:
    """A shipped model in eval mode, its weights verified against the card's SHA-256 and read
    with ``torch.load(..., weights_only=True)`` (no arbitrary objects are unpickled)."""
    directory = Path(directory) if directory is not None else weights_dir()
    card = model_card(name, directory)
    path = directory / card["weights_file"]
    if not path.is_file():
        raise WeightsError(f"Weights file {path} is missing; reinstall tscam or retrain {name}.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != card["sha256"]:
        raise WeightsError(
            f"{path} does not match the SHA-256 in its model card ({digest[:16]}... != "
            f"{card['sha256'][:16]}...): the file was altered or damaged. Reinstall tscam "
            f"(or `git checkout` the file) to restore the shipped weights."
        )
    state = torch.load(path, map_location=map_location, weights_only=True)
    model = build_model(card["architecture"], card["config"])
    model.load_state_dict(state)
    return model.eval()
