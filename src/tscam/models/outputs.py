"""Stored outputs of a shipped model on its test part: ``NAME.test-logits.npz``.

Some analyses need the logits of every test beat, not only the card's counts: a class's
precision-recall curve, or its errors record by record (chapter 2). Running the FCN on all
49,691 DS2 beats takes minutes on a 2-core machine, too long for a book page, so the logits
computed once with :func:`tscam.models.predict_logits` are stored next to the weights, with the
SHA-256 of the weights they came from. :func:`load_test_logits` refuses them when the weights
have changed (then recompute them with ``python scripts/store_test_logits.py NAME``). Storing
them chooses nothing: the model and its operating point were fixed before the test part was
used.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tscam.models.pretrained import WeightsError, model_card, weights_dir

__all__ = ["load_test_logits", "logits_path", "write_test_logits"]


def logits_path(name: str, directory: Path | str | None = None) -> Path:
    """Where the test logits of model ``name`` are stored."""
    return (Path(directory) if directory is not None else weights_dir()) / f"{name}.test-logits.npz"


def write_test_logits(name: str, logits: Any, directory: Path | str | None = None) -> Path:
    """Store ``logits`` (n_test, n_classes) of model ``name`` (atomically), with the SHA-256 of
    its weights from the card. The row count must be the card's number of test beats."""
    card = model_card(name, directory)
    lg = np.asarray(logits, dtype=np.float32)
    n = (card.get("metrics") or {}).get("n")
    if lg.ndim != 2 or lg.shape != (n, len(card["classes"])):
        raise ValueError(
            f"logits of {name!r} must have shape ({n}, {len(card['classes'])}) (one row per test "
            f"beat, one column per class); got {lg.shape}."
        )
    path = logits_path(name, directory)
    buf = io.BytesIO()
    np.savez_compressed(buf, logits=lg, sha256=np.array(card["sha256"]))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_test_logits(name: str, directory: Path | str | None = None) -> np.ndarray:
    """The stored logits (n_test, n_classes) of model ``name`` on its test part, in the order of
    ``tscam.data.load_beats(split, "test")``. Raises :class:`WeightsError` when they are missing
    or were computed with other weights than the card's."""
    card = model_card(name, directory)
    path = logits_path(name, directory)
    if not path.is_file():
        raise WeightsError(
            f"No stored test logits for {name!r} ({path}): compute them with "
            f"`python scripts/store_test_logits.py {name}`."
        )
    with np.load(path) as f:
        sha, lg = str(f["sha256"]), f["logits"]
    if sha != card["sha256"]:
        raise WeightsError(
            f"{path} was computed with other weights ({sha[:16]}...) than the card's "
            f"({card['sha256'][:16]}...): recompute them with "
            f"`python scripts/store_test_logits.py {name}`."
        )
    return lg
