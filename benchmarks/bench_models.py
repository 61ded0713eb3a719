"""Training and inference throughput of the course's models on this machine's CPU.

Training: Adam steps with the default batch size of ``tscam.train`` (forward, weighted
cross-entropy, backward, step) on random beats of length 187, in float32 and, where the CPU
supports it, with the forward pass under bfloat16 autocast (as the training CLI does for the
FCN). Inference: no-grad forward passes in eval mode, batch 1024. Median of several timed
repeats after a warm-up.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).parent))
from _common import emit, machine, peak_rss_mb  # noqa: E402

from tscam.models import build_model  # noqa: E402
from tscam.train import DEFAULTS, bf16_supported  # noqa: E402


def train_rate(arch: str, steps: int = 8, bf16: bool = False) -> float:
    torch.manual_seed(0)
    model = build_model(arch).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = DEFAULTS[arch]["batch_size"]
    x, y = torch.randn(bs, 1, 187), torch.randint(0, 5, (bs,))
    w = torch.ones(5)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y, weight=w)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()
    times = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(steps):
            step()
        times.append(time.perf_counter() - t)
    return bs * steps / statistics.median(times)


@torch.no_grad()
def infer_rate(arch: str, batch: int = 1024) -> float:
    model = build_model(arch).eval()
    x = torch.randn(batch, 1, 187)
    model(x)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t)
    return batch / statistics.median(times)


def main() -> None:
    torch.set_num_threads(2)
    out = {}
    for arch in ("fcn", "lstm"):
        out[f"{arch}_train_beats_per_s"] = round(train_rate(arch), 1)
        out[f"{arch}_infer_beats_per_s"] = round(infer_rate(arch), 1)
    if bf16_supported():  # what `python -m tscam.train` uses for the FCN on such CPUs
        out["fcn_train_bf16_beats_per_s"] = round(train_rate("fcn", bf16=True), 1)
    out.update(
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        peak_rss_mb=round(peak_rss_mb(), 1),
        machine=machine(),
    )
    emit(out)


if __name__ == "__main__":
    main()
