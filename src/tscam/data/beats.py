"""Turn MIT-BIH records into fixed-length, R-peak-aligned, labelled beat windows with their rhythm.

Preprocessing, in the order applied (documented in the course's first chapter):

1. Read one lead **by name** (``MLII`` by default) in physical units (mV), 360 Hz.
2. Resample the whole record to 125 Hz (polyphase, factor 25/72, with its anti-alias filter).
3. Band-pass 0.5-40 Hz (2nd-order Butterworth, zero-phase): removes baseline wander below
   0.5 Hz and mains/muscle noise above 40 Hz without shifting the waves in time.
4. Cut a window around each annotated beat. Two designs (:class:`WindowSpec`):

   - :data:`BEAT_SPEC` (= :data:`DEFAULT_SPEC`, the window of the shipped models), morphology
     only: 88 samples (0.696 s from first to last sample) with
     the annotated R peak at index 36, 0.288 s before it (the P wave starts 0.12-0.20 s before
     the R peak) and 0.408 s after (about the end of the T wave at resting rates). 88 = 11 x 8:
     the LSTM reads the window as 11 segments of 8 samples (64 ms). No sample is changed, so the
     window says nothing about the beat's timing. A neighbouring R peak falls inside it only when
     an RR interval is at most 0.288 s (before) or 0.408 s (after), a rate above 147 beats per
     minute: :func:`neighbour_in_window` marks those beats. (Of the 88-sample windows with the R
     peak at 28, 32 or 36, the last lets the fewest neighbours in.)
   - :data:`MASKED_SPEC`, the course's first design, kept for ``fcn-inter-masked`` (the
     shipped models use BEAT_SPEC, :data:`DEFAULT_SPEC`): 187 samples (1.496 s) with the R
     peak at index 112, and every sample before the midpoint with the previous R peak set to
     zero. The length of that zero run, 0.896 s minus half the previous RR interval, grows as
     the beat comes earlier: the network can read the beat's timing from padding. ``onset``
     stores the first kept index of each window (0 when nothing is masked; the first beat of a
     record keeps its whole window).

5. The beat's timing is measured separately, from the R-peak times of all beats of the record
   (:mod:`tscam.data.rhythm`): previous and next RR interval, a local and a long-span average
   rate, stored as ``rr`` with the beats; models with a rhythm head read them as explicit
   features.
6. Beats whose window would leave the record are dropped and counted.

Per-beat normalisation (z-score over the kept part of the window, by default) is applied when
beats are loaded, not stored, so the cache keeps the filtered signal in mV.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal as sps

from tscam.data.errors import LeadNotFoundError, NoBeatsError
from tscam.data.records import AAMI_MAP, DEFAULT_LEAD, MITDB_FS
from tscam.data.rhythm import rr_features


@dataclass(frozen=True)
class WindowSpec:
    """Where and how beats are cut. Every field is part of the cache key."""

    fs: int = 125  #: sampling rate of the windows (Hz)
    length: int = 187  #: samples per window (11 x 17 or 11 x 8 for the LSTM chapter)
    r_index: int = 112  #: index of the annotated R peak inside the window
    band_hz: tuple[float, float] = (0.5, 40.0)  #: band-pass edges (Hz)
    lead: str = DEFAULT_LEAD
    #: zero the samples before the midpoint with the previous R peak (the masked design)
    mask_previous: bool = True

    @property
    def seconds_before(self) -> float:
        return self.r_index / self.fs

    @property
    def seconds_after(self) -> float:
        return (self.length - 1 - self.r_index) / self.fs

    def time_axis(self) -> np.ndarray:
        """Seconds relative to the R peak for each sample of a window."""
        return (np.arange(self.length) - self.r_index) / self.fs

    @classmethod
    def from_dict(cls, d: dict) -> WindowSpec:
        """The spec a model card records (``card["data"]["window"]``, a dict of the fields)."""
        unknown = set(d) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown window fields {sorted(unknown)}; a WindowSpec has "
                             f"{[f.name for f in dataclasses.fields(cls)]}.")  # fmt: skip
        return cls(**{**d, **({"band_hz": tuple(d["band_hz"])} if "band_hz" in d else {})})


#: The morphology-only window (88 samples, R peak at 36, nothing masked).
BEAT_SPEC = WindowSpec(length=88, r_index=36, mask_previous=False)
#: The first design: 187 samples, R peak at 112, the previous beat masked with zeros.
MASKED_SPEC = WindowSpec(length=187, r_index=112, mask_previous=True)
#: The window of the shipped models (the masked design survives in `fcn-inter-masked`).
DEFAULT_SPEC = BEAT_SPEC


@dataclass
class RecordBeats:
    """Beats of one record, before any split."""

    record: str
    x: np.ndarray  # (n, length) float32, filtered mV
    symbol: np.ndarray  # (n,) '<U1' annotation symbols
    sample: np.ndarray  # (n,) int64 annotation sample index at 360 Hz
    onset: np.ndarray  # (n,) int64 first kept index of each window (0: whole window)
    rr: np.ndarray  # (n, 4) float32 RR features in seconds (tscam.data.rhythm.RR_FEATURES)
    dropped_symbols: str  # symbols of the beats whose window left the record, in order

    @property
    def n_dropped_edge(self) -> int:
        return len(self.dropped_symbols)


@contextmanager
def _quiet_wfdb() -> Iterator[None]:
    """Silence deprecation warnings that wfdb triggers inside pandas (not ours to fix)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"wfdb\.")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"wfdb\.")
        warnings.filterwarnings("ignore", message=r".*inplace keyword.*")
        yield


