#!/usr/bin/env bash
# Configures and builds DermSAM (Release) in build/.
#   bash scripts/build.sh [--target NAME]... [CMake configure arguments]
# With --target, only those targets (and what they need) are built: scripts/run.sh builds just
# the application, so the first window does not wait for the test programs.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=()
while [ $# -gt 0 ] && [ "$1" = "--target" ]; do
    targets+=(--target "$2")
    shift 2
done
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
elif [ $# -gt 0 ]; then
    cmake -S . -B build "$@"
fi
cmake --build build --parallel "$(nproc)" "${targets[@]}"
