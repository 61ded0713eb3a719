"""End-to-end training and inference throughput of the shipped models' recipes on real beats.

Unlike ``bench_models.py`` (random tensors, the bare optimiser step), this runs
``tscam.train.train`` itself, with each shipped model's recipe from its card (augmentation,
class weights, label smoothing, sampling) on a random subset of its real training beats, for
one epoch with 2 torch threads, and times the epoch. From that rate and the card's number of
epochs run (plus a validation pass over the card's validation beats after each epoch) it
estimates the wall time of the full recipe on this machine, to set beside the
card's recorded wall time (measured while other jobs shared the machine). Inference: the
shipped weights on real test beats, no gradients, ``predict_logits``'s batches.

Needs the MIT-BIH data ($TSCAM_MITDB or the cache).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, machine, peak_rss_mb  # noqa: E402

from tscam.data import load_beats  # noqa: E402
from tscam.models import load_pretrained, model_card, predict_logits  # noqa: E402
from tscam.train import train  # noqa: E402

SUBSET = {"fcn": 8000, "lstm": 40000}  # training beats timed per architecture


def bench(name: str) -> dict[str, float]:
    card = model_card(name)
    tr = card["training"]
    arch, split = card["architecture"], card["data"]["split"]
    n = SUBSET[arch]
    res = train(
        arch,
        split,
        epochs=1,
        max_train_beats=n,
        max_eval_beats=500,
        evaluate_test=False,
        progress=False,
        weight_power=tr.get("weight_power", 0.5),
        label_smoothing=tr.get("label_smoothing", 0.0),
        majority_ratio=tr.get("majority_ratio"),
    )
    test = load_beats(split, "test")
    x = test.tensor()[:20000]
    model = load_pretrained(name)
    predict_logits(model, x[:1024])
    t = time.perf_counter()
    predict_logits(model, x)
    infer = len(x) / (time.perf_counter() - t)
    # the epoch's time less its validation pass (500 beats) gives the training rate; the full
    # recipe adds a validation pass over every validation beat after each epoch
    train_s = res.history[0]["elapsed_s"] - res.config["n_val"] / infer
    rate = res.config["beats_per_epoch"] / train_s
    full = tr["epochs_run"] * (tr["beats_per_epoch"] / rate + tr["n_val"] / infer)
    return {
        f"{name}_train_beats_per_s": round(rate, 1),
        f"{name}_est_recipe_wall_s": round(full, 0),
        f"{name}_card_wall_s": tr["wall_time_s"],
        f"{name}_infer_beats_per_s": round(infer, 1),
    }


def main() -> None:
    torch.set_num_threads(2)
    out: dict[str, object] = {}
    for name in ("fcn-inter", "fcn-intra", "lstm-inter", "lstm-intra"):
        out.update(bench(name))
    out.update(threads=2, torch=torch.__version__, peak_rss_mb=round(peak_rss_mb(), 1),
               machine=machine())  # fmt: skip
    emit(out)


if __name__ == "__main__":
    main()
