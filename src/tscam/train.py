"""Train the course's models: ``python -m tscam.train --model fcn --split inter ...``.

Choices, all recorded in the model card:

- **Class imbalance**: weighted cross-entropy with ``w_k = sqrt(n / (K n_k))`` (inverse square
  root of the class frequency in the training beats). Full inverse-frequency weights would give
  the handful of Q training beats a weight of hundreds and push many N beats into S. Optional
  *balanced epochs* (``majority_ratio``): every epoch uses all S, V, F, Q beats and a fresh
  random subset of the N beats, at most ``majority_ratio`` times as many (off by default).
- **Augmentation** (training batches only): each beat scaled by a factor in [0.8, 1.2] and added
  Gaussian noise of standard deviation 0.05 (the beats are z-scored).
- **Optimiser**: Adam with a one-cycle learning-rate schedule (warm-up to ``lr``, then
  annealing), which reaches a good model in few epochs.
- **Precision**: on CPUs with bfloat16 support (and on CUDA) the forward pass of training runs
  under ``torch.autocast`` in bfloat16, about twice as fast on a 2-core CPU; the weights,
  the optimiser and every evaluation stay in float32.
- **Model selection**: after every epoch the model is evaluated on the validation part (drawn
  from the training patients only); the epoch with the best validation macro-F1 over the
  classes with at least 20 validation beats is kept (N, S, V and F; the one or two Q beats of
  a validation part would make the choice a coin flip). The
  test part is evaluated once, at the end, with that model.
- **Determinism**: one seed fixes initialisation, shuffling and augmentation. On CPU, the same
  seed, data and thread count give the same weights.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tscam.data import CLASSES, Beats, load_beats
from tscam.metrics import classification_report, format_report
from tscam.models import build_model, predict

DEFAULTS: dict[str, dict[str, Any]] = {
    "fcn": {"epochs": 12, "batch_size": 128, "lr": 3e-3},
    "lstm": {"epochs": 40, "batch_size": 128, "lr": 3e-3},
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


ARCH_NAMES = {"fcn": "Wang et al. (2017) FCN", "lstm": "LSTM over 11 segments of 17 samples"}


def class_weights(y: np.ndarray, n_classes: int = len(CLASSES)) -> torch.Tensor:
    """Inverse square root of class frequency, ``sqrt(n / (K n_k))``; 0 for absent classes."""
    counts = np.bincount(y, minlength=n_classes).astype(float)
    w = np.where(counts > 0, np.sqrt(counts.sum() / (n_classes * np.maximum(counts, 1))), 0.0)
    return torch.tensor(w, dtype=torch.float32)


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random amplitude scaling in [0.8, 1.2] and Gaussian noise (std 0.05), per beat."""
    scale = 0.8 + 0.4 * torch.rand(x.shape[0], 1, 1, generator=gen)
    return x * scale + 0.05 * torch.randn(x.shape, generator=gen)


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
    return f"{platform.machine()} CPU, {torch.get_num_threads()} threads ({cpu})"


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
) -> TrainResult:
    """Train one model on one split; return the best-on-validation model and its metrics.

    ``max_train_beats`` / ``max_eval_beats`` train and validate on random subsets (for quick
    demonstrations and tests; the shipped models use every beat).
    """
    from tqdm.auto import tqdm

    d = DEFAULTS[model]
    epochs = epochs or d["epochs"]
    batch_size = batch_size or d["batch_size"]
    lr = lr or d["lr"]
    dev = pick_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)

    train_b = _subsample(load_beats(split, "train", data_dir), max_train_beats, seed)
    val_b = _subsample(load_beats(split, "val", data_dir), max_eval_beats, seed + 1)
    net = build_model(model, model_config).to(dev)
    x_train = train_b.tensor()
    y_train = torch.from_numpy(train_b.y)
    # one sampled epoch fixes the epoch length and the class counts behind the loss weights
    sampled = train_b.y[balanced_epoch(train_b.y, majority_ratio, torch.Generator().manual_seed(0))]
    epoch_size = len(sampled)
    weights = class_weights(sampled).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps = epochs * ((epoch_size + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    if bf16 is None:  # the FCN's convolutions gain from bf16; the small LSTM does not
        bf16 = model == "fcn" and (dev.type == "cuda" or bf16_supported())

    history: list[dict[str, float]] = []
    best = (-1.0, 0, copy.deepcopy(net.state_dict()), {})
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        net.train()
        order = balanced_epoch(train_b.y, majority_ratio, gen)
        total, seen = 0.0, 0
        bar = tqdm(
            range(0, len(order), batch_size),
            desc=f"{model}-{split} epoch {epoch}/{epochs}",
            disable=not progress,
            leave=True,
            mininterval=10,
            file=sys.stderr,
        )
        for start in bar:
            idx = order[start : start + batch_size]
            xb = x_train[idx]
            if augment_data:
                xb = augment(xb, gen)
            xb, yb = xb.to(dev), y_train[idx].to(dev)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                logits = net(xb)
            loss = F.cross_entropy(logits.float(), yb, weight=weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        val = classification_report(val_b.y, predict(net, val_b.x))
        row = {
            "epoch": epoch,
            "loss": total / seen,
            "val_accuracy": val["accuracy"],
            "val_macro_f1": val["macro_f1"],
            "val_selection_f1": selection_score(val),
            "elapsed_s": time.perf_counter() - t0,
        }
        history.append(row)
        if progress:
            print(
                f"epoch {epoch}: loss {row['loss']:.4f}  val acc {100 * val['accuracy']:.2f} %  "
                f"val macro-F1 {100 * val['macro_f1']:.2f} % (N S V F: "
                f"{100 * row['val_selection_f1']:.2f} %)",
                file=sys.stderr,
                flush=True,
            )
        if row["val_selection_f1"] > best[0]:
            best = (row["val_selection_f1"], epoch, copy.deepcopy(net.state_dict()), val)
    wall = time.perf_counter() - t0
    net.load_state_dict(best[2])
    net.eval()
    test_report = None
    if evaluate_test:
        test_b = load_beats(split, "test", data_dir)
        test_report = classification_report(test_b.y, predict(net, test_b.x))
        if progress:
            print(
                f"test ({split}, best epoch {best[1]}):\n{format_report(test_report)}",
                file=sys.stderr,
            )
    config = {
        "model": model,
        "split": split,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "augment": augment_data,
        "majority_ratio": majority_ratio,
        "bf16_autocast": bool(bf16),
        "beats_per_epoch": epoch_size,
        "class_weights": [round(float(w), 4) for w in weights.cpu()],
        "n_train": len(train_b),
        "n_val": len(val_b),
        "device": str(dev),
        "model_config": dict(net.config),
    }
    return TrainResult(net.cpu(), history, best[1], test_report, best[3], wall, config)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these files are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def card_markdown(card: dict[str, Any]) -> str:
    """The model card as a readable Markdown page."""
    m = card["metrics"]
    pct = lambda v: "n/a" if v is None else f"{100 * v:.2f}"  # noqa: E731
    tr = card["training"]
    lines = [
        f"# Model card: `{card['name']}`",
        "",
        f"{card['description']}",
        "",
        "| | |",
        "|---|---|",
        f"| architecture | `{card['architecture']}` {json.dumps(card['config'])} |",
        f"| parameters | {card['n_parameters']:,} |",
        f"| data | {card['data']['database']}, lead {card['data']['lead']} |",
        f"| split | {card['data']['split']}: {card['data']['split_description']} |",
        f"| preprocessing | {card['data']['preprocessing']} |",
        f"| classes | {', '.join(card['classes'])} (AAMI EC57) |",
        f"| train / val / test beats | {tr['n_train']:,} / {tr['n_val']:,} / {m['n']:,} |",
        f"| epochs (best on validation) | {tr['epochs']} ({tr['best_epoch']}) |",
        f"| batch size, learning rate, seed | {tr['batch_size']}, {tr['lr']}, {tr['seed']} |",
        f"| class weights (N S V F Q) | {tr['class_weights']} |",
        f"| sampling | {tr.get('sampling', 'every beat, every epoch')}; "
        f"{tr.get('beats_per_epoch', tr['n_train']):,} beats per epoch |",
        f"| wall time, hardware | {tr['wall_time_s']:.0f} s on {tr['hardware']} "
        f"(torch {tr['torch']}) |",
        f"| weights | `{card['weights_file']}`, SHA-256 `{card['sha256']}` |",
        "",
        f"## Test metrics ({card['data']['test_description']})",
        "",
        f"Accuracy **{pct(m['accuracy'])} %**, macro-F1 **{pct(m['macro_f1'])} %**.",
        "",
        "| class | support | sensitivity (%) | PPV (%) |",
        "|---|---:|---:|---:|",
    ]
    for c, v in m["per_class"].items():
        lines.append(f"| {c} | {v['support']:,} | {pct(v['sensitivity'])} | {pct(v['ppv'])} |")
    lines += ["", "Confusion matrix (rows: true class, columns: predicted class):", ""]
    lines.append("| | " + " | ".join(card["classes"]) + " |")
    lines.append("|---" * (len(card["classes"]) + 1) + "|")
    for c, row in zip(card["classes"], m["confusion"], strict=True):
        lines.append(f"| **{c}** | " + " | ".join(f"{v:,}" for v in row) + " |")
    return "\n".join(lines) + "\n"


def save_pretrained(result: TrainResult, name: str, directory: Path | str) -> dict[str, Any]:
    """Write ``name.pt``, ``name.json`` and ``name.md`` (atomically); return the card."""
    from tscam import __version__
    from tscam.data import DEFAULT_SPEC, DS1, DS2, INTER_VAL_FRACTION, INTRA_FRACTIONS

    directory = Path(directory)
    buf = io.BytesIO()
    torch.save(result.model.state_dict(), buf)
    data = buf.getvalue()
    cfg = result.config
    split = cfg["split"]
    if split == "inter":
        split_desc = (
            f"inter-patient (de Chazal et al. 2004): train on DS1 ({len(DS1)} records; "
            f"{100 * INTER_VAL_FRACTION:.0f} % of DS1 beats held out for validation), test on DS2"
        )
        test_desc = f"DS2, {len(DS2)} records never seen in training"
    else:
        split_desc = (
            "intra-patient: beats of the 44 non-paced records split at random per class "
            f"{'/'.join(str(round(100 * f)) for f in INTRA_FRACTIONS)} % train/val/test"
        )
        test_desc = "intra-patient test beats (same patients as training)"
    card = {
        "name": name,
        "description": (
            f"{ARCH_NAMES[cfg['model']]}"
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
            "preprocessing": (
                f"resampled to {DEFAULT_SPEC.fs} Hz, band-pass {DEFAULT_SPEC.band_hz[0]}-"
                f"{DEFAULT_SPEC.band_hz[1]} Hz (zero-phase Butterworth), "
                f"{DEFAULT_SPEC.length}-sample "
                f"window with the R peak at index {DEFAULT_SPEC.r_index}, samples before the "
                "midpoint with the previous R peak set to 0 (one beat per window), per-beat "
                "z-score over the kept samples"
            ),
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
            "loss": "cross-entropy weighted by sqrt(n / (K n_k)) per class",
            "schedule": "Adam, one-cycle learning rate up to lr",
            "sampling": (
                "every training beat in every epoch"
                if cfg["majority_ratio"] is None
                else "balanced epochs: all S, V, F, Q beats and a fresh random subset of N "
                "beats, at most majority_ratio times as many"
            ),
            "selection": "best validation macro-F1 over classes with >= 20 validation beats",
        },
        "val_metrics": result.val_report,
        "metrics": result.test_report,
    }
    _atomic_write_bytes(directory / f"{name}.pt", data)
    _atomic_write_bytes(directory / f"{name}.json", (json.dumps(card, indent=1) + "\n").encode())
    _atomic_write_bytes(directory / f"{name}.md", card_markdown(card).encode())
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
    p.add_argument("--name", help="model name for the files (default MODEL-SPLIT)")
    p.add_argument("--out", default=".", help="folder for NAME.pt, NAME.json and NAME.md")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    res = train(
        a.model, a.split, a.epochs, a.batch_size, a.lr, a.seed, a.device, a.data_dir,
        a.max_train_beats, progress=not a.no_progress,
        majority_ratio=a.majority_ratio or None,
    )  # fmt: skip
    name = a.name or f"{a.model}-{a.split}"
    save_pretrained(res, name, a.out)
    print(f"wrote {Path(a.out) / name}.pt/.json/.md ({res.wall_time_s:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
