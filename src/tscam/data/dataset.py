"""All beats of the database as one table, cached; the splits of the course; ``load_beats``."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tscam.data.beats import (
    DEFAULT_SPEC,
    RecordBeats,
    WindowSpec,
    extract_record,
    neighbour_in_window,
    zscore,
)
from tscam.data.cache import ARRAYS, cache_key, load_npz, save_npz_atomic
from tscam.data.dominant import dominant_beats, template_channels
from tscam.data.errors import LeadNotFoundError
from tscam.data.locate import (
    cache_dir,
    check_records,
    locate_mitdb,
    release_checksums,
    verify_files,
)
from tscam.data.records import (
    AAMI_MAP,
    AAMI_RECORDS,
    ALL_RECORDS,
    CLASSES,
    DS1,
    DS2,
    MITDB_FS,
    record_files,
)
from tscam.data.rhythm import (
    LOCAL_BEATS,
    LONG_BEATS,
    RHYTHM_INPUTS,
    RR_FEATURES,
    move_beat,
    rhythm_inputs,
)

#: Seed of every random split of the course (fixed, so every learner gets the same split).
SPLIT_SEED = 20170101
#: Intra-patient split: fractions of the beats of each class in train / val / test.
INTRA_FRACTIONS = (0.7, 0.1, 0.2)
#: Inter-patient split: the DS1 records held out, whole, for validation (model selection).
#: Chosen so that the held-out patients contain S, V and F beats and one bundle-branch-block
#: patient (124, right bundle branch block) while training keeps the main sources of each
#: class (208 for F, 209 for S, 109/207 for left bundle branch block): 329 S, 789 V and 32 F
#: beats among 10,880. Model selection on these patients, never seen in training, estimates
#: how a model does on new patients; DS2 is only used for the final, single test.
INTER_VAL_RECORDS: tuple[str, ...] = ("124", "201", "205", "220", "223")

SPLITS = ("inter", "intra")
PARTS = ("train", "val", "test")


@dataclass
class Beats:
    """A set of beats: ``x`` (n, length) float32 windows, ``y`` (n,) int64 indices into ``CLASSES``,
    and for each beat its ``record``, annotation ``sample`` (360 Hz), original ``symbol``,
    ``onset`` (first kept sample of the window: 0 unless the spec masks the previous beat) and
    ``rr`` (n, 4), its RR features in seconds (:data:`~tscam.data.rhythm.RR_FEATURES`);
    :attr:`rhythm` is what the models read of them."""

    x: np.ndarray
    y: np.ndarray
    record: np.ndarray
    sample: np.ndarray
    symbol: np.ndarray
    onset: np.ndarray | None = None
    rr: np.ndarray | None = None
    spec: WindowSpec = DEFAULT_SPEC
    meta: dict[str, Any] = field(default_factory=dict)
    #: (n, T) each beat's dominant beat (its record's median window, :meth:`with_template`)
    template: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.onset is None:
            self.onset = np.zeros(len(self.y), dtype=np.int64)
        if self.rr is not None and np.shape(self.rr) != (len(self.y), len(RR_FEATURES)):
            raise ValueError(
                f"rr must have shape ({len(self.y)}, {len(RR_FEATURES)}) (one row of "
                f"{RR_FEATURES} per beat); got {np.shape(self.rr)}."
            )

    @property
    def rhythm(self) -> np.ndarray:
        """(n, 4) float32, the models' rhythm input: logs of the ratios
        :data:`~tscam.data.rhythm.RHYTHM_INPUTS` (0 for a beat at the patient's own rate)."""
        if self.rr is None:
            raise ValueError(
                "These beats carry no RR features (rr=None), so they have no rhythm input. "
                "Load them with tscam.data.load_beats, or pass rr= (n, 4) RR intervals in seconds."
            )
        return rhythm_inputs(self.rr)

    def moved(self, seconds: float | np.ndarray) -> Beats:
        """The same beats (windows unchanged) as if each came ``seconds`` earlier, its
        neighbours left in place (:func:`tscam.data.rhythm.move_beat`): a counterfactual of
        timing alone."""
        if self.rr is None:
            _ = self.rhythm  # raises the error that explains what is missing
        return dataclasses.replace(self, rr=move_beat(self.rr, seconds))

    @property
    def rhythm_names(self) -> tuple[str, ...]:
        """Names of the columns of :attr:`rhythm`."""
        return RHYTHM_INPUTS

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def __repr__(self) -> str:
        counts = ", ".join(f"{c} {n:,}" for c, n in self.class_counts().items())
        return f"Beats(n={len(self):,}, length={self.x.shape[1]}, {counts})"

    @property
    def class_names(self) -> tuple[str, ...]:
        """Names of the classes ``y`` indexes (the five AAMI classes)."""
        return CLASSES

    @property
    def classes(self) -> tuple[str, ...]:
        """Deprecated alias of :attr:`class_names` (kept for code written against it)."""
        return self.class_names

    @property
    def fs(self) -> int:
        """Sampling rate of the windows (Hz)."""
        return self.spec.fs

    @property
    def r_index(self) -> int:
        """Index of the R peak in every window."""
        return self.spec.r_index

    @property
    def t(self) -> np.ndarray:
        """Time axis: seconds relative to the R peak for each sample of a window."""
        return self.spec.time_axis()

    @property
    def record_fs(self) -> int:
        """Sampling rate of the records, the unit of ``sample`` (Hz)."""
        return MITDB_FS

    def class_counts(self) -> dict[str, int]:
        """Number of beats of each AAMI class (all five classes, zeros included)."""
        counts = np.bincount(self.y, minlength=len(CLASSES))
        return {c: int(n) for c, n in zip(CLASSES, counts, strict=True)}

    def subset(self, index: np.ndarray | Sequence[int] | slice) -> Beats:
        """The beats selected by a boolean mask, integer indices or a slice."""
        pick = (
            (lambda a: a[index]) if isinstance(index, slice) else (lambda a: a[np.asarray(index)])
        )
        return dataclasses.replace(
            self,
            x=pick(self.x),
            y=pick(self.y),
            record=pick(self.record),
            sample=pick(self.sample),
            symbol=pick(self.symbol),
            onset=pick(self.onset),
            rr=None if self.rr is None else pick(self.rr),
            template=None if self.template is None else pick(self.template),
        )

    def with_template(self) -> Beats:
        """The same beats with :attr:`template`: each beat's dominant beat, the median of the
        windows of its record among these beats (:func:`tscam.data.dominant.dominant_beats`;
        no labels used). Models with three input channels read the beat, the dominant beat and
        their difference (:meth:`tensor` with ``template=True``)."""
        return dataclasses.replace(self, template=dominant_beats(self.x, self.record))

    def of_class(self, cls: str | int) -> Beats:
        k = CLASSES.index(cls) if isinstance(cls, str) else int(cls)
        return self.subset(self.y == k)

    def tensor(self, template: bool = False):
        """``x`` as a float32 torch tensor of shape (n, 1, length), ready for the models; with
        ``template``, (n, 3, length): the beat, its dominant beat and their difference."""
        import torch

        if template:
            if self.template is None:
                raise ValueError(
                    "These beats carry no dominant beats (template=None); call "
                    "beats.with_template() first."
                )
            return torch.from_numpy(template_channels(self.x, self.template))
        return torch.from_numpy(np.ascontiguousarray(self.x)).unsqueeze(1)


def neighbour_counts(beats: Beats, spec: WindowSpec | None = None) -> dict[str, tuple[int, int]]:
    """Per class of ``beats``: (beats with a neighbouring R peak inside the window, beats).

    The window is ``spec`` (default: the one the beats were cut with, ``beats.spec``), so the
    same beats can be measured for another window design, e.g. ``MASKED_SPEC``: the RR features
    come from the annotation times and do not depend on the window
    (:func:`~tscam.data.beats.neighbour_in_window` decides). Every class of
    ``beats.class_names`` is listed, with (0, 0) when it has no beats."""
    if beats.rr is None:
        _ = beats.rhythm  # raises the error that says what is missing
    inside = neighbour_in_window(beats.rr, beats.spec if spec is None else spec)
    y = np.asarray(beats.y)
    return {
        c: (int(np.sum(inside[y == k])), int(np.sum(y == k)))
        for k, c in enumerate(beats.class_names)
    }


def _labels(symbols: np.ndarray) -> np.ndarray:
    lut = {s: CLASSES.index(c) for s, c in AAMI_MAP.items()}
    return np.fromiter((lut[s] for s in symbols), dtype=np.int64, count=symbols.shape[0])


def extract_all(
    data_dir: Path | str | None = None,
    records: Sequence[str] = ALL_RECORDS,
    spec: WindowSpec = DEFAULT_SPEC,
) -> Beats:
    """Extract the beats of ``records`` from the WFDB files (no cache), verifying checksums.

    Records without ``spec.lead`` (102 and 104 for MLII) are skipped and listed in
    ``meta["skipped_no_lead"]``; ``meta["dropped_edge"]`` gives, per record, the symbols of the
    beats too close to the record's ends for a full window (``dropped_edge_counts`` counts
    them per AAMI class).
    """
    records = check_records(records)
    path = locate_mitdb(data_dir, records)
    verify_files(path, [n for r in records for n in record_files(r)])

    def one(r: str) -> RecordBeats | None:
        try:
            return extract_record(path, r, spec)
        except LeadNotFoundError:
            return None

    # Records are independent; numpy, scipy and file reads release the GIL, so two threads
    # use both cores of a small machine.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        results = list(pool.map(one, records))
    parts = [rb for rb in results if rb is not None]
    skipped = [r for r, rb in zip(records, results, strict=True) if rb is None]
    dropped = {rb.record: rb.dropped_symbols for rb in parts}
    if not parts:
        raise LeadNotFoundError(f"None of the records {list(records)} has lead {spec.lead!r}.")
    x = np.concatenate([p.x for p in parts])
    symbol = np.concatenate([p.symbol for p in parts]).astype("<U1")
    record = np.concatenate([np.full(len(p.symbol), p.record, dtype="<U3") for p in parts])
    sample = np.concatenate([p.sample for p in parts])
    onset = np.concatenate([p.onset for p in parts])
    rr = np.concatenate([p.rr for p in parts])
    lost = "".join(dropped.values())
    meta = {
        "dropped_edge": dropped,
        "dropped_edge_counts": {c: sum(AAMI_MAP[s] == c for s in lost) for c in CLASSES},
        "skipped_no_lead": skipped,
        "source": str(path),
    }
    return Beats(x, _labels(symbol), record, sample, symbol, onset, rr, spec, meta)


def _source(path: Path, records: Sequence[str]) -> dict[str, Any]:
    """Which copy of the records a beat table comes from: its folder and the size and
    modification time of each file (a file replaced or repaired since gives another key)."""
    files = [Path(path, n) for r in records for n in record_files(r)]
    return {
        "folder": str(Path(path).resolve()),
        "files": [[f.stat().st_size, f.stat().st_mtime_ns] for f in files],
    }


def _params(records: Sequence[str], spec: WindowSpec, path: Path) -> dict[str, Any]:
    from tscam import __version__

    sums = release_checksums()
    return {
        "spec": dataclasses.asdict(spec),
        "rhythm": {"local_beats": LOCAL_BEATS, "long_beats": LONG_BEATS},
        "records": list(records),
        "sha256": [sums[n] for r in records for n in record_files(r)],
        "source": _source(path, records),
        "tscam": __version__,
    }


def beat_table(
    data_dir: Path | str | None = None,
    records: Sequence[str] = ALL_RECORDS,
    spec: WindowSpec = DEFAULT_SPEC,
    *,
    cache: bool = True,
) -> Beats:
    """All beats of ``records`` (not normalised), read from the cache or extracted and cached.

    The cache lives in ``$TSCAM_CACHE/beats`` (default ``~/.cache/tscam/beats``); its key
    includes the copy of the records it was extracted from (folder, file sizes and times), so
    the database is located first (``data_dir``, ``$TSCAM_MITDB``, the user cache, downloading
    what it lacks): a ``data_dir`` that does not exist is an error even when beats are cached.
    """
    records = check_records(records)
    source = locate_mitdb(data_dir, records)
    params = _params(records, spec, source)
    key = cache_key(params)
    path = cache_dir() / "beats" / f"beats-{key}.npz"
    if cache:
        hit = load_npz(path, key)
        if hit is not None:
            arrays, meta = hit
            return Beats(**arrays, spec=spec, meta=meta)
    beats = extract_all(source, records, spec)
    if cache:
        meta = {**beats.meta, "key": key, "params": params}
        arrays = {k: getattr(beats, k) for k in ARRAYS}
        save_npz_atomic(path, arrays, json.loads(json.dumps(meta)))
        beats.meta = meta
    return beats


def _stratified_parts(y: np.ndarray, fractions: Sequence[float], seed: int) -> list[np.ndarray]:
    """Split indices so that each class is divided in the given fractions (sorted indices)."""
    rng = np.random.default_rng(seed)
    out: list[list[np.ndarray]] = [[] for _ in fractions]
    edges = np.cumsum(fractions)[:-1]
    for k in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == k))
        cuts = np.rint(edges * idx.size).astype(int)
        for i, part in enumerate(np.split(idx, cuts)):
            out[i].append(part)
    return [np.sort(np.concatenate(p)) for p in out]


