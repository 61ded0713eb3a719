"""Benchmark tscam.cam: every CAM variant in beats/s and peak memory, against its floor.

FCN (shipped ``fcn-inter`` weights if present, else a random initialisation), a batch of 512
beats of 88 samples (real DS2 beats if ``TSCAM_MITDB`` is set and the beats load, else random
normal), 2 threads. Each method runs once to warm up, then ``--repeats`` times, the methods
interleaved so that background load hits all of them alike; we report medians. ``--repeats`` is
a minimum for the variants: a variant and its floor that take little time are repeated until
each has run about 2 s (at most 200 times; the LSTM's take about 8 ms a call, where one
millisecond of noise would move a ratio by 0.1).

Every variant of the family (:mod:`tscam.cam.family`) on the FCN at its last block, and those
that apply over the LSTM's steps, runs in a fresh subprocess (``--one NAME``), which reports its
median seconds, beats per second and peak resident memory above the memory before the call
(``ru_maxrss``, MB). Floors: the gradient variants against one forward and one backward pass of
the batch (``forward_backward``: the targets' logits summed and differentiated with respect to
the input, parameters frozen); Score-CAM against the batched no-grad forward passes of the
n x K masked inputs in chunks of 512 (``forward_nk``), which it cannot avoid; Ablation-CAM
against one no-grad forward pass of the batch plus the n x K passes of the layers after the
last block (pooling and linear layer, ``FCN.tail``) on the ablated activations, in chunks of
512 (``forward_nk_tail``): it ablates the layer's output, so nothing before the layer needs to
run again. Targets: gradient variants <= 1.1 x their floor, Score-CAM and Ablation-CAM
<= 1.2 x theirs. ``--perturb-repeats`` (default 1) and ``--perturb-batch`` (default 512 beats,
the first of the batch) set their repeats and beats: one call is about K forward passes of the
batch (K = 128 at the FCN's last block).

Prints one JSON object as its last line: ``fwd_s`` (no-grad forward), ``ours_s`` (grad_cam at
the last block), ``captum_s`` (LayerGradCam at block3, same inputs and targets),
``speedup_vs_captum`` (captum_s / ours_s), ``ratio_to_floor`` (ours_s / fwd_s), and
``beats_per_s`` for every method (all from medians), plus the minima and the median ratio of
back-to-back runs, which are steadier when other jobs load the machine; ``variants``: per
variant ``s``, ``beats_per_s``, ``peak_mb``, ``floor`` and ``ratio_to_floor``.

    python benchmarks/bench_cam.py [--batch 512] [--repeats 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
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
    return torch.randn(batch, 1, 88, generator=g), "random normal"


def time_all(
    methods: dict[str, Callable[[], object]], repeats: int, warm: bool = True
) -> dict[str, list[float]]:
    """Seconds per call of each method, ``repeats`` times after one warm-up call (``warm``),
    interleaved."""
    for fn in methods.values() if warm else ():
        fn()
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


FAMILY = {
    "grad_cam": ("fcn", C.grad_cam, "forward_backward"),
    "hires_cam": ("fcn", C.hires_cam, "forward_backward"),
    "grad_cam_pp": ("fcn", C.grad_cam_pp, "forward_backward"),
    "xgrad_cam": ("fcn", C.xgrad_cam, "forward_backward"),
    "layer_cam": ("fcn", C.layer_cam, "forward_backward"),
    "eigen_cam": ("fcn", C.eigen_cam, "forward"),
    "score_cam": ("fcn", C.score_cam, "forward_nk"),
    "ablation_cam": ("fcn", C.ablation_cam, "forward_nk_tail"),
    "lstm_grad_cam": ("lstm", C.grad_cam, "forward_backward"),
    "lstm_hires_cam": ("lstm", C.hires_cam, "forward_backward"),
    "lstm_layer_cam": ("lstm", C.layer_cam, "forward_backward"),
    "lstm_eigen_cam": ("lstm", C.eigen_cam, "forward"),
}


def floors(model: torch.nn.Module, x: torch.Tensor, targets: torch.Tensor, chunk: int):
    """The floors: one no-grad forward; one forward and backward; the n x K forward passes."""
    k = model.block3[0].out_channels if hasattr(model, "block3") else 0

    def forward() -> object:
        with torch.no_grad():
            return model(x)

    def forward_backward() -> object:
        with C.frozen(model):
            xg = x.clone().requires_grad_()
            out = model(xg).gather(1, targets[:, None]).sum()
            return torch.autograd.grad(out, xg)

    def forward_nk() -> object:
        rows = torch.arange(len(x) * k)
        with torch.no_grad():
            for start in range(0, len(rows), chunk):
                model(x[rows[start : start + chunk] // k])

    def forward_nk_tail() -> object:
        tail = model.tail(model.block3)
        per = max(1, chunk // k)  # samples per pass: per x k ablated copies
        with torch.no_grad():
            A = model.features(x)
            mask = 1.0 - torch.eye(k)[:, :, None]  # copy j loses channel j
            buffer = A.new_empty(per, k, k, A.shape[2])
            for start in range(0, len(x), per):
                block = A[start : start + per]
                out = buffer[: len(block)]
                torch.mul(block[:, None], mask[None], out=out)
                tail(out.reshape(-1, k, A.shape[2]))

    return {
        "forward": forward,
        "forward_backward": forward_backward,
        "forward_nk": forward_nk,
        "forward_nk_tail": forward_nk_tail,
    }


def one(name: str, args: argparse.Namespace) -> None:
    """Time variant ``name`` and its floor in this (fresh) process; print one JSON line."""
    torch.set_num_threads(args.threads)
    which, fn, floor_name = FAMILY[name]
    model = (
        load_model("fcn-inter", FCN)[0]
        if which == "fcn"
        else load_model("lstm-inter", LSTMClassifier)[0]
    )
    perturb = floor_name == "forward_nk"  # Score-CAM: minutes per call; one run, no warm-up
    batch = args.perturb_batch if perturb else args.batch
    x, _ = load_batch(args.batch)
    x = x[:batch]
    with torch.no_grad():
        targets = model(x).argmax(1)
    floor = floors(model, x, targets, 512)[floor_name]
    repeats = args.perturb_repeats if perturb else args.repeats
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def call() -> object:
        return fn(model, x, target=targets)

    if not perturb:  # fast calls: repeat until each side has run about 2 s (at most 200 times)
        call(), floor()  # the first calls are slower; time the second
        start = time.perf_counter()
        call(), floor()
        repeats = max(repeats, min(200, math.ceil(4.0 / (time.perf_counter() - start))))
    times = time_all({"variant": call, "floor": floor}, repeats, warm=not perturb)
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    s, f = statistics.median(times["variant"]), statistics.median(times["floor"])
    paired = statistics.median(v / w for v, w in zip(times["variant"], times["floor"], strict=True))
    print(
        json.dumps(
            {
                "s": round(s, 4),
                "beats_per_s": round(batch / s, 1),
                "beats": batch,
                "peak_mb": round(peak, 1),
                "floor": floor_name,
                "floor_s": round(f, 4),
                "ratio_to_floor": round(s / f, 3),
                "ratio_to_floor_paired_median": round(paired, 3),
                "repeats": repeats,
            }
        )
    )


def variants(args: argparse.Namespace) -> dict[str, dict]:
    out = {}
    for name in FAMILY:
        cmd = [sys.executable, __file__, "--one", name, "--batch", str(args.batch)]
        cmd += ["--repeats", str(args.repeats), "--threads", str(args.threads)]
        cmd += ["--perturb-repeats", str(args.perturb_repeats)]
        cmd += ["--perturb-batch", str(args.perturb_batch)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
        r = out[name]
        print(
            f"{name:18s} {r['s']:8.3f} s {r['beats_per_s']:10.1f} beats/s {r['peak_mb']:8.1f} MB"
            f"  {r['ratio_to_floor']:.3f} x {r['floor']}",
            flush=True,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--perturb-repeats", type=int, default=1)
    parser.add_argument("--perturb-batch", type=int, default=512)
    parser.add_argument("--one", choices=list(FAMILY), help=argparse.SUPPRESS)
    parser.add_argument("--skip-variants", action="store_true")
    args = parser.parse_args()
    if args.one:
        return one(args.one, args)
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
        "variants": {} if args.skip_variants else variants(args),
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
