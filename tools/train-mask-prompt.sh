#!/usr/bin/env bash
# The built-in model's mask-prompt path (docs/model-card.md "Refine"), on the CPU: the prompt
# encoder's mask_downscaling, which turns the viewer's Refine (the edited mask sent back to the
# model) into the decoder's input, and a Refine decoder (a copy of the mask decoder) that answers
# every decode with a mask prompt, trained on the default model; every other tensor stays
# bit-identical, so every box, click and Auto answer is unchanged.
#
# The first versions of the model were trained on boxes and clicks only, so that path kept its
# random initial weights: Refine made every mask worse (validation Dice 0.926 from any prompt,
# tests/bench/refine_bench.cpp), and answered a poor mask with a lattice of holes.
#
# Data: the fixed split's train images (1600), validation on its 400 val images; test untouched.
# On the 2-core development machine: embeddings about 5 min, an epoch about 4 min.
#
# Usage: bash tools/train-mask-prompt.sh [WORK_DIR]   (the result: WORK_DIR/default-refine.safetensors)
# Environment: CLI (dermsam-cli), DATA (isic2018-512 folder), BASE: the model to add it to, one
# without a Refine decoder; the shipped default has one since this recipe, so to repeat it
# start from the file before: git show 69d4358:models/default.safetensors > v2.safetensors
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CLI=${CLI:-$root/build/app/dermsam-cli}
DATA=${DATA:-$root/../shared/data/isic2018-512}
BASE=${BASE:?set BASE to a model without a Refine decoder (see above)}
WORK=${1:-/tmp/dermsam-mask-prompt}
if "$CLI" info --model "$BASE" --json | grep -q '"refine_decoder":[1-9]'; then
    echo "$BASE already has a Refine decoder: start from a model without one (see above)" >&2
    exit 1
fi
mkdir -p "$WORK"
# Keep freed tensors in the heap (docs/performance.md).
export MALLOC_MMAP_MAX_=${MALLOC_MMAP_MAX_:-0} MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-17179869184}

# As run for the shipped file (2026-12-08): lr 3e-4 with cosine decay over 3 epochs, batch 8,
# seed 2018; the kept epoch is the best validation score, the mean of box Dice (constant) and
# Dice with a box and a mask prompt drawn as for training (fixed draws).
"$CLI" finetune --model "$BASE" --data "$DATA" --split "$DATA/splits.txt" \
    --out "$WORK/refine.safetensors" --cache "$WORK/cache" --device cpu --mask-prompt \
    --epochs 3 --cosine --lr 3e-4 --batch-size 8 --seed 2018 --patience 0 --json
"$CLI" convert --model "$WORK/refine.safetensors" --dtype float16 \
    --out "$WORK/default-refine.safetensors"
"$CLI" info --model "$WORK/default-refine.safetensors"
