#!/usr/bin/env bash
# Retrain fcn-inter-masked, chapter 8's case study: the course's first inter-patient FCN, which
# reads the 187-sample masked window (tscam.data.MASKED_SPEC, --window masked) and has no rhythm
# head, with the recipe recorded in its card: select it on its validation part (--no-test), then
# evaluate it once on the test part (--test-only). The shipped models (fcn-inter, lstm-inter,
# fcn-intra, lstm-intra) come from scripts/train_rhythm_models.sh instead.
# Usage: scripts/train_models.sh OUT_DIR   (then copy OUT_DIR/fcn-inter-masked.{pt,json,md}
# into src/tscam/models/weights/ to ship it). Needs the MIT-BIH data ($TSCAM_MITDB or the
# cache). On 2 CPU cores it takes about an hour.
set -euo pipefail
out="${1:?usage: scripts/train_models.sh OUT_DIR}"
py="${PYTHON:-python}"
"$py" -m tscam.train --model fcn --split inter --window masked --epochs 14 --patience 5 \
    --weight-power 0.25 --label-smoothing 0.1 --threads 1 --no-test --no-progress \
    --name fcn-inter-masked --out "$out"
"$py" -m tscam.train --test-only fcn-inter-masked --out "$out" --no-progress
