"""The patient's dominant beat (issue 17, item 2): the median window of each record, as the
three input channels beat / dominant beat / difference, through training and prediction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.data import BEAT_SPEC, Beats, concat_beats, zscore
from tscam.data.dominant import dominant_beats, template_channels
from tscam.models import FCN, predict_logits
from tscam.train import fit


def _beats(n: int = 12, records: tuple[str, ...] = ("100", "232"), seed: int = 0) -> Beats:
    rng = np.random.default_rng(seed)
    x = zscore(rng.standard_normal((n, 88)).astype(np.float32))
    rec = np.array([records[i % len(records)] for i in range(n)])
    y = np.arange(n) % 3
    return Beats(
        x, y.astype(np.int64), rec, np.arange(n), np.array(["N"] * n),
        rr=rng.uniform(0.5, 1.2, (n, 4)).astype(np.float32), spec=BEAT_SPEC,
    )  # fmt: skip


def test_the_dominant_beat_is_the_z_scored_median_of_the_record_by_hand():
    x = np.array([[0, 1, 2, 3], [2, 2, 2, 6], [10, 0, 0, 0], [1, 1, 1, 1]], dtype=np.float32)
    rec = np.array(["a", "a", "b", "a"])
    d = dominant_beats(x, rec)
    med_a = np.array([1, 1, 2, 3], dtype=np.float32)  # sample-wise median of rows 0, 1, 3
    want_a = (med_a - med_a.mean()) / med_a.std()
    want_b = (x[2] - x[2].mean()) / x[2].std()  # a record of one beat: that beat
    np.testing.assert_allclose(d[[0, 1, 3]], np.tile(want_a, (3, 1)), rtol=1e-6)
    np.testing.assert_allclose(d[2], want_b, rtol=1e-6)
    ch = template_channels(x, d)
    assert ch.shape == (4, 3, 4) and ch.dtype == np.float32
    np.testing.assert_array_equal(ch[:, 0], x)
    np.testing.assert_array_equal(ch[:, 1], d)
    np.testing.assert_array_equal(ch[:, 2], x - d)


def test_bad_shapes_are_refused_with_the_shapes_named():
    with pytest.raises(ValueError, match=r"\(n, T\)"):
        dominant_beats(np.zeros((3, 4)), np.array(["a", "b"]))
    with pytest.raises(ValueError, match="same shape"):
        template_channels(np.zeros((3, 4)), np.zeros((3, 5)))


def test_beats_carry_their_dominant_beats_through_subset_and_concat():
    b = _beats().with_template()
    np.testing.assert_array_equal(b.template, dominant_beats(b.x, b.record))
    part = b.subset(b.record == "232")
    np.testing.assert_array_equal(part.template, b.template[b.record == "232"])
    both = concat_beats([b.subset(slice(0, 5)), b.subset(slice(5, None))])
    np.testing.assert_array_equal(both.template, b.template)
    with pytest.raises(ValueError, match="dominant beats"):
        concat_beats([b, _beats()])
    assert b.tensor().shape == (12, 1, 88) and b.tensor(template=True).shape == (12, 3, 88)
    with pytest.raises(ValueError, match="with_template"):
        _beats().tensor(template=True)


def test_a_three_channel_model_reads_beat_template_and_difference():
    torch.manual_seed(0)
    model = FCN(in_channels=3, n_rhythm=4).eval()
    b = _beats().with_template()
    want = model(torch.from_numpy(template_channels(b.x, b.template)), torch.from_numpy(b.rhythm))
    torch.testing.assert_close(predict_logits(model, b), want.detach())
    with pytest.raises(ValueError, match="with_template"):
        predict_logits(model, _beats())


def test_fit_trains_a_three_channel_model_on_augmented_beats_and_their_templates():
    b = _beats(n=48).with_template()
    out = fit("fcn", b, b, epochs=1, batch_size=16, lr=1e-3, progress=False,
              model_config={"in_channels": 3, "n_rhythm": 4, "filters": (8, 8, 8)})  # fmt: skip
    assert out["model"].block1[0].in_channels == 3 and len(out["val_logits"]) == 1
    assert np.isfinite(out["val_logits"][0]).all()
    with pytest.raises(ValueError, match="with_template"):
        fit("fcn", _beats(n=48), epochs=1, batch_size=16, lr=1e-3, progress=False,
            model_config={"in_channels": 3})  # fmt: skip
