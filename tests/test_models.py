"""The two architectures, training, and the shipped pretrained models with their cards."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from tscam.models import (
    FCN,
    PRETRAINED,
    LSTMClassifier,
    SameConv1d,
    WeightsError,
    load_pretrained,
    model_card,
    weights_dir,
)


def test_fcn_is_exactly_wang_et_al():
    model = FCN()
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 265_349
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == [
        (1, 128, 8), (128, 256, 5), (256, 128, 3)
    ]  # fmt: skip
    assert all(c.stride == (1,) for c in convs)
    for block in model.blocks:
        assert [type(m) for m in block] == [SameConv1d, nn.BatchNorm1d, nn.ReLU]
    assert not any(isinstance(m, (nn.MaxPool1d, nn.AvgPool1d)) for m in model.modules())
    assert isinstance(model.gap, nn.AdaptiveAvgPool1d) and model.classifier.in_features == 128


@pytest.mark.parametrize("length", [187, 64, 301])
def test_fcn_shapes_for_any_length(length):
    model = FCN(n_classes=3).eval()
    x = torch.randn(4, 1, length)
    assert model.features(x).shape == (4, 128, length)
    assert model(x).shape == (4, 3)


@pytest.mark.parametrize("k", [8, 5, 3, 4])
def test_same_conv_matches_pytorch_same_padding(k):
    torch.manual_seed(k)
    ours = SameConv1d(3, 5, k)
    ref = nn.Conv1d(3, 5, k, padding="same")
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 3, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's note on even kernels
        expected = ref(x)
    torch.testing.assert_close(ours(x), expected)


def test_lstm_reads_a_beat_as_eleven_segments():
    from tscam.data import DEFAULT_SPEC

    model = LSTMClassifier().eval()
    T = DEFAULT_SPEC.length  # the course's beat window: 88 = 11 x 8
    assert model.input_length == T == 11 * 8
    x = torch.arange(2 * T, dtype=torch.float32).reshape(2, 1, T)
    seg = model.segments(x)
    assert seg.shape == (2, 11, 8)
    assert seg[0, 3, 0] == 3 * 8 and seg[1, 10, 7] == T + T - 1
    assert model(x).shape == (2, 5)
    with pytest.raises(ValueError, match=r"\(n, 1, 88\)"):
        model(torch.randn(2, 1, 80))
    # the masked design's 187-sample window is read as 11 segments of 17
    masked = LSTMClassifier(segment_length=17).eval()
    assert masked.segments(torch.zeros(1, 1, 187)).shape == (1, 11, 17)
    with pytest.raises(ValueError, match=r"\(n, 1, 187\)"):
        masked(torch.randn(2, 1, T))


def test_unrolled_lstm_computes_the_same_function():
    torch.manual_seed(0)
    model = LSTMClassifier(hidden_size=32).eval()
    x = torch.randn(6, 1, model.input_length)
    logits, states = model.unrolled(x)
    assert len(states) == 11 and states[0].shape == (6, 32)
    torch.testing.assert_close(logits, model(x), atol=1e-5, rtol=1e-5)
    out, _ = model.lstm(model.segments(x))
    torch.testing.assert_close(torch.stack(states, 1), out, atol=1e-5, rtol=1e-5)
    # every step's hidden state is on the path to the score
    grads = torch.autograd.grad(logits[:, 0].sum(), states)
    assert all(g.abs().sum() > 0 for g in grads)


def test_training_smoke_and_determinism(mitdb_dir):
    from tscam.train import train

    kwargs = dict(
        split="inter", epochs=1, seed=3, data_dir=mitdb_dir, max_train_beats=384,
        max_eval_beats=256, evaluate_test=False, progress=False, batch_size=64,
    )  # fmt: skip
    for arch in ("fcn", "lstm"):
        a = train(arch, **kwargs)
        b = train(arch, **kwargs)
        for (k, va), vb in zip(
            a.model.state_dict().items(), b.model.state_dict().values(), strict=True
        ):
            assert torch.equal(va, vb), f"{arch}: {k} differs between two runs with one seed"
        assert a.history[0]["loss"] > 0 and 0 <= a.val_report["accuracy"] <= 1
        c = train(arch, **{**kwargs, "seed": 4})
        assert not torch.equal(
            next(iter(a.model.state_dict().values())), next(iter(c.model.state_dict().values()))
        )


def test_class_weights_favour_rare_classes():
    from tscam.train import class_weights

    y = np.array([0] * 900 + [1] * 100 + [3] * 5)
    w = class_weights(y)
    assert w[1] / w[0] == pytest.approx(3.0)  # sqrt(900 / 100)
    assert w[2] == 0  # absent class
    assert w[3] == 1  # too few beats for a weight
    assert class_weights(y, power=1.0)[1] / class_weights(y, power=1.0)[0] == pytest.approx(9.0)
    assert torch.equal(class_weights(y, power=0.0)[:2], torch.ones(2))


def test_augment_keeps_the_masked_run_and_is_seeded():
    from tscam.train import augment

    x = torch.randn(64, 1, 187)
    onset = torch.randint(0, 100, (64,))
    x = x * (torch.arange(187) >= onset.view(-1, 1, 1))
    a = augment(x, onset, torch.Generator().manual_seed(1), max_shift=0)
    b = augment(x, onset, torch.Generator().manual_seed(1), max_shift=0)
    assert torch.equal(a, b) and not torch.equal(a, x)
    for i in range(64):  # the masked previous beat stays exactly 0
        assert torch.all(a[i, 0, : onset[i]] == 0)
    shifted = augment(x, onset, torch.Generator().manual_seed(2), max_shift=3)
    assert shifted.shape == x.shape


shipped = [n for n in PRETRAINED if (weights_dir() / f"{n}.json").is_file()]
#: the first design, kept for chapter 8's case study (187-sample masked window, no rhythm head)
MASKED = "fcn-inter-masked"
#: the window-only ablation of fcn-inter (chapter 2): no rhythm head, the same recipe
WINDOW_ONLY = "fcn-inter-beat"


def test_all_four_models_are_shipped():
    assert sorted(shipped) == sorted(PRETRAINED)


@pytest.mark.parametrize("name", [*shipped, MASKED, WINDOW_ONLY])
def test_card_and_weights(name):
    card = model_card(name)
    assert (weights_dir() / card["weights_file"]).stat().st_size <= 2 * 2**20
    assert (weights_dir() / f"{name}.md").is_file()
    m = card["metrics"]
    assert set(m["per_class"]) == {"N", "S", "V", "F", "Q"}
    for key in ("accuracy", "macro_f1", "confusion"):
        assert key in m
    for key in ("epochs", "seed", "wall_time_s", "hardware", "batch_size"):
        assert key in card["training"]
    model = load_pretrained(name)
    assert not model.training
    assert card["data"]["split"] in ("inter", "intra")


def test_tampered_weights_are_refused(tmp_path):
    name = shipped[0] if shipped else pytest.skip("no shipped model yet")
    for f in weights_dir().glob(f"{name}.*"):
        shutil.copy(f, tmp_path / f.name)
    load_pretrained(name, tmp_path)
    path = tmp_path / f"{name}.pt"
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="does not match the SHA-256"):
        load_pretrained(name, tmp_path)
    path.unlink()
    with pytest.raises(WeightsError, match="missing"):
        load_pretrained(name, tmp_path)


def test_unknown_model_name():
    with pytest.raises(ValueError, match="Available"):
        load_pretrained("resnet-inter")


@pytest.mark.parametrize("name", [*shipped, MASKED, WINDOW_ONLY])
def test_card_metrics_are_reproduced_on_the_test_split(name, mitdb_dir):
    """Re-evaluate each shipped model on its test split; match the card within 0.05 points."""
    from tscam.data import MASKED_SPEC, WindowSpec, load_beats
    from tscam.metrics import classification_report
    from tscam.models import predict

    card = model_card(name)
    window = card["data"].get("window")
    spec = WindowSpec.from_dict(window) if window else MASKED_SPEC  # the masked card predates it
    beats = load_beats(card["data"]["split"], "test", mitdb_dir, spec=spec)
    got = classification_report(beats.y, predict(load_pretrained(name), beats), card["classes"])
    want = card["metrics"]
    assert got["n"] == want["n"]
    tol = 0.05 / 100
    assert got["accuracy"] == pytest.approx(want["accuracy"], abs=tol)
    assert got["macro_f1"] == pytest.approx(want["macro_f1"], abs=tol * 10)
    for c, m in want["per_class"].items():
        for k in ("sensitivity", "ppv"):
            if m[k] is None:
                assert got["per_class"][c][k] is None
            else:
                # a class with few beats moves by more than 0.05 points when one beat flips
                support = max(m["support"], 1)
                assert got["per_class"][c][k] == pytest.approx(m[k], abs=max(tol, 2.5 / support))
    disagreements = np.abs(np.array(got["confusion"]) - np.array(want["confusion"])).sum()
    assert disagreements <= max(2, 0.0005 * want["n"] * 2)


def test_prior_shift_gives_back_the_training_frequencies():
    from tscam.train import output_layer, prior_shift

    y_all = np.array([0] * 900 + [1] * 100)
    y_epoch = np.array([0] * 300 + [1] * 100)  # a balanced epoch: N is 3 times the rest
    shift = prior_shift(y_all, y_epoch, n_classes=3)
    # log(p / q): N 0.9 / 0.75, S 0.1 / 0.25; the absent class gets 0
    np.testing.assert_allclose(shift.numpy(), [np.log(0.9 / 0.75), np.log(0.1 / 0.25), 0.0])
    assert torch.equal(prior_shift(y_all, y_all, n_classes=3), torch.zeros(3))
    from tscam.models import build_model

    net = build_model("fcn")
    assert output_layer(net) is net.classifier
    lstm = build_model("lstm")
    assert output_layer(lstm) is lstm.head
    with pytest.raises(ValueError, match="no linear output layer"):
        output_layer(nn.Conv1d(1, 1, 3))


def test_one_input_conversion_for_prediction_and_evaluation():
    from tscam.evaluate import _common
    from tscam.models import as_input

    assert as_input is _common.as_beats  # one implementation, two names
    x = np.zeros((4, 187), np.float64)
    t = as_input(x)
    assert t.shape == (4, 1, 187) and t.dtype == torch.float32
    x[2, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf values \(beat\(s\) \[2\]\)"):
        as_input(x)
    with pytest.raises(ValueError, match="n >= 1"):
        as_input(np.zeros((0, 187)))
    with pytest.raises(ValueError, match=r"\(n, T\)"):
        as_input(np.zeros(187))
    from tscam.models import predict_logits

    model = FCN().eval()
    assert predict_logits(model, np.zeros((0, 187))).numel() == 0  # nothing to predict
    with pytest.raises(ValueError, match="NaN"):
        predict_logits(model, x)


def recipe_commands(name: str) -> list[str]:
    """The commands of scripts/train_rhythm_models.sh (the shipped models' recipe) that name
    ``name`` or the cross-validation file it is trained from, continuation lines joined."""
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "train_rhythm_models.sh"
    commands = script.read_text().replace("\\\n", " ").splitlines()
    train = [c for c in commands if "-m tscam.train" in c and f"--name {name} " in c]
    cv = [c.split("--cv ")[1].split()[0] for c in train if "--cv " in c]
    return train + [c for c in commands if "-m tscam.crossval" in c and any(f in c for f in cv)]


@pytest.mark.parametrize("name", [*shipped, MASKED, WINDOW_ONLY])
def test_card_page_is_the_card_and_keeps_the_training_history(name):
    from tscam.models.cards import card_markdown
    from tscam.train import arch_name

    card = model_card(name)
    assert (weights_dir() / f"{name}.md").read_text() == card_markdown(card)
    assert arch_name(card["architecture"], card["config"]) in card["description"]
    tr = card["training"]
    history = tr["history"]
    assert [h["epoch"] for h in history] == list(range(1, tr["epochs_run"] + 1))
    assert all("loss" in h for h in history)
    if tr["n_val"]:  # the epoch is selected on the validation part
        assert all({"val_accuracy", "val_selection_f1"} <= set(h) for h in history)
        kept = history[tr["best_epoch"] - 1]  # the kept epoch is the best on validation
        assert kept["val_selection_f1"] == max(h["val_selection_f1"] for h in history)
        assert kept["val_accuracy"] == pytest.approx(card["val_metrics"]["accuracy"], abs=1e-9)
    else:  # the epoch count is selected by record-wise cross-validation on DS1, then all of DS1
        cv = card["cross_validation"]
        scores = cv["pooled_score_per_epoch"]
        assert len(scores) == cv["epochs"] and "cross-validation" in tr["selection"]
        assert tr["best_epoch"] == tr["epochs_run"] == cv["stop_after"] == 1 + np.argmax(scores)
    if name == MASKED:  # the first design's card holds its own training command
        assert any(n.startswith("Trained with `python -m tscam.train") for n in card["notes"])
    else:  # the shipped models' commands are their recipe script, with the card's settings
        commands = recipe_commands(name)
        assert commands, f"scripts/train_rhythm_models.sh does not train {name}"
        for flag, key in (
            ("--weight-power", "weight_power"),
            ("--label-smoothing", "label_smoothing"),
        ):
            assert any(f"{flag} {tr[key]} " in c for c in commands), (name, flag)


def test_window_only_ablation_is_trained_by_the_same_recipe():
    card, full = model_card(WINDOW_ONLY), model_card("fcn-inter")
    assert card["config"]["n_rhythm"] == 0 and card["data"]["window"] == full["data"]["window"]
    cv, cv_full = card["cross_validation"], full["cross_validation"]
    assert cv["folds"] == cv_full["folds"] and cv["epochs"] == cv_full["epochs"]
    for key in ("weight_power", "label_smoothing", "seed", "lr", "batch_size", "class_weights"):
        assert card["training"][key] == full["training"][key], key


def test_prediction_gives_every_module_its_mode_back():
    from tscam.models import predict_logits

    model = FCN().train()
    model.block1.eval()  # a mixed state, e.g. a frozen first block during fine-tuning
    predict_logits(model, np.zeros((2, 187), np.float32))
    assert model.training and not model.block1.training and model.block2.training
