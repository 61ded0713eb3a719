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
    MASKED_SPEC,
    LeadNotFoundError,
    beat_table,
    extract_record,
    load_beats,
    neighbour_in_window,
    split_indices,
)

# Published counts (AAMI mapping, 44 non-paced records, before dropping edge beats).
EXPECTED_ALL = {"N": 90125, "S": 2781, "V": 7009, "F": 803, "Q": 15}
EXPECTED_DS1 = {"N": 45866, "S": 944, "V": 3788, "F": 415, "Q": 8}
EXPECTED_DS2 = {"N": 44259, "S": 1837, "V": 3221, "F": 388, "Q": 7}


@pytest.fixture(scope="module")
def table(mitdb_dir):
    return beat_table(mitdb_dir, AAMI_RECORDS)


@pytest.fixture(scope="module")
def masked_table(mitdb_dir):
    """The course's first design (187 samples, the previous beat masked): fcn-inter-masked."""
    return beat_table(mitdb_dir, AAMI_RECORDS, MASKED_SPEC)


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
    assert table.x.dtype == np.float32 and table.x.shape[1] == DEFAULT_SPEC.length
    assert table.y.dtype == np.int64
    assert np.isfinite(table.x).all()
    labels = np.array([CLASSES.index(AAMI_MAP[s]) for s in table.symbol])
    np.testing.assert_array_equal(labels, table.y)
    assert set(np.unique(table.record)) == set(AAMI_RECORDS)
    for r in ("100", "208"):
        s = table.sample[table.record == r]
        assert (np.diff(s) > 0).all()


@pytest.mark.parametrize("name, spec", [("table", DEFAULT_SPEC), ("masked_table", MASKED_SPEC)])
def test_r_peak_sits_at_its_documented_index(request, name, spec):
    table = request.getfixturevalue(name)
    assert table.x.shape[1] == spec.length
    normal = table.x[(table.y == 0) & (table.record == "100")]
    mean_beat = normal.mean(axis=0)
    assert abs(int(np.argmax(mean_beat)) - spec.r_index) <= 2
    # both windows split into the LSTM's 11 segments (of 8 and of 17 samples), at 125 Hz
    assert DEFAULT_SPEC.length == 11 * 8 and MASKED_SPEC.length == 11 * 17
    assert spec.fs == 125


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
    assert n_val.tolist()[:4] == [9737, 329, 789, 32]
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


@pytest.mark.parametrize("spec", [DEFAULT_SPEC, MASKED_SPEC], ids=["default", "masked"])
def test_load_beats_public_contract(mitdb_dir, spec):
    beats = load_beats("inter", "test", mitdb_dir, spec=spec)
    length = spec.length
    assert beats.x.shape == (len(beats), length) and beats.x.dtype == np.float32
    assert beats.y.dtype == np.int64 and beats.y.max() < len(CLASSES)
    assert len(beats.record) == len(beats.sample) == len(beats.symbol) == len(beats)
    assert (beats.onset > 0).any() if spec.mask_previous else (beats.onset == 0).all()
    kept = np.arange(length)[None, :] >= beats.onset[:, None]
    n_kept = kept.sum(axis=1)
    mean = np.where(kept, beats.x, 0).sum(axis=1) / n_kept
    var = (np.where(kept, beats.x, 0) ** 2).sum(axis=1) / n_kept - mean**2
    np.testing.assert_allclose(mean, 0, atol=1e-4)
    np.testing.assert_allclose(var, 1, atol=2e-3)
    assert (beats.x[~kept] == 0).all()
    raw = load_beats("inter", "test", mitdb_dir, normalize="none", spec=spec)
    assert np.abs(raw.x).max() < 20  # millivolts
    assert beats.tensor().shape == (len(beats), 1, length)
    with pytest.raises(ValueError, match="split must be one of"):
        load_beats("cross", "test", mitdb_dir)
    with pytest.raises(ValueError, match="part must be one of"):
        load_beats("inter", "dev", mitdb_dir)


def test_each_masked_window_holds_one_beat(masked_table):
    """MASKED_SPEC: samples before the midpoint with the previous R peak are zero; the onset
    encodes RR."""
    table = masked_table
    r = table.record == "100"
    x, onset, sample = table.x[r], table.onset[r], table.sample[r]
    rr_125 = (sample[1:] - sample[:-1]) * 125 / 360
    expected = np.clip(MASKED_SPEC.r_index - np.rint(rr_125 / 2), 0, MASKED_SPEC.r_index)
    np.testing.assert_allclose(onset[1:], expected, atol=1)
    for i in (1, 50, 500):
        assert (x[i, : onset[i]] == 0).all() and (x[i, onset[i] :] != 0).mean() > 0.99
    # premature (S) beats start later in the window than normal beats: the RR context
    s_beats = table.onset[table.y == 1]
    n_beats = table.onset[table.y == 0]
    assert np.median(s_beats) > np.median(n_beats) + 5


def test_beat_windows_mask_nothing_and_mark_the_neighbours_that_intrude(table):
    """DEFAULT_SPEC (BEAT_SPEC): nothing is masked, so the window does not encode RR; a
    neighbouring R peak may fall inside it, and neighbour_in_window (from the RR table) says
    exactly when it does, checked against the annotated R peaks on the 125 Hz window grid."""
    spec = DEFAULT_SPEC
    assert not spec.mask_previous and (table.onset == 0).all()
    r = table.record == "100"
    for i in (1, 50, 500):
        assert (table.x[r][i] != 0).mean() > 0.99
    flagged = neighbour_in_window(table.rr, spec)
    assert 0 < flagged.sum() < 0.05 * len(table)  # a few fast beats only
    half_sample = 0.5 / spec.fs + 1e-6
    for record in AAMI_RECORDS:
        mine = table.record == record
        sample, rr, got = table.sample[mine], table.rr[mine], flagged[mine]
        # index of the previous (next) R peak in each window: r_index -/+ the RR in samples
        d = np.rint(np.diff(sample) * spec.fs / 360).astype(np.int64)
        previous_in = np.r_[False, spec.r_index - d >= 0]
        next_in = np.r_[spec.r_index + d < spec.length, False]
        # inner beats (the first and last kept beat may have a dropped neighbour)
        differ = ((previous_in | next_in) != got)[1:-1]
        rr_inner = rr[1:-1][differ]
        # they can differ only by the rounding to the window's grid, at its very edges
        at_edge = (np.abs(rr_inner[:, 0] - spec.seconds_before) <= half_sample) | (
            np.abs(rr_inner[:, 1] - spec.seconds_after) <= half_sample
        )
        assert at_edge.all(), record
    # premature (S) beats let a neighbour in more often than normal beats
    assert flagged[table.y == 1].mean() > flagged[table.y == 0].mean()
