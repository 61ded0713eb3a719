"""A raw excerpt of one MIT-BIH record: the signal of one lead in mV, with its beat annotations.

The first chapter uses it to show what a record is before it is cut into beats::

    from tscam.data.raw import record_excerpt
    ex = record_excerpt("100", start_s=0, duration_s=10)   # 10 s of lead MLII, 360 Hz
    ex.signal          # (3600,) float64, mV, as stored (not filtered, not resampled)
    ex.ann_sample      # sample index (360 Hz, from the start of the record) of each beat
    ex.ann_symbol      # the cardiologists' symbol of each beat ('N', 'A', 'V', ...)
    ex.ann_class       # its AAMI class ('N', 'S', 'V', 'F', 'Q')

A record is three files: the header ``NNN.hea`` (leads, sampling rate, length, gains, and a
comment line with the patient's age, sex and medication), the signal ``NNN.dat`` (two leads as
12-bit integers) and the reference annotations ``NNN.atr`` (one label per beat, at its R peak,
plus rhythm and signal-quality notes). Only beat annotations are kept here (symbols of
:data:`tscam.data.AAMI_MAP`); rhythm changes and comments are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tscam.data.beats import _quiet_wfdb
from tscam.data.errors import LeadNotFoundError
from tscam.data.locate import check_records, locate_mitdb, verify_files
from tscam.data.records import AAMI_MAP, CLASSES, DEFAULT_LEAD, record_files

__all__ = ["RecordExcerpt", "record_excerpt"]


@dataclass(frozen=True)
class RecordExcerpt:
    """A time excerpt of one lead of one record, with the beat annotations that fall inside it.

    Sample indices (``start``, ``ann_sample``) count from the start of the record at ``fs``;
    :attr:`time` and :attr:`ann_time` are the same positions in seconds.
    """

    record: str
    lead: str
    fs: int  #: sampling rate (Hz), 360 for MIT-BIH
    start: int  #: index of the first sample of the excerpt in the record
    signal: np.ndarray  #: (n,) float64, the lead in physical units (``units``)
    ann_sample: np.ndarray  #: (m,) int64, position of each beat annotation (record samples)
    ann_symbol: np.ndarray  #: (m,) '<U1', the annotation symbols
    ann_class: np.ndarray  #: (m,) '<U1', AAMI class of each symbol
    leads: tuple[str, ...]  #: every lead of the record, in file order
    units: str  #: unit of ``signal`` (mV)
    record_samples: int  #: length of the whole record in samples
    comments: tuple[str, ...]  #: header comments (age, sex, medication, notes)
    class_names: tuple[str, ...] = CLASSES  #: the classes of ``ann_class``, in index order

    @property
    def time(self) -> np.ndarray:
        """Seconds from the start of the record, one value per sample of ``signal``."""
        return (self.start + np.arange(self.signal.shape[0])) / self.fs

    @property
    def ann_time(self) -> np.ndarray:
        """Seconds from the start of the record of each beat annotation."""
        return self.ann_sample / self.fs

    @property
    def duration_s(self) -> float:
        return self.signal.shape[0] / self.fs

    @property
    def record_duration_s(self) -> float:
        return self.record_samples / self.fs

    def rr_intervals(self) -> np.ndarray:
        """Seconds between consecutive beat annotations of the excerpt (length m - 1)."""
        return np.diff(self.ann_sample) / self.fs


def record_excerpt(
    record: str,
    start_s: float = 0.0,
    duration_s: float = 10.0,
    lead: str = DEFAULT_LEAD,
    data_dir: Path | str | None = None,
) -> RecordExcerpt:
    """Read ``duration_s`` seconds of lead ``lead`` of ``record`` from ``start_s`` on, in mV,
    with the beat annotations inside that time (see the module docstring).

    The database is located like everywhere in :mod:`tscam.data` (``data_dir``,
    ``$TSCAM_MITDB``, or the user cache) and the record's files are checked against the release
    checksums. The signal is returned as stored: 360 Hz, not filtered.
    """
    (record,) = check_records([record])
    if not np.isfinite(start_s) or start_s < 0:
        raise ValueError(f"start_s must be a time >= 0 in seconds; got {start_s!r}.")
    if not np.isfinite(duration_s) or duration_s <= 0:
        raise ValueError(f"duration_s must be a positive number of seconds; got {duration_s!r}.")
    path = locate_mitdb(data_dir, [record])
    verify_files(path, record_files(record))
    with _quiet_wfdb():
        import wfdb

        header = wfdb.rdheader(str(path / record))
        fs = int(header.fs)
        n_total = int(header.sig_len)
        if lead not in header.sig_name:
            raise LeadNotFoundError(
                f"Record {record} has no lead {lead!r}; its leads are {header.sig_name}. "
                "Pick one of those with lead=...."
            )
        first = int(round(start_s * fs))
        last = min(first + int(round(duration_s * fs)), n_total)
        if first >= n_total:
            raise ValueError(
                f"start_s={start_s} s is past the end of record {record}, which lasts "
                f"{n_total / fs:.1f} s; choose start_s < {n_total / fs:.1f}."
            )
        channel = header.sig_name.index(lead)
        rec = wfdb.rdrecord(str(path / record), sampfrom=first, sampto=last, channels=[channel])
        ann = wfdb.rdann(str(path / record), "atr", sampfrom=first, sampto=last - 1)
    symbols = np.asarray(ann.symbol, dtype="<U1") if ann.symbol else np.empty(0, "<U1")
    samples = np.asarray(ann.sample, dtype=np.int64)
    is_beat = np.isin(symbols, list(AAMI_MAP)) & (samples >= first) & (samples < last)
    symbols, samples = symbols[is_beat], samples[is_beat]
    classes = np.array([AAMI_MAP[s] for s in symbols], dtype="<U1")
    return RecordExcerpt(
        record=record,
        lead=lead,
        fs=fs,
        start=first,
        signal=np.asarray(rec.p_signal[:, 0], dtype=np.float64),
        ann_sample=samples,
        ann_symbol=symbols,
        ann_class=classes,
        leads=tuple(header.sig_name),
        units=str(header.units[channel]),
        record_samples=n_total,
        comments=tuple(header.comments or ()),
    )
