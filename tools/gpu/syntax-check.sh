#!/usr/bin/env bash
# Compiles the CUDA-only branches (model/cuda_graph.cpp with DERMSAM_HAVE_CUDA) for syntax only,
# against this machine's LibTorch headers and CUDA toolkit headers, without a GPU or a CUDA
# LibTorch. Debian's libtorch-dev ships c10/cuda but not its generated cuda_cmake_macros.h;
# a stub of it is made in a temporary folder.
#
#   tools/gpu/syntax-check.sh [CUDA_INCLUDE_DIR]   (default /usr/local/cuda/include)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cuda="${1:-/usr/local/cuda/include}"
[[ -f "$cuda/cuda_runtime_api.h" ]] || { echo "syntax-check: no CUDA headers in $cuda" >&2; exit 1; }
[[ -d /usr/include/c10/cuda ]] || { echo "syntax-check: no c10/cuda headers (libtorch-dev)" >&2; exit 1; }
stub="$(mktemp -d)"
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/c10/cuda/impl"
printf '#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n' >"$stub/c10/cuda/impl/cuda_cmake_macros.h"
for f in model/cuda_graph.cpp; do
    c++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror -DDERMSAM_HAVE_CUDA=1 -D_GLIBCXX_USE_CXX11_ABI=1 \
        -I"$root" -isystem "$stub" -isystem /usr/include/torch/csrc/api/include -isystem "$cuda" \
        "$root/$f"
    echo "ok: $f"
done
