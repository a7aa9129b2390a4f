#!/usr/bin/env bash
# The built-in model's Auto decoder (issue 24, docs/model-card.md "Auto"), on the CPU: a second
# mask decoder trained on the whole-frame prompt alone, over the frozen default model, while the
# mask decoder that answers boxes and clicks stays bit-identical.
#
# Training data: the fixed split's train images (1600) plus each mirrored left-right and
# up-down (ImageMagick's mogrify: the decoder trains on cached embeddings, so augmentation has
# to happen to the files), 4800 in all; validation: the 400 val images unchanged; test untouched.
# On the 2-core development machine: embeddings about 4 min, 2 epochs about 15 min.
#
# Usage: bash tools/train-auto-decoder.sh [WORK_DIR]   (the result: WORK_DIR/default-auto.safetensors)
# Environment: CLI (dermsam-cli), DATA (isic2018-512 folder), BASE: the model to add the
# decoder to, one without an Auto decoder; the shipped default has one since this recipe, so to
# repeat it start from the file before: git show 16f22d3:models/default.safetensors > v1.safetensors
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CLI=${CLI:-$root/build/app/dermsam-cli}
DATA=${DATA:-$root/../shared/data/isic2018-512}
BASE=${BASE:?set BASE to a model without an Auto decoder (see above)}
WORK=${1:-/tmp/dermsam-auto-decoder}
command -v mogrify >/dev/null || { echo "needs ImageMagick's mogrify (apt-get install imagemagick)" >&2; exit 1; }
if "$CLI" info --model "$BASE" --json | grep -q '"auto_decoder":[1-9]'; then
    echo "$BASE already has an Auto decoder: start from a model without one (see above)" >&2
    exit 1
fi
# Keep freed tensors in the heap (docs/performance.md).
export MALLOC_MMAP_MAX_=${MALLOC_MMAP_MAX_:-0} MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-17179869184}

aug=$WORK/aug
mkdir -p "$aug/images" "$aug/masks"
: >"$aug/splits.txt"
while read -r id split; do
    [ "$split" = test ] && continue
    ln -sf "$DATA/images/$id.jpg" "$aug/images/$id.jpg"
    ln -sf "$DATA/masks/${id}_segmentation.png" "$aug/masks/${id}_segmentation.png"
    echo "$id $split" >>"$aug/splits.txt"
    if [ "$split" = train ]; then
        for s in h v; do
            cp "$DATA/images/$id.jpg" "$aug/images/$id$s.jpg.tmp"
            cp "$DATA/masks/${id}_segmentation.png" "$aug/masks/$id${s}_segmentation.png.tmp"
            echo "$id$s train" >>"$aug/splits.txt"
        done
    fi
done <"$DATA/splits.txt"
# One mogrify per kind of file and direction: -flop mirrors left-right, -flip up-down.
for s in h v; do
    op=-flop
    [ $s = v ] && op=-flip
    for f in "$aug"/images/*$s.jpg.tmp; do mv "$f" "${f%.tmp}"; done
    for f in "$aug"/masks/*${s}_segmentation.png.tmp; do mv "$f" "${f%.tmp}"; done
    mogrify $op -quality 95 "$aug"/images/*$s.jpg
    mogrify $op "$aug"/masks/*${s}_segmentation.png
done
echo "split: $(awk '{ c[$2]++ } END { for (s in c) printf "%s %d  ", s, c[s] }' "$aug/splits.txt")"

# As run for the shipped file (2026-12-07): 2 epochs, cosine decay from lr 1e-4, batch 8, seed
# 2018; the kept epoch is the best whole-frame Dice on val (the box and click scores in the mean
# cannot change). --val-points only adds the (constant) click score to the log.
"$CLI" finetune --model "$BASE" --data "$aug" --out "$WORK/auto.safetensors" \
    --cache "$WORK/cache" --device cpu --auto-decoder --epochs 2 --cosine --lr 1e-4 \
    --batch-size 8 --seed 2018 --patience 0 --val-points --json
"$CLI" convert --model "$WORK/auto.safetensors" --dtype float16 --out "$WORK/default-auto.safetensors"
"$CLI" info --model "$WORK/default-auto.safetensors"
