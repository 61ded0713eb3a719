"""Benchmark: deletion / insertion curves for 500 beats x 20 steps against their floor.

The floor is what a deletion curve cannot avoid: 20 batched forward passes without gradients
over the 500 beats (same batch size as the curve code). Issue 7 asks for a deletion curve of at
most 1.2 x the floor. Maps (Grad-CAM at the last block) are computed beforehand and not timed.
Timings are interleaved (floor, deletion, insertion, ...) and the median of 3 is reported;
on a busy machine also look at ``deletion_ratio_to_floor_min`` (fastest runs) and the CPU-time
ratio ``deletion_cpu_ratio_to_floor``, which other processes disturb less than wall time.

Data: 500 DS2 beats (``load_beats("inter", "test")``), up to 100 per class and the rest drawn
at random, or 500 synthetic beats when MIT-BIH is not available. Model: the shipped
``fcn-inter`` when its weights exist, else a randomly initialised FCN (same architecture and
cost). Both choices are recorded in the output.

Usage: ``python benchmarks/bench_evaluate.py``. The last line of stdout is one JSON object.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import numpy as np
import torch

from tscam.evaluate import attribute, deletion_curve, insertion_curve

N_BEATS, STEPS, BATCH, THREADS, REPEATS = 500, 20, 512, 2, 3


def beats() -> tuple[torch.Tensor, str]:
    try:
        from tscam.data import load_beats

        test = load_beats("inter", "test")
    except Exception as err:  # no MIT-BIH here: synthetic beats of the same shape
        from tscam.data.synthetic import make_synthetic

        print(f"MIT-BIH not available ({type(err).__name__}: {err}); using synthetic beats.")
        return make_synthetic(N_BEATS, seed=0).tensor(), "synthetic"
    rng = np.random.default_rng(0)
    picked = [rng.permutation(np.flatnonzero(test.y == k))[:100] for k in range(5)]
    chosen = np.concatenate(picked)
    rest = np.setdiff1d(np.arange(len(test)), chosen)
    chosen = np.sort(np.concatenate([chosen, rng.choice(rest, N_BEATS - len(chosen), False)]))
    counts = np.bincount(test.y[chosen], minlength=5).tolist()
    return test.subset(chosen).tensor(), f"DS2 inter/test, class counts N,S,V,F,Q = {counts}"


def model() -> tuple[torch.nn.Module, str]:
    from tscam.models import FCN, load_pretrained

    try:
        return load_pretrained("fcn-inter"), "fcn-inter (pretrained)"
    except Exception as err:
        print(f"fcn-inter not available ({type(err).__name__}: {err}); using a random FCN.")
        torch.manual_seed(0)
        return FCN().eval(), "random init FCN (fcn-inter weights missing)"


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    torch.set_num_threads(THREADS)
    x, data = beats()
    net, weights = model()
    net.eval()
    maps = attribute(net, x, "grad_cam")  # not timed

    @torch.no_grad()
    def floor() -> None:
        for _ in range(STEPS):
            for i in range(0, x.shape[0], BATCH):
                net(x[i : i + BATCH])

    def deletion() -> None:
        deletion_curve(net, x, maps, steps=STEPS, batch_size=BATCH)

    def insertion() -> None:
        insertion_curve(net, x, maps, steps=STEPS, batch_size=BATCH)

    def deletion_interp() -> None:
        deletion_curve(net, x, maps, steps=STEPS, baseline="interp", batch_size=BATCH)

    jobs = {"floor": floor, "del": deletion, "ins": insertion, "interp": deletion_interp}
    runs: dict[str, list[float]] = {k: [] for k in jobs}
    cpu: dict[str, list[float]] = {k: [] for k in jobs}
    floor()  # warm-up
    for _ in range(REPEATS):
        for name, job in jobs.items():
            wall_s, cpu_s = timed(job)
            runs[name].append(wall_s)
            cpu[name].append(cpu_s)
    med = {k: statistics.median(v) for k, v in runs.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    result = {
        "deletion_500x20_s": round(med["del"], 3),
        "floor_s": round(med["floor"], 3),
        "deletion_ratio_to_floor": round(med["del"] / med["floor"], 3),
        "insertion_500x20_s": round(med["ins"], 3),
        "insertion_ratio_to_floor": round(med["ins"] / med["floor"], 3),
        "deletion_interp_500x20_s": round(med["interp"], 3),
        "deletion_interp_ratio_to_floor": round(med["interp"] / med["floor"], 3),
        "deletion_ratio_to_floor_min": round(min(runs["del"]) / min(runs["floor"]), 3),
        "deletion_cpu_s": round(med_cpu["del"], 3),
        "floor_cpu_s": round(med_cpu["floor"], 3),
        "deletion_cpu_ratio_to_floor": round(med_cpu["del"] / med_cpu["floor"], 3),
        "runs_s": {k: [round(t, 3) for t in v] for k, v in runs.items()},
        "n_beats": int(x.shape[0]),
        "steps": STEPS,
        "batch_size": BATCH,
        "maps": "grad_cam (last block)",
        "weights": weights,
        "data": data,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
