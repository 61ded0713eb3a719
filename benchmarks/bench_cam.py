"""Benchmark tscam.cam: batched Grad-CAM versus a no-grad forward pass and captum's LayerGradCam.

FCN (shipped ``fcn-inter`` weights if present, else a random initialisation), a batch of 512
beats of length 187 (real DS2 beats if ``TSCAM_MITDB`` is set and the beats load, else random
normal), 2 threads. Each method runs once to warm up, then ``--repeats`` times, the methods
interleaved so that background load hits all of them alike; we report medians.

Prints one JSON object as its last line: ``fwd_s`` (no-grad forward), ``ours_s`` (grad_cam at
the last block), ``captum_s`` (LayerGradCam at block3, same inputs and targets),
``speedup_vs_captum`` (captum_s / ours_s), ``ratio_to_floor`` (ours_s / fwd_s), and
``beats_per_s`` for every method (all from medians), plus the minima and the median ratio of
back-to-back runs, which are steadier when other jobs load the machine.

    python benchmarks/bench_cam.py [--batch 512] [--repeats 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch
from captum.attr import LayerGradCam

import tscam.cam as C
from tscam.models import FCN, LSTMClassifier, load_pretrained, weights_dir


def load_model(name: str, fresh: Callable[[], torch.nn.Module]) -> tuple[torch.nn.Module, str]:
    if all((weights_dir() / f"{name}.{ext}").is_file() for ext in ("pt", "json")):
        return load_pretrained(name), name
    torch.manual_seed(0)
    return fresh().eval(), "random-init"


def load_batch(batch: int) -> tuple[torch.Tensor, str]:
    if os.environ.get("TSCAM_MITDB"):  # a local copy: never download from a benchmark
        try:
            from tscam.data import load_beats

            beats = load_beats("inter", "test")
            if len(beats.y) >= batch:
                return beats.tensor()[:batch].contiguous(), "DS2 beats (inter test)"
        except Exception as exc:  # noqa: BLE001 - fall back to random beats, and say so
            print(f"real beats unavailable ({type(exc).__name__}: {exc}); using random beats")
    g = torch.Generator().manual_seed(0)
    return torch.randn(batch, 1, 187, generator=g), "random normal"


def time_all(methods: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each method, ``repeats`` times after one warm-up call, interleaved."""
    for fn in methods.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    fcn, fcn_weights = load_model("fcn-inter", FCN)
    lstm, lstm_weights = load_model("lstm-inter", LSTMClassifier)
    x, data = load_batch(args.batch)
    with torch.no_grad():
        targets = fcn(x).argmax(1)  # both Grad-CAMs explain the same (predicted) classes
    captum_gc = LayerGradCam(fcn, fcn.block3)

    def forward() -> torch.Tensor:
        with torch.no_grad():
            return fcn(x)

    methods: dict[str, Callable[[], object]] = {
        "forward_no_grad": forward,
        "grad_cam_block3": lambda: C.grad_cam(fcn, x, layer="block3", target=targets),
        "captum_layer_grad_cam_block3": lambda: captum_gc.attribute(
            x, target=targets, relu_attributions=True
        ),
        "cam": lambda: C.cam(fcn, x, target=targets),
        "grad_cam_block2": lambda: C.grad_cam(fcn, x, layer="block2", target=targets),
        "grad_cam_block1": lambda: C.grad_cam(fcn, x, layer="block1", target=targets),
        "lstm_grad_cam": lambda: C.lstm_grad_cam(lstm, x, target=None),
        "naive_lstm_grad_cam": lambda: C.naive_lstm_grad_cam(lstm, x, target=None),
    }
    times = time_all(methods, args.repeats)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    # Under background load the minimum and the ratio of back-to-back runs are steadier.
    ours_fwd = zip(times["grad_cam_block3"], times["forward_no_grad"], strict=True)
    paired = [ours / fwd for ours, fwd in ours_fwd]
    for name, seconds in medians.items():
        print(f"{name:30s} {seconds:8.4f} s  {args.batch / seconds:10.0f} beats/s")

    ours = medians["grad_cam_block3"]
    captum = medians["captum_layer_grad_cam_block3"]
    fwd = medians["forward_no_grad"]
    result = {
        "ours_s": round(ours, 5),
        "captum_s": round(captum, 5),
        "fwd_s": round(fwd, 5),
        "speedup_vs_captum": round(captum / ours, 3),
        "ratio_to_floor": round(ours / fwd, 3),
        "ours_min_s": round(min(times["grad_cam_block3"]), 5),
        "captum_min_s": round(min(times["captum_layer_grad_cam_block3"]), 5),
        "fwd_min_s": round(min(times["forward_no_grad"]), 5),
        "ratio_to_floor_paired_median": round(statistics.median(paired), 3),
        "beats_per_s": {name: round(args.batch / s, 1) for name, s in medians.items()},
        "weights": {"fcn": fcn_weights, "lstm": lstm_weights},
        "data": data,
        "threads": args.threads,
        "batch": args.batch,
        "repeats": args.repeats,
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
