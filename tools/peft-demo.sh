#!/usr/bin/env bash
# PEFT demonstration (issue 6), on the CPU: fine-tune the built-in default model's mask decoder
# (image and prompt encoders frozen) on a subset of the ISIC 2018 train split with click prompts
# mixed in, then let `compare` test zero-shot against fine-tuned on the whole test split, with a
# centre click and with the ground-truth box. Results: docs/peft-demo.md.
#
# Usage, from anywhere: bash tools/peft-demo.sh [WORK_DIR]
# Environment: CLI (dermsam-cli), DATA (isic2018-512 folder), EVERY (keep every EVERY-th train and
# val image, default 6: 267 + 67), EPOCHS (default 3), POINTS (fraction of click batches, default
# 0.25), POINT_MASKS (best3|single|both, default single), NICE (default 10), THREADS (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CLI=${CLI:-$root/build/app/dermsam-cli}
DATA=${DATA:-$root/../shared/data/isic2018-512}
WORK=${1:-${WORK:-/tmp/dermsam-peft-demo}}
EVERY=${EVERY:-6}
EPOCHS=${EPOCHS:-3}
POINTS=${POINTS:-0.25}
POINT_MASKS=${POINT_MASKS:-single}
# glibc gives every large tensor's memory back to the system when it is freed, and training then
# spends a third of its CPU time faulting it in again (docs/performance.md); keep it in the heap.
export MALLOC_MMAP_MAX_=${MALLOC_MMAP_MAX_:-0} MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-17179869184}
NICE=${NICE:-10}
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
mkdir -p "$WORK"
run() { nice -n "$NICE" "$CLI" "$@"; }
stamp() { date -u +%H:%M:%S; }

# The fixed split's test images unchanged; every EVERY-th train and val image (in file order),
# so the subset spreads over the whole id range.
awk -v k="$EVERY" '$2 == "test" { print; next } { n[$2]++; if ((n[$2] - 1) % k == 0) print }' \
    "$DATA/splits.txt" >"$WORK/splits.txt"
echo "split: $(awk '{ c[$2]++ } END { for (s in c) printf "%s %d  ", s, c[s] }' "$WORK/splits.txt")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# Decoder only (the default); a quarter of the batches prompted by one click inside the lesion
# (with a background click half of those times), training the single-mask output that a
# one-click evaluation reads. The kept checkpoint is the best mean of box and click Dice on the
# validation subset (the zero-shot model is a candidate).
echo "$(stamp) finetune"
start=$(date +%s)
run finetune --model default --data "$DATA" --split "$WORK/splits.txt" \
    --out "$WORK/peft.safetensors" --cache "$WORK/cache" --device cpu "${threads[@]}" \
    --epochs "$EPOCHS" --batch-size 8 --lr 1e-4 --seed 2018 --patience 0 \
    --points "$POINTS" --point-masks "$POINT_MASKS" --val-points --json | tee "$WORK/finetune.json"
echo "finetune wall time: $(( $(date +%s) - start )) s" | tee "$WORK/times.txt"

for prompt in center box; do
    echo "$(stamp) compare --prompt $prompt"
    start=$(date +%s)
    run compare --data "$DATA" --split "$WORK/splits.txt:test" \
        --model default --model "$WORK/peft.safetensors" --prompt "$prompt" \
        --cache "$WORK/cache" --device cpu "${threads[@]}" \
        --report "$WORK/compare-$prompt" --json >/dev/null
    echo "compare $prompt wall time: $(( $(date +%s) - start )) s" | tee -a "$WORK/times.txt"
    python3 - "$WORK/compare-$prompt.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
a, b = r["models"]
for name, m in (("zero-shot", a), ("fine-tuned", b)):
    d = m["dice"]
    print(f"  {name:10s} Dice {d['mean']:.4f} (CI {d['ci'][0]:.4f}-{d['ci'][1]:.4f}, SD {d['sd']:.3f}),"
          f" IoU {m['iou']['mean']:.4f}")
d = r["dice"]
w = d["wilcoxon"]
print(f"  n {r['n']}, Dice B - A {d['mean_difference']:+.4f} (CI {d['ci'][0]:+.4f} to {d['ci'][1]:+.4f}),"
      f" Wilcoxon {w['method']} p = {w['p']:.3g}, W+ {w['w']}, W- {w['w_minus']}, zeros {w['zeros']}")
print(f"  IoU B - A {r['iou']['mean_difference']:+.4f}, p = {r['iou']['wilcoxon']['p']:.3g}")
print("  " + r["verdict"])
EOF
done
echo "$(stamp) done; results in $WORK"
