#!/usr/bin/env bash
# Times LiteMedSAM on the CPU side by side: DermSAM (dermsam-cli bench) and upstream
# (bowang-lab/MedSAM, branch LiteMedSAM, on PyTorch), same weights, same machine, in alternating
# rounds so that a machine whose load changes treats both alike. Prints each round and the
# ratios of the medians. Figures for docs/performance.md.
#
# Needs: a build with dermsam-cli; /usr/bin/python3 with PyTorch (Debian 12:
# `sudo apt-get install python3-torch`); upstream's code, e.g.
#   git clone --branch LiteMedSAM --depth 1 https://github.com/bowang-lab/MedSAM reference/MedSAM
# (reference/ is git-ignored). timm and torchvision, which upstream imports but LiteMedSAM's
# inference does not use, are replaced by small stand-ins this script writes to reference/shims.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: tools/bench-litemedsam.sh [--build DIR] [--weights FILE] [--reference DIR]
                                 [--rounds N] [--repeats N] [--threads N]
  --build      build folder with app/dermsam-cli (default build)
  --weights    LiteMedSAM state dict (default ../shared/fixtures/litemedsam-parity/weights.pth)
  --reference  checkout of MedSAM's LiteMedSAM branch (default reference/MedSAM)
  --rounds     alternating rounds (default 3)
  --repeats    timed encodes per round and implementation (default 5; box decodes: at least 20)
  --threads    intra-op threads for both (default: all cores)
EOF
}

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
weights="$root/../shared/fixtures/litemedsam-parity/weights.pth"
reference="$root/reference/MedSAM"
rounds=3
repeats=5
threads="$(nproc)"
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build="$2"; shift 2 ;;
    --weights) weights="$2"; shift 2 ;;
    --reference) reference="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

cli="$build/app/dermsam-cli"
[ -x "$cli" ] || { echo "no $cli: build first" >&2; exit 1; }
[ -f "$weights" ] || { echo "no weights file $weights" >&2; exit 1; }
[ -f "$reference/tiny_vit_sam.py" ] || {
    echo "no upstream code in $reference (see the top of this script)" >&2
    exit 1
}
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
    echo "/usr/bin/python3 has no PyTorch (Debian: apt-get install python3-torch)" >&2
    exit 1
}

# Stand-ins for the imports that LiteMedSAM's inference never calls.
shims="$root/reference/shims"
mkdir -p "$shims/timm/models" "$shims/torchvision/transforms" "$shims/torchvision/ops"
touch "$shims/timm/__init__.py" "$shims/timm/models/__init__.py" "$shims/torchvision/__init__.py" \
    "$shims/torchvision/transforms/__init__.py" "$shims/torchvision/ops/__init__.py"
cat >"$shims/timm/models/layers.py" <<'EOF'
import torch
import torch.nn as nn


class DropPath(nn.Module):
    # Stochastic depth is the identity in eval mode.
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return x


def to_2tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    return torch.nn.init.trunc_normal_(tensor, mean, std, a, b)
EOF
printf 'def register_model(fn):\n    return fn\n' >"$shims/timm/models/registry.py"
printf 'def resize(*a, **k):\n    raise NotImplementedError\n\n\ndef to_pil_image(*a, **k):\n    raise NotImplementedError\n' \
    >"$shims/torchvision/transforms/functional.py"
printf 'def batched_nms(*a, **k):\n    raise NotImplementedError\n\n\ndef box_area(*a, **k):\n    raise NotImplementedError\n' \
    >"$shims/torchvision/ops/boxes.py"

median_of() { # JSON field path of dermsam-cli bench / the upstream script, from stdin
    /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print('%.1f' % d['$1']['median'])"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "weights: $weights"
echo "threads: $threads; rounds: $rounds; encodes per round: $repeats"
ours_enc=() ours_dec=() up_enc=() up_dec=() def_enc=() def_dec=()
for r in $(seq 1 "$rounds"); do
    echo "round $r: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    ours="$("$cli" bench --model "$weights" --threads "$threads" --repeats "$repeats" --json)"
    oe="$(median_of encode_ms <<<"$ours")"
    od="$(median_of decode_ms <<<"$ours")"
    # Upstream three times: with libgomp's defaults; with the passive waiting DermSAM's launcher
    # sets (model/cpu_threading.h); and with everything DermSAM's programs run with: the whole
    # environment its launcher set (cpu_env: OpenMP waiting, the OpenBLAS kernels and thread
    # timeout, glibc's malloc keeping freed memory instead of unmapping it) and denormals
    # flushed to zero. The fastest counts, so upstream is never slowed by our choices. (The
    # malloc settings alone took upstream's encode from about 1.3 s to 0.7-0.8 s here.)
    launcher_env="$(/usr/bin/python3 -c '
import json, sys
env = json.load(sys.stdin)["cpu_env"]
print(" ".join("%s=%s" % (k, v) for k, v in env.items() if k.isupper() and v))' <<<"$ours")"
    best_e="" best_d=""
    for env in "" "OMP_WAIT_POLICY=PASSIVE" "$launcher_env --flush-denormal"; do
        flag=""
        case "$env" in *--flush-denormal) flag="--flush-denormal" env="${env% --flush-denormal}" ;; esac
        up="$(env $env PYTHONPATH="$shims" /usr/bin/python3 "$root/tools/litemedsam_upstream_bench.py" \
            --weights "$weights" --reference "$reference" --threads "$threads" --repeats "$repeats" $flag)"
        ue="$(median_of encode_ms <<<"$up")"
        ud="$(median_of decode_ms <<<"$up")"
        echo "  upstream ${env:-default libgomp}${flag:+ $flag}: encode ${ue} ms, box decode ${ud} ms"
        if [ -z "$env" ]; then def_enc+=("$ue") def_dec+=("$ud"); fi
        if [ -z "$best_e" ] || awk "BEGIN{exit !($ue < $best_e)}"; then best_e="$ue"; fi
        if [ -z "$best_d" ] || awk "BEGIN{exit !($ud < $best_d)}"; then best_d="$ud"; fi
    done
    echo "  DermSAM: encode ${oe} ms, box decode ${od} ms"
    ours_enc+=("$oe") ours_dec+=("$od") up_enc+=("$best_e") up_dec+=("$best_d")
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Two comparisons: upstream as its own scripts run it (no environment set), and upstream at its
# fastest, given DermSAM's whole process environment too (docs/performance.md says which is
# which; the second is the stricter one).
/usr/bin/python3 - "${ours_enc[*]}" "${ours_dec[*]}" "${up_enc[*]}" "${up_dec[*]}" \
    "${def_enc[*]}" "${def_dec[*]}" <<'EOF'
import statistics, sys
oe, od, ue, ud, de, dd = ([float(x) for x in a.split()] for a in sys.argv[1:7])
m = statistics.median
print("median over rounds (ms):     DermSAM   upstream   DermSAM / upstream")
for label, e, d in (("upstream as run by its scripts", de, dd),
                    ("upstream at its fastest (DermSAM's environment)", ue, ud)):
    print(" against %s:" % label)
    print("  encode (256 x 256)       %8.1f   %8.1f   %.2f" % (m(oe), m(e), m(oe) / m(e)))
    print("  box decode               %8.1f   %8.1f   %.2f" % (m(od), m(d), m(od) / m(d)))
EOF
