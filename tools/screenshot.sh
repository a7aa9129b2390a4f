#!/usr/bin/env bash
# Runs the real DermSAM window under Xvfb on a sample dermoscopy image, drags a box with the mouse,
# presses H for the heatmap and saves a screenshot of the window (docs/screenshot.png by default).
# The driver (tests/bench/screenshot_driver.cpp) plays the user; the application has no
# screenshot mode of its own.
#
#   tools/screenshot.sh [--build DIR] [--model CHECKPOINT] [--image IMG] [--box x0,y0,x1,y1] [--out PNG]
#                       [--compare-out PNG]   # also the follow-up comparison window (synthetic earlier visit)
#
# The model defaults to the built-in default model (a private settings folder is used, so the
# user's own checkpoint setting does not apply).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
model=""
image=""
box="30,90,425,435"
out="$root/docs/screenshot.png"
compare_out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --build) build="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --box) box="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --compare-out) compare_out="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "screenshot.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
app="$build/tests/dermsam-screenshot"
[[ -x "$app" ]] || { echo "screenshot.sh: $app not built (cmake --build $build --target dermsam-screenshot)" >&2; exit 1; }
if [[ -z "$image" ]]; then
    image="$root/resources/samples/ISIC_0000009.jpg"
fi
[[ -n "$image" && -f "$image" ]] || { echo "screenshot.sh: no sample image (use --image)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "screenshot.sh: xvfb-run is not installed (apt install xvfb)" >&2; exit 1; }

# A private settings folder, so the user's settings and recent files stay untouched.
cfg="$(mktemp -d)"
trap 'rm -rf "$cfg"' EXIT
args=(--image "$image" --box "$box" --out "$out" --heatmap)
[[ -n "$model" ]] && args+=(--model "$model")
[[ -n "$compare_out" ]] && args+=(--compare-out "$compare_out")
mkdir -p "$(dirname "$out")"
XDG_CONFIG_HOME="$cfg/config" XDG_CACHE_HOME="$cfg/cache" XDG_DATA_HOME="$cfg/data" LANG=C.UTF-8 timeout 300 \
    xvfb-run -a -s "-screen 0 1400x900x24" "$app" "${args[@]}"
echo "wrote $out${compare_out:+ and $compare_out}"
