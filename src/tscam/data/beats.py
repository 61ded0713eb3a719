"""Turn MIT-BIH records into fixed-length, R-peak-aligned, labelled beat windows.

Preprocessing, in the order applied (documented in the course's first chapter):

1. Read one lead **by name** (``MLII`` by default) in physical units (mV), 360 Hz.
2. Resample the whole record to 125 Hz (polyphase, factor 25/72, with its anti-alias filter).
3. Band-pass 0.5-40 Hz (2nd-order Butterworth, zero-phase): removes baseline wander below
   0.5 Hz and mains/muscle noise above 40 Hz without shifting the waves in time.
4. Cut a window of 187 samples (1.496 s) around each annotated beat, with the annotated R peak
   at index 112: 0.896 s before it, 0.592 s after. The window holds the P wave, QRS and T wave.
5. Keep one beat per window: samples before the midpoint between the previous R peak and this
   one are set to zero (the baseline of the band-passed signal). A long window would otherwise
   show the previous beat's QRS complex too, and a translation-invariant model such as the FCN,
   which averages its features over time, could not tell which of the two QRS complexes it is
   asked about. The zero run is not lost information: its length, half the previous RR
   interval, tells how early the beat came, the RR context by which supraventricular (S)
   beats are recognised. ``onset`` stores the first kept index of each window. The first beat
   of a record (no previous beat) keeps its whole window.
6. Beats whose window would leave the record are dropped and counted.

Per-beat normalisation (z-score over the kept part of the window, by default) is applied when
beats are loaded, not stored, so the cache keeps the filtered signal in mV.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal as sps

from tscam.data.errors import LeadNotFoundError, NoBeatsError
from tscam.data.records import AAMI_MAP, DEFAULT_LEAD, MITDB_FS


@dataclass(frozen=True)
class WindowSpec:
    """Where and how beats are cut. Every field is part of the cache key."""

    fs: int = 125  #: sampling rate of the windows (Hz)
    length: int = 187  #: samples per window; 187 = 11 x 17 for the LSTM chapter
    r_index: int = 112  #: index of the annotated R peak inside the window
    band_hz: tuple[float, float] = (0.5, 40.0)  #: band-pass edges (Hz)
    lead: str = DEFAULT_LEAD
    #: zero the samples before the midpoint with the previous R peak (one beat per window)
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


DEFAULT_SPEC = WindowSpec()


@dataclass
class RecordBeats:
    """Beats of one record, before any split."""

    record: str
    x: np.ndarray  # (n, length) float32, filtered mV
    symbol: np.ndarray  # (n,) '<U1' annotation symbols
    sample: np.ndarray  # (n,) int64 annotation sample index at 360 Hz
    onset: np.ndarray  # (n,) int64 first kept index of each window (0: whole window)
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
    return RecordBeats(record, x, symbols[keep], samples[keep], onset, "".join(symbols[~keep]))


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
