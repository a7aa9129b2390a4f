#!/usr/bin/env bash
# One device call: build model/ and the headless tools against the CUDA LibTorch that the
# machine's Python torch carries, run the GPU checks and benchmarks, train the built-in default
# model (recipe: tools/train-default-model.sh), and leave results under $OUT.
# Usage (on the GPU machine, from the repository root): bash tools/gpu/run.sh [total-seconds]
set -uo pipefail
budget=${1:-540}
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

stage "benchmarks"
{
    timeout 60 $cli bench --arch vit_b --device cuda --json --tf32 off --train-batch 64
    timeout 40 $cli bench --arch vit_b --device cuda --json --tf32 on
    timeout 40 $cli bench --arch vit_b --device cuda --json --precision bfloat16
    timeout 40 $cli bench --arch compact --device cuda --json --tf32 on --train-batch 64
} | tee "$OUT/bench.jsonl"

stage "data"
data=/tmp/isic-npy
if [ -f .gpu-data/isic.tar ]; then
    mkdir -p /tmp/isic && tar -xf .gpu-data/isic.tar -C /tmp/isic
    python3 tools/gpu/prepare_data.py to-npy /tmp/isic "$data"
fi

stage "train the default model"
train_seconds=$(( $(left) - 75 ))
echo "time for training: ${train_seconds} s"
if [ -d "$data" ] && [ "$train_seconds" -gt 60 ]; then
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
