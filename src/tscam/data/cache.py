"""On-disk cache of extracted beats: one ``.npz`` per parameter set, written atomically.

The file name carries a hash of every parameter that shapes the beats (window, filter, lead,
records, checksums of the source files, the copy they were read from (folder, file sizes and
times), tscam version and cache format); the same key is stored
inside the file and checked on load, so a cache built with other parameters is never reused:
it is rebuilt. Writes go to a temporary file in the same folder, then ``os.replace`` moves it
into place, so a crash never leaves a half-written cache that would be read later.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

CACHE_FORMAT = 5  # 4: RR features (rr) stored with the beats; 5: long span of 301 beats
ARRAYS = ("x", "y", "record", "sample", "symbol", "onset", "rr")


def cache_key(params: dict[str, Any]) -> str:
    blob = json.dumps({**params, "format": CACHE_FORMAT}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def save_npz_atomic(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` and a JSON ``meta`` record to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_npz(path: Path, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Arrays and meta of a cache file, or None when it is absent, unreadable or of another key."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("key") != key:
                return None
            arrays = {name: z[name] for name in ARRAYS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError):
        return None
    return arrays, meta
