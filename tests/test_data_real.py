"""The beat pipeline on the real MIT-BIH database (``$TSCAM_MITDB``; required when CI is set)."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import (
    AAMI_MAP,
    AAMI_RECORDS,
    CLASSES,
    DEFAULT_SPEC,
    DS1,
    DS2,
    INTER_VAL_RECORDS,
    LeadNotFoundError,
    beat_table,
    extract_record,
    load_beats,
    split_indices,
)

# Published counts (AAMI mapping, 44 non-paced records, before dropping edge beats).
EXPECTED_ALL = {"N": 90125, "S": 2781, "V": 7009, "F": 803, "Q": 15}
EXPECTED_DS1 = {"N": 45866, "S": 944, "V": 3788, "F": 415, "Q": 8}
EXPECTED_DS2 = {"N": 44259, "S": 1837, "V": 3221, "F": 388, "Q": 7}


@pytest.fixture(scope="module")
def table(mitdb_dir):
    return beat_table(mitdb_dir, AAMI_RECORDS)


def _counts(symbols) -> dict[str, int]:
    out = dict.fromkeys(CLASSES, 0)
    for s in symbols:
        out[AAMI_MAP[s]] += 1
    return out


def test_annotation_counts_match_the_published_figures(mitdb_dir):
    """Independent oracle: count the atr beat symbols with wfdb directly."""
    import wfdb

    per_record = {}
    for r in AAMI_RECORDS:
        ann = wfdb.rdann(str(mitdb_dir / r), "atr")
        per_record[r] = _counts(s for s in ann.symbol if s in AAMI_MAP)
    for records, expected in (
        (AAMI_RECORDS, EXPECTED_ALL),
        (DS1, EXPECTED_DS1),
        (DS2, EXPECTED_DS2),
    ):
        got = {c: sum(per_record[r][c] for r in records) for c in CLASSES}
        assert got == expected


@pytest.mark.parametrize(
    ("records", "expected"),
    [(AAMI_RECORDS, EXPECTED_ALL), (DS1, EXPECTED_DS1), (DS2, EXPECTED_DS2)],
)
def test_extracted_plus_dropped_edge_beats_equal_the_published_counts(table, records, expected):
    mask = np.isin(table.record, records)
    kept = table.subset(mask).class_counts()
    dropped = _counts("".join(table.meta["dropped_edge"][r] for r in records))
    assert {c: kept[c] + dropped[c] for c in CLASSES} == expected
    # Only a handful of beats sit within a window of a record's ends.
    assert 0 < sum(dropped.values()) <= 2 * len(records) + 20


def test_beats_keep_record_sample_and_symbol(table):
    assert table.x.dtype == np.float32 and table.x.shape[1] == 187
    assert table.y.dtype == np.int64
    assert np.isfinite(table.x).all()
    labels = np.array([CLASSES.index(AAMI_MAP[s]) for s in table.symbol])
    np.testing.assert_array_equal(labels, table.y)
    assert set(np.unique(table.record)) == set(AAMI_RECORDS)
    for r in ("100", "208"):
        s = table.sample[table.record == r]
        assert (np.diff(s) > 0).all()


def test_r_peak_sits_at_its_documented_index(table):
    normal = table.x[(table.y == 0) & (table.record == "100")]
    mean_beat = normal.mean(axis=0)
    assert abs(int(np.argmax(mean_beat)) - DEFAULT_SPEC.r_index) <= 2
    assert DEFAULT_SPEC.length == 11 * 17 and DEFAULT_SPEC.fs == 125


def test_leads_are_selected_by_name(mitdb_dir):
    import wfdb

    rec = wfdb.rdrecord(str(mitdb_dir / "114"))
    assert rec.sig_name == ["V5", "MLII"]  # swapped in the database
    beats = extract_record(mitdb_dir, "114")
    # Correlate a beat with the same window cut from each raw lead: MLII must win.
    from tscam.data.beats import cut_windows, filter_signal

    windows = {
        lead: cut_windows(filter_signal(rec.p_signal[:, i], 360), beats.sample[:50], 360)[0]
        for i, lead in enumerate(rec.sig_name)
    }
    # (the first window is cut without its predecessor here, so its onset differs: skip it)
    np.testing.assert_allclose(beats.x[1:50], windows["MLII"][1:], atol=1e-5)
    assert not np.allclose(beats.x[1:50], windows["V5"][1:], atol=1e-2)


@pytest.mark.parametrize("record", ["102", "104"])
def test_records_without_mlii_raise_a_clear_error(mitdb_dir, record):
    with pytest.raises(LeadNotFoundError, match=r"has no lead 'MLII'.*V5"):
        extract_record(mitdb_dir, record)


def test_inter_patient_split_never_mixes_patients(table):
    idx = split_indices(table, "inter")
    parts = {part: set(table.record[i]) for part, i in idx.items()}
    assert parts["train"] | parts["val"] == set(DS1) and parts["test"] == set(DS2)
    # patient-wise: no record is in two parts (model selection sees only unseen patients)
    assert not parts["train"] & parts["val"]
    assert not (parts["train"] | parts["val"]) & parts["test"]
    assert parts["val"] == set(INTER_VAL_RECORDS)
    # the held-out patients have enough S, V and F beats to select a model on
    n_val = np.bincount(table.y[idx["val"]], minlength=5)
    assert n_val.tolist()[:4] == [9730, 329, 789, 32]
    assert sum(len(i) for i in idx.values()) == len(table)


def test_intra_patient_split_is_stratified_disjoint_and_fixed(table):
    a = split_indices(table, "intra")
    b = split_indices(table, "intra")
    for part in a:
        np.testing.assert_array_equal(a[part], b[part])
    all_idx = np.concatenate(list(a.values()))
    assert len(np.unique(all_idx)) == len(all_idx) == len(table)
    n = np.bincount(table.y, minlength=5)
    for part, frac in zip(("train", "val", "test"), (0.7, 0.1, 0.2), strict=True):
        np.testing.assert_allclose(np.bincount(table.y[a[part]], minlength=5), frac * n, atol=1)
    other = split_indices(table, "intra", seed=1)
    assert not np.array_equal(other["test"], a["test"])


def test_load_beats_public_contract(mitdb_dir):
    beats = load_beats("inter", "test", mitdb_dir)
    assert beats.x.shape == (len(beats), 187) and beats.x.dtype == np.float32
    assert beats.y.dtype == np.int64 and beats.y.max() < len(CLASSES)
    assert len(beats.record) == len(beats.sample) == len(beats.symbol) == len(beats)
    kept = np.arange(187)[None, :] >= beats.onset[:, None]
    n_kept = kept.sum(axis=1)
    mean = np.where(kept, beats.x, 0).sum(axis=1) / n_kept
    var = (np.where(kept, beats.x, 0) ** 2).sum(axis=1) / n_kept - mean**2
    np.testing.assert_allclose(mean, 0, atol=1e-4)
    np.testing.assert_allclose(var, 1, atol=2e-3)
    assert (beats.x[~kept] == 0).all()
    raw = load_beats("inter", "test", mitdb_dir, normalize="none")
    assert np.abs(raw.x).max() < 20  # millivolts
    assert beats.tensor().shape == (len(beats), 1, 187)
    with pytest.raises(ValueError, match="split must be one of"):
        load_beats("cross", "test", mitdb_dir)
    with pytest.raises(ValueError, match="part must be one of"):
        load_beats("inter", "dev", mitdb_dir)


def test_each_window_holds_one_beat(table):
    """Samples before the midpoint with the previous R peak are zero; the onset encodes RR."""
    r = table.record == "100"
    x, onset, sample = table.x[r], table.onset[r], table.sample[r]
    rr_125 = (sample[1:] - sample[:-1]) * 125 / 360
    expected = np.clip(DEFAULT_SPEC.r_index - np.rint(rr_125 / 2), 0, DEFAULT_SPEC.r_index)
    np.testing.assert_allclose(onset[1:], expected, atol=1)
    for i in (1, 50, 500):
        assert (x[i, : onset[i]] == 0).all() and (x[i, onset[i] :] != 0).mean() > 0.99
    # premature (S) beats start later in the window than normal beats: the RR context
    s_beats = table.onset[table.y == 1]
    n_beats = table.onset[table.y == 0]
    assert np.median(s_beats) > np.median(n_beats) + 5
