"""Train the course's models: ``python -m tscam.train --model fcn --split inter ...``.

Choices, all recorded in the model card:

- **Model selection on unseen patients**: for the inter-patient split the validation part is
  five whole DS1 records (``tscam.data.INTER_VAL_RECORDS``), so the epoch is chosen on patients
  the model never trained on, as the test on DS2 will be. With ``--cv`` (the models with a
  rhythm head) the epoch count and the logit offsets come instead from record-wise
  cross-validation over all 22 DS1 records (:mod:`tscam.crossval`), and the model is trained
  on all of them. The test part is evaluated once, at the end, with the selected model.
- **Input**: ``--window beat`` cuts the 88-sample window that shows the beat's shape only
  (:data:`~tscam.data.BEAT_SPEC`); ``--rhythm`` adds a rhythm head that reads the beat's RR
  features (``Beats.rhythm``), so that each logit is the window's part + the rhythm term + the
  bias (:func:`tscam.models.decompose_logits`).
- **Class imbalance**: cross-entropy weighted by ``w_k = (n / (K n_k)) ** weight_power``.
  ``weight_power=1`` is full inverse frequency, ``0.5`` its square root, ``0`` no weighting.
  Strong weights buy sensitivity for rare classes with many false alarms on unseen patients
  (normal beats called V or F). Classes with fewer than ``min_class_beats`` training beats
  (Q: 8 beats in DS1) get weight 1. Optional *balanced epochs* (``majority_ratio``): every
  epoch uses all S, V, F, Q beats and a fresh random subset of the N beats, at most
  ``majority_ratio`` times as many.
- **Label smoothing** (``label_smoothing``): the target puts that much probability mass on
  the other classes, which keeps the network from becoming over-confident on the training
  patients.
- **Augmentation** (training batches only; the masked run before ``onset`` stays 0): baseline
  wander (a random sinusoid of 0.1-0.5 Hz, up to 0.2 standard deviations), Gaussian noise
  (0.05 standard deviations) and a time shift of up to 3 samples, then the beat is z-scored
  again, as every beat is at test time (no amplitude scaling: the z-score would undo it).
- **Optimiser**: Adam with a one-cycle learning-rate schedule (warm-up to ``lr``, then
  annealing); training stops early when the validation score has not improved for
  ``patience`` epochs.
- **Precision**: on CPUs with bfloat16 support (and on CUDA) the forward pass of the FCN runs
  under ``torch.autocast`` in bfloat16, about twice as fast on a 2-core CPU; the weights,
  the optimiser and every evaluation stay in float32.
- **Selection score**: macro-F1 over the classes with at least 20 validation beats (N, S, V and
  F; the few Q beats would make the choice a coin flip).
- **Determinism**: one seed fixes initialisation, shuffling and augmentation. On CPU, the same
  seed, data and thread count give the same weights.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import io
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tscam.data import (
    CLASSES,
    DEFAULT_SPEC,
    RHYTHM_INPUTS,
    Beats,
    WindowSpec,
    concat_beats,
    load_beats,
)
from tscam.metrics import classification_report, format_report
from tscam.models import build_model, load_pretrained, model_card, predict, predict_logits
from tscam.models.cards import write_model_files

DEFAULTS: dict[str, dict[str, Any]] = {
    "fcn": {"epochs": 30, "batch_size": 128, "lr": 3e-3},
    "lstm": {"epochs": 60, "batch_size": 128, "lr": 3e-3},
}


def balanced_epoch(
    y: np.ndarray, majority_ratio: float | None, gen: torch.Generator
) -> torch.Tensor:
    """Shuffled indices of one epoch: all non-N beats plus at most ``majority_ratio`` times as
    many N beats (class 0), drawn afresh each epoch. ``None`` uses every beat."""
    order = torch.randperm(len(y), generator=gen)
    if majority_ratio is None:
        return order
    is_n = torch.from_numpy(y == 0)[order]
    keep_n = int(majority_ratio * int((~is_n).sum()))
    n_idx = order[is_n][:keep_n]
    chosen = torch.cat([order[~is_n], n_idx])
    return chosen[torch.randperm(len(chosen), generator=gen)]


ARCH_NAMES = {"fcn": "Wang et al. (2017) FCN", "lstm": "LSTM"}


def arch_name(model: str, model_config: dict[str, Any]) -> str:
    """The architecture as a model card names it; the LSTM with its segments, from its config
    (``LSTMClassifier.config`` holds ``n_segments`` and ``segment_length``)."""
    if model != "lstm":
        return ARCH_NAMES[model]
    n, m = model_config["n_segments"], model_config["segment_length"]
    return f"LSTM over {n} segments of {m} samples"


def class_weights(
    y: np.ndarray,
    n_classes: int = len(CLASSES),
    power: float = 0.5,
    min_class_beats: int = 50,
) -> torch.Tensor:
    """``(n / (K n_k)) ** power`` per class; 1 for classes with fewer than ``min_class_beats``
    beats (a weight computed from a handful of beats is noise), 0 for absent classes."""
    counts = np.bincount(y, minlength=n_classes).astype(float)
    w = (counts.sum() / (n_classes * np.maximum(counts, 1))) ** power
    w = np.where(counts < min_class_beats, 1.0, w)
    return torch.tensor(np.where(counts > 0, w, 0.0), dtype=torch.float32)


def augment(
    x: torch.Tensor,
    onset: torch.Tensor,
    gen: torch.Generator,
    fs: float = 125.0,
    max_shift: int = 3,
) -> torch.Tensor:
    """A randomly altered copy of a batch ``x`` (n, 1, length) of z-scored beats, z-scored again.

    Per beat: baseline wander (sinusoid of 0.1-0.5 Hz, amplitude up to 0.2, random phase),
    Gaussian noise (std 0.05) and a shift by up to ``max_shift`` samples (filled with 0); then
    the beat is z-scored again over its kept samples, as every beat the model sees at test time
    is (which is also why no amplitude scaling is applied: the z-score would undo it). Samples
    before ``onset`` (the masked run of :data:`~tscam.data.MASKED_SPEC`) stay 0.
    """
    n, _, length = x.shape
    t = torch.arange(length, dtype=x.dtype) / fs
    freq = 0.1 + 0.4 * torch.rand(n, 1, 1, generator=gen)
    phase = 2 * torch.pi * torch.rand(n, 1, 1, generator=gen)
    amp = 0.2 * torch.rand(n, 1, 1, generator=gen)
    wander = amp * torch.sin(2 * torch.pi * freq * t + phase)
    keep = (torch.arange(length) >= onset.view(n, 1, 1)).to(x.dtype)
    out = (x + wander + 0.05 * torch.randn(x.shape, generator=gen)) * keep
    if max_shift:
        shifts = torch.randint(-max_shift, max_shift + 1, (n, 1), generator=gen)
        idx = torch.arange(length).view(1, -1) - shifts
        valid = ((idx >= 0) & (idx < length)).to(x.dtype)
        out = (torch.gather(out[:, 0], 1, idx.clamp(0, length - 1)) * valid).unsqueeze(1)
        keep = (torch.gather(keep[:, 0], 1, idx.clamp(0, length - 1)) * valid).unsqueeze(1)
    count = keep.sum(-1, keepdim=True).clamp_min(1)
    mean = (out * keep).sum(-1, keepdim=True) / count
    std = ((((out - mean) * keep) ** 2).sum(-1, keepdim=True) / count).sqrt().clamp_min(1e-6)
    return (out - mean) / std * keep


def prior_shift(
    y_all: np.ndarray, y_epoch: np.ndarray, n_classes: int = len(CLASSES)
) -> torch.Tensor:
    """``log(p_k / q_k)``: what to add to the logits of a model trained on epochs with class
    frequencies ``q`` (balanced epochs) so that it predicts for the frequencies ``p`` of the
    training beats (0 for classes absent from either)."""
    p = np.bincount(y_all, minlength=n_classes) / len(y_all)
    q = np.bincount(y_epoch, minlength=n_classes) / len(y_epoch)
    ok = (p > 0) & (q > 0)
    return torch.tensor(np.where(ok, np.log(np.where(ok, p, 1) / np.where(ok, q, 1)), 0.0),
                        dtype=torch.float32)  # fmt: skip


def output_layer(net: nn.Module) -> nn.Linear:
    """The linear layer that gives the logits their bias: the model's ``output_layer`` (the
    FCN's ``classifier``, the LSTM's ``head``), else the last linear layer with a bias."""
    layer = getattr(net, "output_layer", None)
    if isinstance(layer, nn.Linear) and layer.bias is not None:
        return layer
    layers = [m for m in net.modules() if isinstance(m, nn.Linear) and m.bias is not None]
    if not layers:
        raise ValueError(f"{type(net).__name__} has no linear output layer with a bias.")
    return layers[-1]


def bf16_supported() -> bool:
    """Whether this CPU has native bfloat16 instructions (AVX512-BF16 or AMX)."""
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def selection_score(report: dict[str, Any], min_support: int = 20) -> float:
    """Macro-F1 over the classes with at least ``min_support`` true beats."""
    f1 = [m["f1"] or 0.0 for m in report["per_class"].values() if m["support"] >= min_support]
    return float(np.mean(f1)) if f1 else 0.0


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def hardware() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    cpu = platform.processor() or platform.system()
    threads = torch.get_num_threads()
    return f"{platform.machine()} CPU, {threads} thread{'s' if threads != 1 else ''} ({cpu})"


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict[str, float]]
    best_epoch: int
    test_report: dict[str, Any] | None
    val_report: dict[str, Any]
    wall_time_s: float
    config: dict[str, Any] = field(default_factory=dict)


def _subsample(beats: Beats, n: int | None, seed: int) -> Beats:
    if n is None or n >= len(beats):
        return beats
    idx = np.sort(np.random.default_rng(seed).choice(len(beats), n, replace=False))
    return beats.subset(idx)


def _rhythm_tensor(beats: Beats, use: bool) -> torch.Tensor | None:
    return torch.from_numpy(beats.rhythm) if use else None


def fit(
    model: str,
    train_b: Beats,
    val_b: Beats | None = None,
    *,
    epochs: int,
    stop_after: int | None = None,
    batch_size: int,
    lr: float,
    seed: int = 0,
    device: torch.device | None = None,
    augment_data: bool = True,
    majority_ratio: float | None = None,
    bf16: bool | None = None,
    model_config: dict[str, Any] | None = None,
    progress: bool = True,
    weight_power: float = 0.5,
    label_smoothing: float = 0.0,
    patience: int | None = None,
    select: bool = True,
    desc: str = "",
) -> dict[str, Any]:
    """The training loop: ``epochs`` set the one-cycle schedule, training stops after
    ``stop_after`` of them (default all). With ``val_b``, each epoch is scored on it (its logits
    are kept in ``val_logits``) and, with ``select``, the best epoch's weights are returned.

    Returns a dict: ``model`` (the returned network, in eval mode), ``history``, ``best_epoch``,
    ``val_logits`` (list of (n_val, K) arrays, one per epoch), ``shift``, ``weights``,
    ``epoch_size``, ``bf16`` and ``wall_time_s``.
    """
    from tqdm.auto import tqdm

    dev = device or torch.device("cpu")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    config = dict(model_config or {})
    net = build_model(model, config).to(dev)
    use_rhythm = bool(config.get("n_rhythm", 0))
    x_train = train_b.tensor()
    # three input channels: the beat, the patient's dominant beat and their difference (the
    # beat is augmented, the difference recomputed from the augmented beat)
    tmpl = None
    if config.get("in_channels", 1) == 3:
        if train_b.template is None:
            raise ValueError(
                "model_config asks for three input channels (beat, dominant beat, difference), "
                "but the training beats carry no dominant beats; call beats.with_template() first."
            )
        tmpl = torch.from_numpy(train_b.template)[:, None]
    r_train = _rhythm_tensor(train_b, use_rhythm)
    y_train = torch.from_numpy(train_b.y)
    # one sampled epoch fixes the epoch length and the class counts behind the loss weights
    sampled = train_b.y[balanced_epoch(train_b.y, majority_ratio, torch.Generator().manual_seed(0))]
    epoch_size = len(sampled)
    # balanced epochs teach the model the epoch's class frequencies; this shift of the output
    # bias gives back those of the training beats (logit adjustment; 0 without balancing)
    shift = prior_shift(train_b.y, sampled).to(dev)
    weights = class_weights(sampled, power=weight_power).to(dev)
    onset_train = torch.from_numpy(train_b.onset)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * ((epoch_size + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    if bf16 is None:  # the FCN's convolutions gain from bf16; the small LSTM does not
        bf16 = model == "fcn" and (dev.type == "cuda" or bf16_supported())
    stop_after = min(stop_after or epochs, epochs)

    history: list[dict[str, float]] = []
    val_logits: list[np.ndarray] = []
    best = (-1.0, 0, copy.deepcopy(net.state_dict()))
    t0 = time.perf_counter()
    for epoch in range(1, stop_after + 1):
        net.train()
        order = balanced_epoch(train_b.y, majority_ratio, gen)
        total, seen = 0.0, 0
        bar = tqdm(
            range(0, len(order), batch_size),
            desc=f"{desc or model} epoch {epoch}/{stop_after}",
            disable=not progress,
            leave=True,
            mininterval=10,
            file=sys.stderr,
        )
        for start in bar:
            idx = order[start : start + batch_size]
            xb = x_train[idx]
            if augment_data:
                xb = augment(xb, onset_train[idx], gen, fs=train_b.spec.fs)
            if tmpl is not None:
                xb = torch.cat([xb, tmpl[idx], xb - tmpl[idx]], dim=1)
            args = [xb.to(dev)] + ([r_train[idx].to(dev)] if r_train is not None else [])
            yb = y_train[idx].to(dev)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                logits = net(*args)
            loss = F.cross_entropy(
                logits.float(), yb, weight=weights, label_smoothing=label_smoothing
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        row: dict[str, float] = {"epoch": epoch, "loss": total / seen}
        with torch.no_grad():
            output_layer(net).bias += shift
        if val_b is not None:
            lg = predict_logits(net, val_b).numpy()
            val_logits.append(lg)
            val = classification_report(val_b.y, lg.argmax(1), val_b.class_names)
            row |= {
                "val_accuracy": val["accuracy"],
                "val_macro_f1": val["macro_f1"],
                "val_selection_f1": selection_score(val),
            }
            if progress:
                print(
                    f"{desc} epoch {epoch}: loss {row['loss']:.4f}  val acc "
                    f"{100 * val['accuracy']:.2f} %  (macro-F1 N S V F: "
                    f"{100 * row['val_selection_f1']:.2f} %)",
                    file=sys.stderr,
                    flush=True,
                )
            if select and row["val_selection_f1"] > best[0]:  # kept with the shift: shipped
                best = (row["val_selection_f1"], epoch, copy.deepcopy(net.state_dict()))
        row["elapsed_s"] = time.perf_counter() - t0
        history.append(row)
        if epoch == stop_after and not (select and val_b is not None):
            best = (0.0, epoch, copy.deepcopy(net.state_dict()))
        with torch.no_grad():  # back to the bias being trained
            output_layer(net).bias -= shift
        if select and val_b is not None and patience is not None and epoch - best[1] >= patience:
            if progress:
                print(f"early stop: no better validation score for {patience} epochs",
                      file=sys.stderr)  # fmt: skip
            break
    net.load_state_dict(best[2])
    net.eval()
    return {
        "model": net.cpu(),
        "history": history,
        "best_epoch": best[1],
        "val_logits": val_logits,
        "shift": shift.cpu(),
        "weights": weights.cpu(),
        "epoch_size": epoch_size,
        "bf16": bool(bf16),
        "wall_time_s": time.perf_counter() - t0,
    }


def train(
    model: str = "fcn",
    split: str = "inter",
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    device: str = "auto",
    data_dir: str | Path | None = None,
    max_train_beats: int | None = None,
    max_eval_beats: int | None = None,
    evaluate_test: bool = True,
    augment_data: bool = True,
    majority_ratio: float | None = None,
    bf16: bool | None = None,
    model_config: dict[str, Any] | None = None,
    progress: bool = True,
    weight_power: float = 0.5,
    label_smoothing: float = 0.0,
    patience: int | None = None,
    spec: WindowSpec = DEFAULT_SPEC,
    rhythm: bool = False,
    refit: bool = False,
    stop_after: int | None = None,
    offsets: Sequence[float] | None = None,
) -> TrainResult:
    """Train one model on one split; return the best-on-validation model and its metrics.

    ``spec`` is the beat window (:data:`~tscam.data.BEAT_SPEC` or the default); ``rhythm`` adds
    a rhythm head (the model reads ``Beats.rhythm`` besides the window). ``refit`` trains on
    the training *and* validation parts for a fixed number of epochs (``stop_after`` of a
    schedule of ``epochs``, both chosen beforehand by cross-validation, :mod:`tscam.crossval`)
    without any selection; ``offsets`` (one per class, chosen the same way) are then added to
    the output bias: the operating point. ``max_train_beats`` / ``max_eval_beats`` train and
    validate on random subsets (for quick demonstrations and tests; the shipped models use every
    beat). ``patience``: stop when the validation score has not improved for that many epochs.
    """
    d = DEFAULTS[model]
    epochs = epochs or d["epochs"]
    batch_size = batch_size or d["batch_size"]
    lr = lr or d["lr"]
    dev = pick_device(device)
    train_b = load_beats(split, "train", data_dir, spec=spec)
    val_b = load_beats(split, "val", data_dir, spec=spec)
    if refit:
        train_b = concat_beats([train_b, val_b])
    train_b = _subsample(train_b, max_train_beats, seed)
    val_b = _subsample(val_b, max_eval_beats, seed + 1)
    config = dict(model_config or {})
    if model == "lstm":
        config.setdefault("segment_length", spec.length // config.get("n_segments", 11))
    if rhythm:
        config.setdefault("n_rhythm", len(RHYTHM_INPUTS))
    out = fit(
        model, train_b, None if refit else val_b, epochs=epochs, stop_after=stop_after,
        batch_size=batch_size, lr=lr, seed=seed, device=dev, augment_data=augment_data,
        majority_ratio=majority_ratio, bf16=bf16, model_config=config, progress=progress,
        weight_power=weight_power, label_smoothing=label_smoothing, patience=patience,
        select=not refit, desc=f"{model}-{split}",
    )  # fmt: skip
    net = out["model"]
    if offsets is not None:
        with torch.no_grad():
            output_layer(net).bias += torch.as_tensor(offsets, dtype=torch.float32)
    val_report = classification_report(val_b.y, predict(net, val_b), val_b.class_names)
    test_report = None
    if evaluate_test:
        test_b = load_beats(split, "test", data_dir, spec=spec)
        test_report = classification_report(test_b.y, predict(net, test_b), test_b.class_names)
        if progress:
            print(
                f"test ({split}, epoch {out['best_epoch']}):\n{format_report(test_report)}",
                file=sys.stderr,
            )
    run_config = {
        "model": model,
        "split": split,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "augment": augment_data,
        "majority_ratio": majority_ratio,
        "weight_power": weight_power,
        "prior_shift": [round(float(v), 4) for v in out["shift"]],
        "label_smoothing": label_smoothing,
        "patience": patience,
        "epochs_run": len(out["history"]),
        "bf16_autocast": out["bf16"],
        "beats_per_epoch": out["epoch_size"],
        "class_weights": [round(float(w), 4) for w in out["weights"]],
        "n_train": len(train_b),
        "n_val": len(val_b),
        "device": str(dev),
        "model_config": dict(net.config),
        "window": dataclasses.asdict(spec),
        "refit": refit,
        "offsets": None if offsets is None else [round(float(v), 4) for v in offsets],
    }
    return TrainResult(
        net, out["history"], out["best_epoch"], test_report, val_report, out["wall_time_s"],
        run_config,
    )  # fmt: skip


def split_text(split: str, cv: dict[str, Any] | None = None) -> tuple[str, str]:
    """``(split_description, test_description)`` of a model card: how the model was trained
    and selected (``cv``: the cross-validation it was chosen by, if any) and what it was tested
    on."""
    from tscam.data import DS1, DS2, INTER_VAL_RECORDS, INTRA_FRACTIONS

    if split == "inter" and cv:
        split_desc = (
            f"inter-patient (de Chazal et al. 2004): trained on all {len(DS1)} DS1 records after "
            f"record-wise {cv['k']}-fold cross-validation on them, test on DS2"
        )
        test_desc = f"DS2, {len(DS2)} records never seen in training"
    elif split == "inter":
        split_desc = (
            f"inter-patient (de Chazal et al. 2004): train on {len(DS1) - len(INTER_VAL_RECORDS)} "
            f"DS1 records, validate (select the epoch) on the other {len(INTER_VAL_RECORDS)} "
            f"({', '.join(INTER_VAL_RECORDS)}), test on DS2"
        )
        test_desc = f"DS2, {len(DS2)} records never seen in training"
    else:
        split_desc = (
            "intra-patient: beats of the 44 non-paced records split at random per class "
            f"{'/'.join(str(round(100 * f)) for f in INTRA_FRACTIONS)} % train/val/test"
        )
        test_desc = "intra-patient test beats (same patients as training)"
    return split_desc, test_desc


def preprocessing_text(spec: WindowSpec, rhythm_names: Sequence[str] = ()) -> str:
    """One sentence of a model card: how its beats were made (window and rhythm input)."""
    window = (
        f"resampled to {spec.fs} Hz, band-pass {spec.band_hz[0]}-{spec.band_hz[1]} Hz "
        f"(zero-phase Butterworth), {spec.length}-sample window with the R peak at index "
        f"{spec.r_index}"
    )
    if spec.mask_previous:
        window += (
            ", samples before the midpoint with the previous R peak set to 0 (one beat per "
            "window), per-beat z-score over the kept samples"
        )
    else:
        window += ", nothing masked, per-beat z-score"
    if rhythm_names:
        window += f"; rhythm input (log ratios of RR intervals): {', '.join(rhythm_names)}"
    return window


def save_pretrained(result: TrainResult, name: str, directory: Path | str) -> dict[str, Any]:
    """Write ``name.pt``, ``name.json`` and ``name.md`` (atomically); return the card."""
    from tscam import __version__
    from tscam.data import DEFAULT_SPEC

    directory = Path(directory)
    if result.config.get("refit"):  # the validation part was trained on: no validation beats
        result.config["n_val"] = 0
    buf = io.BytesIO()
    torch.save(result.model.state_dict(), buf)
    data = buf.getvalue()
    cfg = result.config
    split = cfg["split"]
    spec = WindowSpec.from_dict(cfg["window"]) if cfg.get("window") else DEFAULT_SPEC
    rhythm_names = RHYTHM_INPUTS if cfg["model_config"].get("n_rhythm") else ()
    cv = cfg.get("cross_validation")
    if cv:
        cv = {k: v for k, v in cv.items() if k != "pooled_report"}
    split_desc, test_desc = split_text(split, cv)
    card = {
        "name": name,
        "description": (
            f"{arch_name(cfg['model'], cfg['model_config'])}"
            f" trained with tscam {__version__} on the {split}-patient split of MIT-BIH."
        ),
        "architecture": cfg["model"],
        "config": cfg["model_config"],
        "n_parameters": int(sum(p.numel() for p in result.model.parameters())),
        "weights_file": f"{name}.pt",
        "sha256": hashlib.sha256(data).hexdigest(),
        "classes": list(CLASSES),
        "data": {
            "database": "MIT-BIH Arrhythmia Database 1.0.0 (PhysioNet), 44 non-paced records",
            "lead": DEFAULT_SPEC.lead,
            "split": split,
            "split_description": split_desc,
            "test_description": test_desc,
            "preprocessing": preprocessing_text(spec, rhythm_names),
            "window": dataclasses.asdict(spec),
            "rhythm_inputs": list(rhythm_names),
        },
        "training": {
            **{
                k: cfg[k]
                for k in (
                    "epochs",
                    "batch_size",
                    "lr",
                    "seed",
                    "augment",
                    "majority_ratio",
                    "beats_per_epoch",
                    "class_weights",
                    "n_train",
                    "n_val",
                )
            },
            "best_epoch": result.best_epoch,
            "wall_time_s": round(result.wall_time_s, 1),
            "hardware": hardware(),
            "torch": torch.__version__,
            "history": result.history,
            "loss": (
                f"cross-entropy weighted by (n / (K n_k)) ** {cfg['weight_power']} per class "
                f"(1 for classes with < 50 training beats), label smoothing "
                f"{cfg['label_smoothing']}"
            ),
            "augmentation": (
                "baseline wander (0.1-0.5 Hz, <= 0.2), noise (0.05), shift <= 3 samples, then "
                "z-scored again" + ("; masked run kept at 0" if spec.mask_previous else "")
                if cfg["augment"]
                else "none"
            ),
            "schedule": (
                "Adam, one-cycle learning rate up to lr"
                + (
                    f", early stop after {cfg['patience']} epochs without progress"
                    if cfg["patience"]
                    else ""
                )
            ),  # fmt: skip
            "weight_power": cfg["weight_power"],
            "label_smoothing": cfg["label_smoothing"],
            "epochs_run": cfg["epochs_run"],
            "sampling": (
                "every training beat in every epoch"
                if cfg["majority_ratio"] is None
                else "balanced epochs: all S, V, F, Q beats and a fresh random subset of N "
                "beats, at most majority_ratio times as many"
            ),
            "selection": (
                f"record-wise {cv['k']}-fold cross-validation on DS1: epoch count "
                f"{cv['stop_after']} of a {cv['epochs']}-epoch schedule and logit offsets "
                f"{cv['offsets']} chosen on the pooled out-of-fold macro-F1 over N, S, V, F; "
                "then trained on all DS1 records (train + val) without selection"
                if cv
                else "best validation macro-F1 over classes with >= 20 validation beats"
            ),
        },
        # with cross-validation: the pooled out-of-fold report (every DS1 beat predicted by a
        # model that never saw its patient), at the chosen epoch and offsets
        "val_metrics": cv["pooled_report_offsets"] if cv else result.val_report,
        "metrics": result.test_report,
    }
    if cv:
        card["cross_validation"] = {
            k: cv[k]
            for k in ("k", "folds", "epochs", "pooled_score_per_epoch", "stop_after", "offsets",
                      "n_beats", "wall_time_s")
        }  # fmt: skip
    write_model_files(directory, name, data, card)
    return card


def evaluate_test_once(
    name: str, directory: Path | str, data_dir: str | Path | None = None, progress: bool = True
) -> dict[str, Any]:
    """Evaluate a model saved by ``--no-test`` on its split's test part and write the metrics
    into its card (the one and only look at the test patients); return the card."""
    directory = Path(directory)
    card = model_card(name, directory)
    if card.get("metrics"):
        raise ValueError(f"{name!r} in {directory} has test metrics: the test is done once.")
    net = load_pretrained(name, directory)
    window = card["data"].get("window")
    spec = WindowSpec.from_dict(window) if window else DEFAULT_SPEC
    test_b = load_beats(card["data"]["split"], "test", data_dir, spec=spec)
    card["metrics"] = classification_report(test_b.y, predict(net, test_b), test_b.class_names)
    if progress:
        print(f"test ({card['data']['split']}):\n{format_report(card['metrics'])}", file=sys.stderr)
    write_model_files(directory, name, (directory / card["weights_file"]).read_bytes(), card)
    return card


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tscam.train", description=__doc__.split("\n")[0])
    p.add_argument("--model", choices=sorted(DEFAULTS), default="fcn")
    p.add_argument("--split", choices=("inter", "intra"), default="inter")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto (CUDA if present, else CPU), cpu, cuda")
    p.add_argument("--data-dir", help="local copy of MIT-BIH (default: $TSCAM_MITDB or the cache)")
    p.add_argument("--max-train-beats", type=int, help="train on a random subset (quick runs)")
    p.add_argument(
        "--majority-ratio", type=float, default=0.0,
        help="N beats per epoch, as a multiple of the other beats (0, default: every beat)",
    )  # fmt: skip
    p.add_argument(
        "--weight-power", type=float, default=0.5,
        help="class weights (n / (K n_k)) ** POWER: 1 inverse frequency, 0 none (default 0.5)",
    )  # fmt: skip
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--patience", type=int, help="stop after this many epochs without progress")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    p.add_argument(
        "--window", choices=("masked", "beat"), default="beat",
        help="beat: 88-sample morphology window (BEAT_SPEC); masked: the 187-sample first design",
    )  # fmt: skip
    p.add_argument("--rhythm", action="store_true", help="add a rhythm head (Beats.rhythm)")
    p.add_argument(
        "--cv", metavar="JSON",
        help="a result of python -m tscam.crossval: train on train+val (--refit) for its epoch "
        "count and schedule, add its offsets to the output bias",
    )  # fmt: skip
    p.add_argument("--name", help="model name for the files (default MODEL-SPLIT)")
    p.add_argument("--out", default=".", help="folder for NAME.pt, NAME.json and NAME.md")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--no-test", action="store_true",
        help="train and select without touching the test part (compare recipes on validation)",
    )  # fmt: skip
    p.add_argument(
        "--test-only", metavar="NAME",
        help="evaluate the saved model NAME in --out on the test part, once, and update its card",
    )  # fmt: skip
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.test_only:
        evaluate_test_once(a.test_only, a.out, a.data_dir, progress=not a.no_progress)
        return 0
    from tscam.data import BEAT_SPEC, MASKED_SPEC

    refit = {}
    if a.cv:
        cv = json.loads(Path(a.cv).read_text())
        if cv["model"] != a.model or cv["rhythm"] != a.rhythm:
            raise SystemExit(f"{a.cv} is a cross-validation of another model or input.")
        refit = {"refit": True, "stop_after": cv["stop_after"], "offsets": cv["offsets"]}
        a.epochs = cv["epochs"]
        a.weight_power = cv["recipe"]["weight_power"]
        a.label_smoothing = cv["recipe"]["label_smoothing"]
        a.seed = cv["recipe"].get("seed", a.seed)
    res = train(
        a.model, a.split, a.epochs, a.batch_size, a.lr, a.seed, a.device, a.data_dir,
        a.max_train_beats, progress=not a.no_progress,
        majority_ratio=a.majority_ratio or None, weight_power=a.weight_power,
        label_smoothing=a.label_smoothing, patience=a.patience, evaluate_test=not a.no_test,
        spec=BEAT_SPEC if a.window == "beat" else MASKED_SPEC, rhythm=a.rhythm, **refit,
    )  # fmt: skip
    if a.cv:
        res.config["cross_validation"] = cv
    name = a.name or f"{a.model}-{a.split}"
    save_pretrained(res, name, a.out)
    print(f"wrote {Path(a.out) / name}.pt/.json/.md ({res.wall_time_s:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
