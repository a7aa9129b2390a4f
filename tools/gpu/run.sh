#!/usr/bin/env bash
# One device call: build model/ and the headless tools against the CUDA LibTorch that the
# machine's Python torch carries, run the GPU checks and benchmarks (decoder training at batch 64
# in float32 and bfloat16, data resident on the card and staged from pinned host memory), and
# leave results under $OUT. With TRAIN_DEFAULT=1 it then also trains the built-in default model
# (recipe: tools/train-default-model.sh) in the time that is left.
# Usage (on the GPU machine, from the repository root): bash tools/gpu/run.sh [total-seconds]
# About 4-5 minutes without training: the build is most of it.
set -uo pipefail
budget=${1:-450}
start=$(date +%s)
OUT=${OUT:-/tmp/dermsam-gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
left() { echo $(( budget - ($(date +%s) - start) )); }
stage() { echo; echo "=== $1 ($(( $(date +%s) - start )) s elapsed)"; }

stage "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')

stage "build (model-only, CUDA LibTorch)"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DDERMSAM_MODEL_ONLY=ON \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CUDA_ARCHITECTURES=90 >"$OUT/build.txt" 2>&1 &&
    timeout 300 cmake --build build-gpu --parallel 16 >>"$OUT/build.txt" 2>&1
if [ ! -x build-gpu/app/dermsam-cli ]; then
    grep -E "error|Error" -A3 "$OUT/build.txt" | head -60
    echo "build failed"
    exit 1
fi
cli=build-gpu/app/dermsam-cli
check=build-gpu/tests/gpu/dermsam-gpu-check

stage "GPU parity: CUDA fp32 vs CPU fp32 (seeded random ViT-B)"
timeout 120 $check parity

stage "CUDA graphs: graphed encoder and box decode vs eager, with timings"
timeout 90 $check graphs vit_b float32
timeout 60 $check graphs vit_b bfloat16

stage "benchmarks"
# Decoder-only training (cached embeddings, the PEFT loop) at batch 64, anchors of issue 9:
# 1466 samples/s float32, 1553 bfloat16 (upstream PyTorch on an H100). float32 with TF32 off as
# the anchor; bfloat16 is autocast over float32 weights. "off" stages each batch through pinned
# host memory instead of keeping the set on the card.
{
    timeout 60 $cli bench --arch vit_b --device cuda --json --tf32 off --train-batch 64
    timeout 60 $cli bench --arch vit_b --device cuda --json --tf32 off --train-batch 64 \
        --data-on-device off
    timeout 60 $cli bench --arch vit_b --device cuda --json --precision bfloat16 --train-batch 64
    timeout 40 $cli bench --arch vit_b --device cuda --json --tf32 on
    timeout 40 $cli bench --arch vit_b --device cuda --json --tf32 on --graphs off
    timeout 40 $cli bench --arch compact --device cuda --json --tf32 on --train-batch 64
} | tee "$OUT/bench.jsonl"
python3 - "$OUT/bench.jsonl" <<'EOF2'
import json, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("train_batch"):
        anchor = {"float32": 1466, "bfloat16": 1553}.get(r["precision"])
        rate = r["train_samples_per_s"]
        print(f"decoder training {r['model']} {r['precision']} batch {r['train_batch']}"
              f" data on device {r.get('train_data_on_device')}: {rate:.0f} samples/s"
              + (f", {rate / anchor:.2f} x the anchor" if anchor and "vit_b" in r["model"] else ""))
EOF2

stage "data"
data=/tmp/isic-npy
if [ -f .gpu-data/isic.tar ]; then
    mkdir -p /tmp/isic && tar -xf .gpu-data/isic.tar -C /tmp/isic
    python3 tools/gpu/prepare_data.py to-npy /tmp/isic "$data"
fi

if [ -d "$data" ]; then
    # The graphed predictor path (encoder + box decode) in bfloat16 against float32, real images.
    stage "bf16 vs fp32 masks (built-in default model, validation images)"
    timeout 60 $check bf16 models/default.safetensors "$data" 100
fi

stage "train the default model"
train_seconds=$(( $(left) - 75 ))
echo "time for training: ${train_seconds} s (TRAIN_DEFAULT=${TRAIN_DEFAULT:-0})"
if [ "${TRAIN_DEFAULT:-0}" = 1 ] && [ -d "$data" ] && [ "$train_seconds" -gt 60 ]; then
    TIME_LIMIT=$train_seconds OUT_CKPT="$OUT/run/default.safetensors" DATA="$data" DEVICE=cuda \
        CLI=$cli timeout $(( train_seconds + 40 )) bash tools/train-default-model.sh
    stage "bf16 vs fp32 masks (trained model, validation images)"
    [ -f "$OUT/run/default.safetensors" ] && timeout 60 $check bf16 "$OUT/run/default.safetensors" "$data" 100
fi

stage "package results"
if [ -f "$OUT/run/default.safetensors" ]; then
    # $OUT returns files of at most 16 MB: split the checkpoint, joined again with cat.
    split -b 15M -d "$OUT/run/default.safetensors" "$OUT/default.safetensors.part"
    sha256sum "$OUT/run/default.safetensors" | tee "$OUT/default.sha256"
fi
rm -rf "$OUT/run"
ls -la "$OUT"
echo "done after $(( $(date +%s) - start )) s"
