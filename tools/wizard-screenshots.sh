#!/usr/bin/env bash
# Runs the real fine-tuning wizard under Xvfb on a few ISIC 2018 images (a real, short CPU run)
# and saves the run page and the results page: docs/wizard-run.png and docs/wizard-results.png.
# The driver (tests/bench/wizard_driver.cpp, target dermsam-wizard-driver) plays the user: it
# types the settings and presses Next; the application has no autopilot of its own.
#
#   tools/wizard-screenshots.sh [--build DIR] [--base MODEL] [--train N] [--val N] [--test N]
#                               [--epochs N] [--lr X] [--patience N] [--out-prefix P]
#
# The images are the first N of each split of ../shared/data/isic2018-512/splits.txt. The base
# model defaults to the random-weight SAM of ../shared/fixtures/sam-parity-tiny (an untrained
# decoder, so a short run shows a gain; the built-in model is already trained on ISIC and gains
# nothing). Settings and the embedding cache go to a private temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
base="$root/../shared/fixtures/sam-parity-tiny/weights.pth"
ntrain=32
nval=8
ntest=12
epochs=8
lr=0.001
patience=0
prefix="$root/docs/wizard"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --build) build="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --train) ntrain="$2"; shift 2 ;;
    --val) nval="$2"; shift 2 ;;
    --test) ntest="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --lr) lr="$2"; shift 2 ;;
    --patience) patience="$2"; shift 2 ;;
    --out-prefix) prefix="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "wizard-screenshots.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
app="$build/tests/dermsam-wizard-driver"
isic="$root/../shared/data/isic2018-512"
[[ -x "$app" ]] || { echo "wizard-screenshots.sh: $app not built (cmake --build $build --target dermsam-wizard-driver)" >&2; exit 1; }
[[ -f "$isic/splits.txt" ]] || { echo "wizard-screenshots.sh: $isic/splits.txt not found" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "wizard-screenshots.sh: xvfb-run is not installed (apt install xvfb)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
data="$tmp/data"
mkdir -p "$data/images" "$data/masks"
for split in train val test; do
    case "$split" in train) n=$ntrain ;; val) n=$nval ;; test) n=$ntest ;; esac
    awk -v s="$split" -v n="$n" '$2 == s && k++ < n { print $1 }' "$isic/splits.txt" | while read -r id; do
        cp "$isic/images/$id.jpg" "$data/images/"
        cp "$isic/masks/${id}_segmentation.png" "$data/masks/"
        echo "$id $split" >> "$data/splits.txt"
    done
done
[[ "$base" == default || -f "$base" ]] || base=default
mkdir -p "$(dirname "$prefix")"
XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" LANG=C.UTF-8 TMPDIR="$tmp" \
    timeout 900 xvfb-run -a -s "-screen 0 1400x1000x24" "$app" --data "$data" --base "$base" \
    --epochs "$epochs" --lr "$lr" --patience "$patience" --output "$tmp/run" --shots "$prefix"
for f in "$prefix-run.png" "$prefix-results.png"; do
    [[ -f "$f" ]] || { echo "wizard-screenshots.sh: $f was not written" >&2; exit 1; }
    echo "wrote $f"
done
