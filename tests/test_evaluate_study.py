"""tscam.evaluate.study: every measure computed once agrees with comparison_table; perturb builds
exactly the beats of a deletion curve; best_method, rank_of and verdict read tables correctly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.data import make_synthetic
from tscam.evaluate import (
    COLUMNS,
    comparison_table,
    deletion_curve,
    interpolate,
)
from tscam.evaluate.study import (
    best_method,
    evaluate_methods,
    perturb,
    rank_of,
    top_overlap,
    verdict,
)
from tscam.models import FCN, LSTMClassifier

OPTIONS = {"integrated_gradients": {"n_steps": 4}, "occlusion": {"window": 17, "stride": 17}}


@pytest.fixture(scope="module")
def data():
    return make_synthetic(12, seed=3)


@pytest.fixture(scope="module")
def fcn():
    torch.manual_seed(0)
    return FCN(n_classes=4, filters=(8, 16, 8)).eval()


@pytest.fixture(scope="module")
def lstm():
    torch.manual_seed(1)
    return LSTMClassifier(n_classes=4, segment_length=17, hidden_size=8).eval()


@pytest.mark.parametrize("which", ["fcn", "lstm"])
def test_evaluate_methods_agrees_with_comparison_table(request, data, which):
    model = request.getfixturevalue(which)
    study = evaluate_methods(
        model, data.x, name="m", data="syn", target=data.y, mask=data.mask, options=OPTIONS,
        steps=5, sanity_beats=4,
    )  # fmt: skip
    table = comparison_table(
        {"m": model}, data.x, target=data.y, mask=data.mask, steps=5, sanity_beats=4,
        options=OPTIONS,
    )  # fmt: skip
    rows = study.rows()
    assert [r["method"] for r in rows] == [r["method"] for r in table]
    for mine, theirs in zip(rows, table, strict=True):
        assert set(COLUMNS) <= set(mine) and mine["data"] == "syn" and mine["beats"] == 12
        for key in COLUMNS:
            if key in ("model", "method"):
                assert mine[key] == theirs[key]
            else:
                assert mine[key] == pytest.approx(theirs[key], abs=1e-6), (mine["method"], key)
    if which == "lstm":
        assert "cam" in study.skipped and "cam" not in study.results
    assert study.sanity_beats == 4
    curves = study.curves("insertion")
    assert set(curves) == set(study.methods) and all(c.kind == "insertion" for c in curves.values())
    assert study.maps("random").shape == (12, 187)


def test_evaluate_methods_sanity_selection(data, fcn):
    none = evaluate_methods(fcn, data.x, name="f", methods=("grad_cam",), steps=2, sanity_beats=0)
    assert none.results["grad_cam"].sanity is None and none.sanity() == {}
    assert none.rows()[0]["sanity_spearman"] is None and none.rows()[0]["relevance_mass"] is None
    picked = evaluate_methods(
        fcn, data.x, name="f", methods=("grad_cam",), steps=2, sanity_beats=[0, 5, 7]
    )
    assert picked.sanity_beats == 3
    assert [layer for layer, _ in picked.sanity()["grad_cam"]] == [
        "classifier", "block3", "block2", "block1",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="index"):
        evaluate_methods(fcn, data.x, name="f", methods=("grad_cam",), sanity_beats=[12])
    with pytest.raises(ValueError, match=">= 0"):
        evaluate_methods(fcn, data.x, name="f", methods=("grad_cam",), sanity_beats=-1)
    with pytest.raises(ValueError, match="kind"):
        none.curves("sideways")


def test_perturb_replaces_the_most_relevant_samples():
    x = torch.arange(1.0, 11.0)[None]  # one beat of 10 samples, values 1..10
    maps = torch.zeros(1, 10)
    maps[0, [7, 2, 5]] = torch.tensor([3.0, 2.0, 1.0])  # ranks: 7, 2, 5, then by position
    out, replaced = perturb(x, maps, 0.2)  # round(0.2 * 10) = 2 samples: 7 and 2
    assert replaced[0].nonzero().flatten().tolist() == [2, 7]
    expected = x.clone()
    expected[0, [2, 7]] = 0.0
    torch.testing.assert_close(out[:, 0], expected)
    ins, kept_out = perturb(x, maps, 0.2, kind="insertion")
    assert (kept_out == ~replaced).all()
    assert ins[0, 0, [2, 7]].tolist() == [3.0, 8.0] and ins[0, 0].abs().sum() == 11.0
    same, nothing = perturb(x, maps, 0.0)
    torch.testing.assert_close(same[:, 0], x) and not nothing.any()
    gone, everything = perturb(x, maps, 1.0)
    assert everything.all() and gone.abs().sum() == 0


def test_perturb_baselines_match_the_deletion_curve_code():
    x = torch.randn(3, 1, 20, generator=torch.Generator().manual_seed(0))
    maps = torch.rand(3, 20, generator=torch.Generator().manual_seed(1))
    out, replaced = perturb(x, maps, 0.5, "interp")
    torch.testing.assert_close(out, interpolate(x, ~replaced))
    means = np.stack([np.full(20, 5.0), np.full(20, -5.0)]).astype(np.float32)
    out, replaced = perturb(x, maps, 0.5, "mean", mean=means, target=[1, 0, 1])
    assert out[0, 0][replaced[0]].eq(-5.0).all() and out[1, 0][replaced[1]].eq(5.0).all()
    assert out[0, 0][~replaced[0]].equal(x[0, 0][~replaced[0]])
    with pytest.raises(ValueError, match="target"):
        perturb(x, maps, 0.5, "mean", mean=means)
    with pytest.raises(ValueError, match="fraction"):
        perturb(x, maps, 1.5)
    with pytest.raises(ValueError, match="kind"):
        perturb(x, maps, 0.5, kind="sideways")


def test_perturb_gives_the_beats_behind_a_deletion_curve(data, fcn):
    maps = torch.rand(12, 187, generator=torch.Generator().manual_seed(2))
    curve = deletion_curve(fcn, data.x, maps, data.y, steps=4)
    beats, _ = perturb(data.x, maps, 0.5)  # step 2 of 4: round(93.5) = 94 samples
    with torch.no_grad():
        p = torch.softmax(fcn(beats), 1)[torch.arange(12), torch.as_tensor(data.y)]
    np.testing.assert_allclose(p.numpy(), curve.probs[:, 2], rtol=1e-5, atol=1e-6)


ROWS = [
    {"data": "d", "model": "A", "method": "cam", "deletion_auc": 0.3, "insertion_auc": 0.7,
     "sanity_spearman": 0.1, "relevance_mass": 0.6},
    {"data": "d", "model": "A", "method": "grad_cam", "deletion_auc": 0.2, "insertion_auc": 0.6,
     "sanity_spearman": 0.8, "relevance_mass": 0.1},
    {"data": "d", "model": "A", "method": "saliency", "deletion_auc": 0.5, "insertion_auc": 0.9,
     "sanity_spearman": 0.0, "relevance_mass": 0.3},
    {"data": "d", "model": "A", "method": "random", "deletion_auc": 0.4, "insertion_auc": 0.5,
     "sanity_spearman": 1.0, "relevance_mass": 0.2},
    {"data": "e", "model": "B", "method": "cam", "deletion_auc": 0.9, "insertion_auc": 0.1,
     "sanity_spearman": None, "relevance_mass": None},
]  # fmt: skip


def test_best_method_and_rank_of_follow_the_direction_of_each_measure():
    assert best_method(ROWS, "deletion_auc", model="A") == ("grad_cam", 0.2)  # lower is better
    assert best_method(ROWS, "insertion_auc", model="A") == ("saliency", 0.9)
    assert best_method(ROWS, "sanity_spearman", model="A") == ("saliency", 0.0)
    assert best_method(ROWS, "deletion_auc", model="A", exclude=()) == ("grad_cam", 0.2)
    assert best_method(ROWS, "relevance_mass", model="B") is None
    assert rank_of(ROWS, "grad_cam", "deletion_auc", model="A") == (1, 3)
    assert rank_of(ROWS, "grad_cam", "insertion_auc", model="A") == (3, 3)
    assert rank_of(ROWS, "random", "insertion_auc", model="A") is None  # excluded
    assert rank_of(ROWS, "random", "insertion_auc", model="A", exclude=()) == (4, 4)


def test_verdict_names_best_failing_and_random_beating_methods():
    text = verdict(ROWS, threshold=0.5, uniform={"d": 0.25}, labels={"grad_cam": "Grad-CAM"})
    assert len(text) == 2 and text[0].startswith("**A on d.**") and text[1].startswith("**B on e")
    a = text[0]
    assert "most faithful method is Grad-CAM (0.200; random order 0.400)" in a
    assert "by insertion AUC saliency (0.900" in a
    assert "Saliency did not clearly beat the random order on deletion" in a
    assert "Grad-CAM failed the sanity check" in a and "cam failed" not in a
    assert "from cam (60%)" in a and "uniform map would put 25% there" in a
    assert "Grad-CAM did no better" in a
    assert "Grad-CAM ranks 1 of 3 by deletion AUC, 3 of 3 by insertion AUC" in a
    passing = verdict([r for r in ROWS if r["method"] != "grad_cam"], threshold=0.5)
    assert "Every method passed the sanity check" in passing[0]


def test_verdict_weighs_differences_against_their_standard_errors():
    rows = [
        {"model": "A", "method": "cam", "deletion_auc": 0.30, "deletion_auc_se": 0.01,
         "insertion_auc": 0.7, "insertion_auc_se": 0.02},
        {"model": "A", "method": "grad_cam", "deletion_auc": 0.37, "deletion_auc_se": 0.03,
         "insertion_auc": 0.6, "insertion_auc_se": 0.02},
        {"model": "A", "method": "random", "deletion_auc": 0.40, "deletion_auc_se": 0.02,
         "insertion_auc": 0.5, "insertion_auc_se": 0.02},
    ]  # fmt: skip
    (text,) = verdict(rows)
    assert "most faithful method is cam (0.300 ± 0.010; random order 0.400 ± 0.020)" in text
    # grad_cam is 0.03 below random, less than 2 * hypot(0.03, 0.02) = 0.072: not clear.
    assert "random order on deletion" in text and "Grad_cam did not clearly beat" in text
    rows[1]["deletion_auc_se"] = 0.001
    rows[2]["deletion_auc_se"] = 0.001
    (text,) = verdict(rows)
    assert "Every method clearly beat the random order on deletion" in text


def test_rows_carry_paired_standard_errors_against_the_random_map(data, fcn):
    study = evaluate_methods(
        fcn, data.x, name="f", methods=("grad_cam", "random"), steps=4, sanity_beats=0
    )
    rows = {r["method"]: r for r in study.rows()}
    diff = (
        study.results["grad_cam"].deletion.auc_per_beat()
        - study.results["random"].deletion.auc_per_beat()
    )
    assert rows["grad_cam"]["deletion_auc_vs_random_se"] == pytest.approx(
        diff.std(ddof=1) / np.sqrt(12)
    )
    assert "insertion_auc_vs_random_se" in rows["grad_cam"]
    assert "deletion_auc_vs_random_se" not in rows["random"]
    alone = evaluate_methods(fcn, data.x, name="f", methods=("grad_cam",), steps=2, sanity_beats=0)
    assert "deletion_auc_vs_random_se" not in alone.rows()[0]


def test_verdict_prefers_the_paired_standard_error_and_checks_insertion_too():
    rows = [
        {"model": "A", "method": "grad_cam", "deletion_auc": 0.37, "deletion_auc_se": 0.03,
         "deletion_auc_vs_random_se": 0.005, "insertion_auc": 0.55, "insertion_auc_se": 0.03,
         "insertion_auc_vs_random_se": 0.04},
        {"model": "A", "method": "random", "deletion_auc": 0.40, "deletion_auc_se": 0.02,
         "insertion_auc": 0.5, "insertion_auc_se": 0.02},
    ]  # fmt: skip
    (text,) = verdict(rows)
    # Deletion: 0.03 > 2 * 0.005 (paired), although 0.03 < 2 * hypot(0.03, 0.02) (unpaired).
    assert "Every method clearly beat the random order on deletion." in text
    # Insertion: 0.05 < 2 * 0.04.
    assert "Grad_cam did not clearly beat the random order on insertion." in text


def test_top_overlap_of_the_brightest_samples():
    a = torch.zeros(2, 20)
    a[0, :2] = 1.0  # top 10 % (2 samples): 0 and 1
    a[1, 10:12] = 1.0
    b = torch.zeros(2, 20)
    b[0, 1:3] = 1.0  # shares sample 1 with a[0]
    b[1, 10:12] = 5.0  # the same two samples as a[1]
    np.testing.assert_allclose(top_overlap(a, b), [0.5, 1.0])
    np.testing.assert_allclose(top_overlap(a, a, fraction=0.5), [1.0, 1.0])
    rng = np.random.default_rng(0)
    x, y = rng.random((400, 187)), rng.random((400, 187))
    assert top_overlap(x, y, 0.2).mean() == pytest.approx(0.2, abs=0.02)  # unrelated maps
    with pytest.raises(ValueError, match="fraction"):
        top_overlap(a, b, fraction=0.0)
    with pytest.raises(ValueError, match=r"\(n, T\)"):
        top_overlap(a[0], b[0])
    with pytest.raises(ValueError, match="shape"):
        top_overlap(a, b[:, :10])
