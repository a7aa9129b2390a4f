#!/usr/bin/env bash
# Builds .gpu-data/small (git-ignored), the data that tools/gpu/run.sh reads on the GPU machine,
# where ../shared does not travel: the parity fixture's reference outputs for the box and point
# cases (input and weights gzipped) and the first 100 validation images of ISIC 2018 with their
# masks (CC BY-NC 4.0, ISIC 2018 challenge; see ../shared/data/isic2018-512/README.md).
# About 40 MB: carry it with the call (carry: [".gpu-data/small"]); the repository and the
# carried paths together must stay under 64 MiB.
# Usage: bash tools/gpu/pack-carry.sh [path/to/shared]
set -euo pipefail
shared=${1:-../shared}
fixture="$shared/fixtures/sam-parity-tiny"
data="$shared/data/isic2018-512"
for d in "$fixture" "$data"; do
    [ -d "$d" ] || { echo "pack-carry: $d not found" >&2; exit 1; }
done
out=.gpu-data/small
rm -rf "$out" && mkdir -p "$out/parity"
cp "$fixture"/{README.md,cases.json,image_embedding.npy} "$out/parity/"
cp "$fixture"/{box,point}_{low_res_logits,iou_predictions}.npy "$out/parity/"
gzip -9 -c "$fixture/input.npy" >"$out/parity/input.npy.gz"
gzip -9 -c "$fixture/weights.pth" >"$out/parity/weights.pth.gz"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/images" "$stage/masks"
# Not `| head`: with pipefail, awk killed by the closed pipe failed the script silently.
awk '$2 == "val" && n++ < 100 { print $1 }' "$data/splits.txt" >"$stage/ids"
while read -r id; do
    cp "$data/images/$id.jpg" "$stage/images/"
    cp "$data/masks/${id}_segmentation.png" "$stage/masks/"
done <"$stage/ids"
grep -F -f "$stage/ids" "$data/splits.txt" >"$stage/splits.txt"
tar -cf "$out/isic-val100.tar" -C "$stage" images masks splits.txt
du -sh "$out"