def split_indices(beats: Beats, split: str, seed: int = SPLIT_SEED) -> dict[str, np.ndarray]:
    """Indices of train/val/test in a table of the 44 AAMI records.

    - ``"inter"``: de Chazal et al. (2004): test = every beat of DS2; validation = every beat
      of the five DS1 records in ``INTER_VAL_RECORDS``, train = the other 17 DS1 records. No
      patient is in two parts, so model selection, like the test, is done on unseen patients.
    - ``"intra"``: every beat of the 44 records, split per class into 70 / 10 / 20 % at random:
      the same patients appear in train and test (the optimistic setting of many papers).
    """
    if split == "inter":
        val = np.isin(beats.record, INTER_VAL_RECORDS)
        return {
            "train": np.flatnonzero(np.isin(beats.record, DS1) & ~val),
            "val": np.flatnonzero(val),
            "test": np.flatnonzero(np.isin(beats.record, DS2)),
        }
    if split == "intra":
        aami = np.flatnonzero(np.isin(beats.record, AAMI_RECORDS))
        tr, va, te = _stratified_parts(beats.y[aami], INTRA_FRACTIONS, seed)
        return {"train": aami[tr], "val": aami[va], "test": aami[te]}
    raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")


def concat_beats(parts: Sequence[Beats]) -> Beats:
    """One beats object holding the beats of ``parts`` in order (same window, same meta as the
    first part; e.g. the training and validation parts of a split, to train on both)."""
    if not parts:
        raise ValueError("concat_beats needs at least one beats object.")
    first = parts[0]
    if any(p.spec != first.spec for p in parts):
        raise ValueError("concat_beats: the parts were cut with different windows (spec).")
    if any((p.rr is None) != (first.rr is None) for p in parts):
        raise ValueError("concat_beats: some parts carry RR features and some do not.")
    if any((p.template is None) != (first.template is None) for p in parts):
        raise ValueError("concat_beats: some parts carry dominant beats and some do not.")
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    return Beats(
        cat("x"), cat("y"), cat("record"), cat("sample"), cat("symbol"), cat("onset"),
        None if first.rr is None else cat("rr"), first.spec, dict(first.meta),
        None if first.template is None else cat("template"),
    )  # fmt: skip


def load_beats(
    split: str,
    part: str,
    data_dir: Path | str | None = None,
    *,
    normalize: str = "zscore",
    spec: WindowSpec = DEFAULT_SPEC,
) -> Beats:
    """Beats of one part of one split of the 44 non-paced records, ready for the models.

    ``split`` is ``"inter"`` (DS1 -> DS2) or ``"intra"``; ``part`` is ``"train"``, ``"val"`` or
    ``"test"``. ``normalize`` is ``"zscore"`` (each beat to mean 0, std 1 over its kept samples,
    from ``onset`` on; the default used by the shipped models) or ``"none"`` (filtered signal
    in mV).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}.")
    if normalize not in ("zscore", "none"):
        raise ValueError(f"normalize must be 'zscore' or 'none', got {normalize!r}.")
    table = beat_table(data_dir, AAMI_RECORDS, spec)
    beats = table.subset(split_indices(table, split)[part])
    if normalize == "zscore":
        beats.x = zscore(beats.x, beats.onset)
    beats.meta = {**table.meta, "split": split, "part": part, "normalize": normalize}
    return beats
