"""The evaluation of a model with a rhythm head: probabilities are the model's real outputs, and
the sanity check on the fully randomised model alone equals the cascade's last step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tscam.evaluate import curves, make_rule, rhythm_offset
from tscam.evaluate.study import evaluate_methods
from tscam.models import FCN


def _model_and_beats(n: int = 6, length: int = 24):
    torch.manual_seed(0)
    model = FCN(n_classes=3, filters=(4, 6, 4), kernels=(5, 3, 3), n_rhythm=4, rhythm_hidden=5)
    for p in model.rhythm_head.parameters():  # a rhythm term large enough to change predictions
        p.data.mul_(8.0)
    model.eval()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, 1, length, generator=g)
    r = torch.randn(n, 4, generator=g)
    return model, x, r


def test_rhythm_offset_is_the_difference_of_the_logits():
    model, x, r = _model_and_beats()
    with torch.no_grad():
        expected = model(x, r) - model(x)
    assert torch.allclose(rhythm_offset(model, r, x.shape[0]), expected, atol=1e-5)


def test_rhythm_offset_refuses_a_model_without_rhythm_term():
    with pytest.raises(TypeError):
        rhythm_offset(torch.nn.Linear(3, 2), np.zeros((2, 4)), 2)


def test_curves_with_rhythm_give_the_models_real_probabilities():
    model, x, r = _model_and_beats()
    maps = torch.arange(x.shape[2], dtype=torch.float32).expand(x.shape[0], -1).clone()
    rule = make_rule("zero")
    with torch.no_grad():
        full = model(x, r)
    target = full.argmax(1)
    out = curves("deletion", model, x, {"m": maps}, None, 4, rule, seed=None, rhythm=r)["m"]
    assert np.array_equal(out.target, target.numpy())  # predicted with the rhythm term
    p0 = full.softmax(1).gather(1, target[:, None])[:, 0].numpy()
    np.testing.assert_allclose(out.probs[:, 0], p0, atol=1e-6)
    # step 2 of 4: the half of the samples with the largest map values (the last ones) zeroed
    keep = torch.zeros(x.shape[0], x.shape[2], dtype=torch.bool)
    keep[:, : x.shape[2] // 2] = True
    with torch.no_grad():
        hand = model(torch.where(keep[:, None], x, 0.0), r).softmax(1)
    np.testing.assert_allclose(
        out.probs[:, 2], hand.gather(1, target[:, None])[:, 0].numpy(), atol=1e-6
    )
    plain = curves("deletion", model, x, {"m": maps}, target, 4, rule, seed=None)["m"]
    assert not np.allclose(plain.probs, out.probs)  # without rhythm: the window part only


def test_sanity_on_the_random_model_alone_equals_the_last_cascade_step():
    model, x, r = _model_and_beats(n=8)
    layers = ("classifier", "block3", "block2", "block1")
    kw = dict(name="m", methods=("grad_cam", "saliency", "random"), steps=3, rhythm=r)
    full = evaluate_methods(model, x, sanity_layers=layers, **kw)
    fast = evaluate_methods(model, x, sanity_layers=layers, sanity_steps=False, **kw)
    for m in ("grad_cam", "saliency", "random"):
        np.testing.assert_allclose(
            fast.results[m].sanity_rho, full.results[m].sanity_rho, atol=1e-6
        )
        assert fast.results[m].sanity == [full.results[m].sanity[-1]]
    assert np.allclose(fast.results["random"].sanity_rho, 1.0)
    with torch.no_grad():
        assert np.array_equal(fast.target, model(x, r).argmax(1).numpy())


def test_score_matrix_diagonal_and_chance_level_by_hand():
    from tscam.evaluate import chance_level, pointing_game, relevance_mass, score_matrix

    maps = np.array([[3.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0], [0.0, 2.0, -1.0, 2.0]])
    mask = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 1]], dtype=bool)
    m = score_matrix(maps, mask)
    # map 0 has positive mass 4: 4/4 in region 0, 0 in region 1, 1/4 in region 2
    np.testing.assert_allclose(m[0], [1.0, 0.0, 0.25])
    np.testing.assert_allclose(np.diag(m), relevance_mass(maps, mask).per_beat)
    g = score_matrix(maps, mask, "pointing_game")
    np.testing.assert_allclose(np.diag(g), pointing_game(maps, mask).per_beat)
    np.testing.assert_allclose(g[0], [1.0, 0.0, 0.0])  # map 0 peaks at sample 0
    null = chance_level(maps, mask, n_perm=5000)
    assert null.observed == pytest.approx(relevance_mass(maps, mask).mean)
    # every pairing of 3 beats is equally likely: the null mean is the mean of all of M
    assert null.null == pytest.approx(m.mean(), abs=0.02)
    with pytest.raises(ValueError):
        score_matrix(maps, mask, "nope")


def test_paired_differences_and_verdict():
    from tscam.evaluate.study import faithfulness_verdict, paired_differences

    model, x, r = _model_and_beats(n=10)
    s = evaluate_methods(
        model,
        x,
        name="m",
        methods=("grad_cam", "saliency", "random"),
        steps=3,
        baseline="zero",
        also=("noisy_linear",),
        rhythm=r,
        sanity_beats=0,
    )
    rows = paired_differences(s, "grad_cam", n_boot=200)
    assert {(d["method"], d["rule"], d["measure"]) for d in rows} == {
        ("saliency", rule, m)
        for rule in ("zero", "noisy_linear")
        for m in ("deletion_auc", "insertion_auc", "aopc")
    }
    d = next(d for d in rows if d["rule"] == "zero" and d["measure"] == "deletion_auc")
    a = s.results["saliency"].deletion.auc_per_beat()
    b = s.results["grad_cam"].deletion.auc_per_beat()
    assert d["diff"] == pytest.approx(float((a - b).mean()))
    assert d["low"] <= d["diff"] <= d["high"]
    assert d["better"] == (d["high"] < 0)
    v = faithfulness_verdict(s, "grad_cam", n_boot=200)
    for (rule, measure), m in v["best"].items():
        col = measure if rule == "zero" else f"{measure}_{rule}"
        vals = {row["method"]: row[col] for row in s.rows() if row["method"] != "random"}
        pick = min if measure == "deletion_auc" else max
        assert m == pick(vals, key=vals.get)
    beats = [
        m
        for m in ("saliency",)
        if all(d["better"] for d in rows if d["measure"] != "aopc" and d["method"] == m)
    ]
    assert v["beats"] == beats
    assert "**m.**" in v["text"]


def test_fit_synthetic_trains_on_the_threads_asked_and_restores_them():
    from tscam.evaluate import fit_synthetic

    before = torch.get_num_threads()
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 1, 24, generator=g), torch.arange(32) % 3
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = FCN(n_classes=3, filters=(2, 2, 2), kernels=(3, 3, 3))

        def forward(self, v):
            seen.append(torch.get_num_threads())
            return self.net(v)

    fit_synthetic(Spy(), (x, y), epochs=1, batch_size=16)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError):
        fit_synthetic(Spy(), (x, y), epochs=1, threads=0)
