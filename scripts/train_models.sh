#!/usr/bin/env bash
# Retrain the four shipped models with the recipes recorded in their cards, select each on its
# validation part (--no-test), then evaluate each once on its test part (--test-only).
# Usage: scripts/train_models.sh OUT_DIR   (then copy OUT_DIR/*.{pt,json,md} into
# src/tscam/models/weights/ to ship them). Needs the MIT-BIH data ($TSCAM_MITDB or the cache).
# On 2 CPU cores the FCNs take about an hour each, the LSTMs minutes.
set -euo pipefail
out="${1:?usage: scripts/train_models.sh OUT_DIR}"
py="${PYTHON:-python}"
common=(--threads 1 --no-test --no-progress --out "$out")
"$py" -m tscam.train --model fcn --split inter --epochs 14 --patience 5 \
    --weight-power 0.25 --label-smoothing 0.1 "${common[@]}"
"$py" -m tscam.train --model fcn --split intra --epochs 16 --patience 6 \
    --weight-power 0 --label-smoothing 0.05 "${common[@]}"
"$py" -m tscam.train --model lstm --split inter --epochs 60 --patience 15 \
    --weight-power 0.5 --label-smoothing 0.1 "${common[@]}"
"$py" -m tscam.train --model lstm --split intra --epochs 60 --patience 15 \
    --weight-power 0.25 --label-smoothing 0.05 "${common[@]}"
for name in fcn-inter fcn-intra lstm-inter lstm-intra; do
    "$py" -m tscam.train --test-only "$name" --out "$out" --no-progress
done
