#!/usr/bin/env bash
# The built-in default model's recipe, reproducible with the project's own engine:
#   compact CNN encoder (model/compact_encoder.h) + SAM's prompt encoder and mask decoder,
#   trained from random initialisation on ISIC 2018 (../shared/data/isic2018-512, splits.txt):
#   train on "train", keep the best epoch on "val", never look at "test".
# Needs the data in the MedSAM npy layout (tools/gpu/prepare_data.py to-npy), or any layout the
# full build reads. Environment: DATA, OUT_CKPT, DEVICE (cuda|cpu), TIME_LIMIT (s), CLI, and
# FRAME: a fraction of the box batches prompted with the whole frame instead (Auto's start,
# issue 24; `finetune --frame`, then also `--val-frame`); 0, the shipped recipe, by default.
set -euo pipefail
cli=${CLI:-build/app/dermsam-cli}
data=${DATA:-../shared/data/isic2018-512}
out=${OUT_CKPT:-models/default.safetensors}
device=${DEVICE:-cuda}
time_limit=${TIME_LIMIT:-0}
frame=()
[ "${FRAME:-0}" != 0 ] && frame=(--frame "$FRAME" --val-frame)

# Settings (the recipe):
#   seed 2018; AdamW lr 1e-3, weight decay 0.01, batch 32, cosine decay after 200 warm-up steps;
#   up to 120 epochs, fitted into TIME_LIMIT when set; validation Dice every epoch, best kept;
#   prompts: 75% jittered ground-truth boxes (0-20 px at 1024 plus +-10% of the box side),
#   25% one foreground click with a background click half the time (three candidate masks,
#   best one trained); augmentation: any rotation, flips, zoom 0.75-1.3, stretch up to 1.3,
#   shift 10%, brightness/contrast/saturation/white balance/gamma, blur, low resolution, noise.
exec "$cli" finetune --arch compact --train-encoder --train-prompt-encoder --augment \
    --data "$data" --out "$out" --device "$device" \
    --seed 2018 --epochs 120 --lr 1e-3 --weight-decay 0.01 --batch-size 32 \
    --cosine --warmup 200 --patience 0 --box-jitter 20 --box-jitter-fraction 0.1 \
    --points 0.25 "${frame[@]}" --time-limit "$time_limit" --json ${EXTRA_ARGS:-}
