#!/usr/bin/env bash
# Retrain the four models with a rhythm head (tscam/models/weights/, issue 17) with the
# recipe recorded in their cards: the inter-patient models are chosen by record-wise 4-fold
# cross-validation on DS1 (epoch count and logit offsets, python -m tscam.crossval), then trained
# on all DS1 records (--cv); the intra-patient models select their epoch on their validation part.
# Every model is saved without touching its test part (--no-test), then evaluated on it once
# (--test-only). The last two commands train the ablation without rhythm head (the window only,
# fcn-inter-beat) by the same recipe: its own cross-validation, then all of DS1.
# Usage: scripts/train_rhythm_models.sh OUT_DIR   (then copy OUT_DIR/{fcn,lstm}-{inter,intra}.*
# into src/tscam/models/weights/ to ship them). Needs the MIT-BIH data ($TSCAM_MITDB or
# the cache). On 2 CPU cores: about 40 minutes for each FCN cross-validation, 10-15 minutes for
# each FCN fit, a few minutes for each LSTM step.
set -euo pipefail
out="${1:?usage: scripts/train_rhythm_models.sh OUT_DIR}"
py="${PYTHON:-python}"
q=(--no-progress)
"$py" -m tscam.crossval --model fcn --folds 4 --epochs 12 --weight-power 0.5 \
    --label-smoothing 0.1 --out "$out/cv-fcn.json" "${q[@]}"
"$py" -m tscam.train --model fcn --split inter --window beat --rhythm --cv "$out/cv-fcn.json" \
    --no-test --name fcn-inter --out "$out" "${q[@]}"
"$py" -m tscam.crossval --model lstm --folds 4 --epochs 40 --weight-power 0.5 \
    --label-smoothing 0.1 --out "$out/cv-lstm.json" "${q[@]}"
"$py" -m tscam.train --model lstm --split inter --window beat --rhythm --cv "$out/cv-lstm.json" \
    --no-test --name lstm-inter --out "$out" "${q[@]}"
"$py" -m tscam.train --model fcn --split intra --window beat --rhythm --epochs 12 \
    --weight-power 0.25 --label-smoothing 0.05 --no-test --name fcn-intra --out "$out" "${q[@]}"
"$py" -m tscam.train --model lstm --split intra --window beat --rhythm --epochs 40 --patience 12 \
    --weight-power 0.25 --label-smoothing 0.05 --no-test --name lstm-intra --out "$out" "${q[@]}"
"$py" -m tscam.crossval --model fcn --no-rhythm --folds 4 --epochs 12 --weight-power 0.5 \
    --label-smoothing 0.1 --out "$out/cv-fcn-beat.json" "${q[@]}"
"$py" -m tscam.train --model fcn --split inter --window beat --cv "$out/cv-fcn-beat.json" \
    --no-test --name fcn-inter-beat --out "$out" "${q[@]}"
# The dominant beat as input channels, a validation experiment only (chapter 2; not adopted, no
# model trained from it): the same recipe on the same folds. Its result is stored as
# src/tscam/models/weights/cv/fcn-inter-dominant.json (cv-fcn.json as .../cv/fcn-inter.json; a
# second run of the first command with the same package version as this one as fcn-inter-rerun).
"$py" -m tscam.crossval --model fcn --template --folds 4 --epochs 12 --weight-power 0.5 \
    --label-smoothing 0.1 --out "$out/cv-fcn-dominant.json" "${q[@]}"
for name in fcn-inter lstm-inter fcn-intra lstm-intra fcn-inter-beat; do
    "$py" -m tscam.train --test-only "$name" --out "$out" --no-progress
done
