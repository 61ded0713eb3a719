"""Train ``fcn-inter-beat``, the window-only ablation of ``fcn-inter`` (issue 17), as shipped.

Usage: ``python scripts/train_window_only.py OUT_DIR CV_JSON`` where ``CV_JSON`` is fcn-inter's
cross-validation (``python -m tscam.crossval --model fcn ...``, see
``scripts/train_rhythm_models.sh``). The FCN without rhythm head (the 88-sample window only) is
trained on all 22 DS1 records with fcn-inter's recipe, seed, epoch count and logit offsets:
these choices are reused, not selected again for this model (a cross-validation of its own
would take hours more on 2 cores). The card says so. The test part is not touched; evaluate it
once afterwards with ``python -m tscam.train --test-only fcn-inter-beat --out OUT_DIR``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tscam.data import BEAT_SPEC
from tscam.models.cards import card_markdown
from tscam.train import save_pretrained, train

NAME = "fcn-inter-beat"


def main(out: str, cv_json: str) -> int:
    cv = json.loads(Path(cv_json).read_text())
    if cv["model"] != "fcn" or not cv["rhythm"]:
        raise SystemExit(f"{cv_json} is not fcn-inter's cross-validation (FCN with rhythm head).")
    r = cv["recipe"]
    res = train(
        "fcn", "inter", epochs=cv["epochs"], batch_size=r["batch_size"], lr=r["lr"],
        seed=r["seed"], progress=False, weight_power=r["weight_power"],
        label_smoothing=r["label_smoothing"], evaluate_test=False, spec=BEAT_SPEC, rhythm=False,
        refit=True, stop_after=cv["stop_after"], offsets=cv["offsets"],
    )  # fmt: skip
    save_pretrained(res, NAME, out)
    path = Path(out) / f"{NAME}.json"
    card = json.loads(path.read_text())
    card["description"] = (
        "Ablation of fcn-inter (issue 17): the same Wang et al. (2017) FCN without rhythm head "
        "(the 88-sample window only), trained with tscam 0.1.0 on the inter-patient split of "
        "MIT-BIH."
    )
    card["data"]["split_description"] = (
        "inter-patient (de Chazal et al. 2004): trained on all 22 DS1 records for a fixed number "
        "of epochs, no validation part; tested on DS2"
    )
    card["training"]["selection"] = (
        f"none: the epoch count ({cv['stop_after']} of a {cv['epochs']}-epoch schedule) and the "
        f"logit offsets {cv['offsets']} are those that fcn-inter's record-wise {cv['k']}-fold "
        "cross-validation on DS1 chose; they were not re-selected for this model"
    )
    card["val_metrics"] = None  # the refit has no validation part
    card["notes"] = [
        "Trained with `python scripts/train_window_only.py OUT_DIR cv-fcn.json` (fcn-inter's "
        "cross-validation), then evaluated once on DS2 with `python -m tscam.train --test-only "
        "fcn-inter-beat --out OUT_DIR`.",
        "Recipe deviation: fcn-inter's epoch count and offsets come from its own "
        "cross-validation; this ablation reuses them instead of running the same "
        "cross-validation without rhythm head. Its row in the ablation therefore compares the "
        "two inputs under one set of training choices, tuned for the model with rhythm.",
        "Wall time: 2 torch threads on a 2-core machine that other jobs shared heavily during "
        "training, so it is an upper bound.",
    ]
    path.write_text(json.dumps(card, indent=1) + "\n")
    (Path(out) / f"{NAME}.md").write_text(card_markdown(card))
    print(f"wrote {Path(out) / NAME}.pt/.json/.md ({res.wall_time_s:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]) if len(sys.argv) == 3 else print(__doc__) or 2)
