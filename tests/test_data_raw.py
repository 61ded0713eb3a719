"""tscam.data.raw.record_excerpt on the real database: the excerpt is the stored signal of the
lead asked for (by name), in mV, with exactly the beat annotations inside its time span."""

from __future__ import annotations

import numpy as np
import pytest

from tscam.data import AAMI_MAP, ChecksumError, LeadNotFoundError, UnknownRecordError
from tscam.data.beats import read_beat_annotations, read_lead
from tscam.data.raw import record_excerpt


def test_excerpt_of_record_100_matches_the_full_record(mitdb_dir):
    ex = record_excerpt("100", start_s=2.0, duration_s=10.0, data_dir=mitdb_dir)
    assert (ex.record, ex.lead, ex.fs, ex.units) == ("100", "MLII", 360, "mV")
    assert ex.leads == ("MLII", "V5") and ex.record_samples == 650_000
    assert ex.start == 720 and ex.signal.shape == (3600,) and ex.duration_s == 10.0
    np.testing.assert_allclose(ex.time[[0, -1]], [2.0, 2.0 + 3599 / 360])
    full, fs = read_lead(mitdb_dir, "100", "MLII")  # converted by hand, whole record
    np.testing.assert_allclose(ex.signal, full[720:4320])
    samples, symbols = read_beat_annotations(mitdb_dir, "100")
    inside = (samples >= 720) & (samples < 4320)
    np.testing.assert_array_equal(ex.ann_sample, samples[inside])
    np.testing.assert_array_equal(ex.ann_symbol, symbols[inside])
    assert list(ex.ann_class) == [AAMI_MAP[s] for s in symbols[inside]]
    assert "A" in ex.ann_symbol and ex.ann_class[list(ex.ann_symbol).index("A")] == "S"
    np.testing.assert_allclose(ex.rr_intervals(), np.diff(samples[inside]) / 360)
    assert ex.comments and ex.comments[0].startswith("69 M")  # age and sex of the patient


def test_lead_is_chosen_by_name_not_position(mitdb_dir):
    ex = record_excerpt("114", 0.0, 5.0, data_dir=mitdb_dir)  # MLII is the second signal
    assert ex.leads == ("V5", "MLII") and ex.lead == "MLII"
    full, _ = read_lead(mitdb_dir, "114", "MLII")
    np.testing.assert_allclose(ex.signal, full[:1800])
    v5 = record_excerpt("114", 0.0, 5.0, lead="V5", data_dir=mitdb_dir)
    assert not np.allclose(v5.signal, ex.signal)


def test_excerpt_is_cut_at_the_end_of_the_record(mitdb_dir):
    ex = record_excerpt("100", start_s=1800.0, duration_s=60.0, data_dir=mitdb_dir)
    assert ex.signal.shape == (650_000 - 648_000,)
    assert (ex.ann_sample < 650_000).all() and (ex.ann_sample >= 648_000).all()


def test_bad_requests_say_what_is_wrong(mitdb_dir, tmp_path):
    with pytest.raises(UnknownRecordError, match="999"):
        record_excerpt("999", data_dir=mitdb_dir)
    with pytest.raises(ValueError, match="start_s"):
        record_excerpt("100", start_s=-1, data_dir=mitdb_dir)
    with pytest.raises(ValueError, match="duration_s"):
        record_excerpt("100", duration_s=0, data_dir=mitdb_dir)
    with pytest.raises(ValueError, match="past the end"):
        record_excerpt("100", start_s=2000, data_dir=mitdb_dir)
    with pytest.raises(LeadNotFoundError, match=r"MLII.*V5"):
        record_excerpt("100", lead="V1", data_dir=mitdb_dir)
    for ext in ("hea", "dat", "atr"):  # a damaged copy is refused, not read
        (tmp_path / f"100.{ext}").write_bytes((mitdb_dir / f"100.{ext}").read_bytes())
    (tmp_path / "100.atr").write_bytes(b"\x00" * 16)
    with pytest.raises(ChecksumError, match="100.atr"):
        record_excerpt("100", data_dir=tmp_path)