def read_lead(path: Path, record: str, lead: str = DEFAULT_LEAD) -> tuple[np.ndarray, int]:
    """Read one lead of a record by its name; return (signal in mV as float64, fs).

    The samples are read as stored (digital) and only the requested lead is converted to
    physical units, ``(d - baseline) / gain``, as wfdb would do for every lead.
    """
    import wfdb

    with _quiet_wfdb():
        header = wfdb.rdheader(str(path / record))
        if lead not in header.sig_name:
            raise LeadNotFoundError(
                f"Record {record} has no lead {lead!r}; its leads are {header.sig_name}. "
                f"(Records 102 and 104 have no MLII.) Pick another lead with lead=..., or leave "
                f"this record out."
            )
        i = header.sig_name.index(lead)
        rec = wfdb.rdrecord(str(path / record), channels=[i], physical=False)
    digital = rec.d_signal[:, 0]
    if rec.fmt[0] == "212" and (digital == -2048).any():
        raise ValueError(f"Record {record} lead {lead} has missing samples (value -2048).")
    sig = (digital - rec.baseline[0]) / rec.adc_gain[0]
    return sig.astype(np.float64), int(rec.fs)


def read_beat_annotations(path: Path, record: str) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and symbols of the beat annotations of a record (non-beats removed)."""
    import wfdb

    with _quiet_wfdb():
        ann = wfdb.rdann(str(path / record), "atr")
    symbols = np.asarray(ann.symbol, dtype="<U1") if ann.symbol else np.empty(0, "<U1")
    is_beat = np.isin(symbols, list(AAMI_MAP))
    if not is_beat.any():
        raise NoBeatsError(
            f"The annotation file of record {record} ({path / record}.atr) contains no beat "
            f"annotations (symbols {sorted(set(symbols.tolist()))}); beats need symbols among "
            f"{sorted(AAMI_MAP)}. Check that the file is the reference 'atr' annotation."
        )
    return np.asarray(ann.sample, dtype=np.int64)[is_beat], symbols[is_beat]


def filter_signal(sig: np.ndarray, fs_in: int, spec: WindowSpec = DEFAULT_SPEC) -> np.ndarray:
    """Resample to ``spec.fs`` and band-pass filter (zero phase)."""
    g = np.gcd(spec.fs, fs_in)
    resampled = sps.resample_poly(sig, spec.fs // g, fs_in // g)
    sos = sps.butter(2, spec.band_hz, btype="bandpass", fs=spec.fs, output="sos")
    return sps.sosfiltfilt(sos, resampled)


def cut_windows(
    filtered: np.ndarray, samples: np.ndarray, fs_in: int, spec: WindowSpec = DEFAULT_SPEC
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows around each R peak (given at ``fs_in``, in order), the mask of beats that fit, and
    each kept window's onset (first sample after the midpoint with the previous R peak)."""
    r = np.rint(samples * (spec.fs / fs_in)).astype(np.int64)
    start = r - spec.r_index
    keep = (start >= 0) & (start + spec.length <= filtered.shape[0])
    idx = start[keep, None] + np.arange(spec.length)[None, :]
    x = filtered[idx].astype(np.float32)
    onset = np.zeros(len(r), dtype=np.int64)
    if spec.mask_previous and len(r) > 1:
        half_rr = np.rint((r[1:] - r[:-1]) / 2).astype(np.int64)
        onset[1:] = np.clip(spec.r_index - half_rr, 0, spec.r_index)
    onset = onset[keep]
    x[np.arange(spec.length)[None, :] < onset[:, None]] = 0.0
    return x, keep, onset


def extract_record(path: Path, record: str, spec: WindowSpec = DEFAULT_SPEC) -> RecordBeats:
    """All beats of one record as windows (see the module docstring for each step)."""
    sig, fs_in = read_lead(path, record, spec.lead)
    samples, symbols = read_beat_annotations(path, record)
    if fs_in != MITDB_FS:
        raise ValueError(f"Record {record} has fs={fs_in} Hz, expected {MITDB_FS} Hz.")
    x, keep, onset = cut_windows(filter_signal(sig, fs_in, spec), samples, fs_in, spec)
    rr = rr_features(samples, fs_in)[keep]  # from every beat of the record, edge beats included
    return RecordBeats(record, x, symbols[keep], samples[keep], onset, rr, "".join(symbols[~keep]))


def neighbour_in_window(rr: np.ndarray, spec: WindowSpec = DEFAULT_SPEC) -> np.ndarray:
    """(n,) bool: the previous or the next R peak lies inside the beat's window, from its RR
    table (columns ``pre_rr, post_rr, ...`` in seconds, :data:`~tscam.data.rhythm.RR_FEATURES`).
    With ``spec.mask_previous`` only the next R peak counts (the previous one is masked)."""
    rr = np.asarray(rr)
    after = rr[:, 1] <= spec.seconds_after
    if spec.mask_previous:
        return after
    return after | (rr[:, 0] <= spec.seconds_before)


def zscore(x: np.ndarray, onset: np.ndarray | None = None, eps: float = 1e-6) -> np.ndarray:
    """Per-beat normalisation: each window to zero mean and unit standard deviation, computed
    over the kept samples (from ``onset`` on); samples before the onset stay 0."""
    if onset is None:
        onset = np.zeros(x.shape[0], dtype=np.int64)
    kept = np.arange(x.shape[1])[None, :] >= np.asarray(onset)[:, None]
    n = kept.sum(axis=1, keepdims=True)
    mean = np.where(kept, x, 0).sum(axis=1, keepdims=True) / n
    var = (np.where(kept, x - mean, 0) ** 2).sum(axis=1, keepdims=True) / n
    out = np.where(kept, (x - mean) / np.maximum(np.sqrt(var), eps), 0)
    return out.astype(np.float32)
