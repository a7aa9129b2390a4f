#!/usr/bin/env bash
# Builds the io/, model/ and core/ unit tests with AddressSanitizer + UBSan (CMakePresets.json
# "asan-ubsan", gcc, build-asan/) and runs them. A developer command; see docs/reliability.md
# "Sanitizers" for what runs clean and why the options below are what they are.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=$(ls tests/io/tst_*.cpp tests/model/tst_*.cpp tests/core/tst_*.cpp | xargs -n1 basename | sed 's/\.cpp$//')
[ -f build-asan/CMakeCache.txt ] || cmake --preset asan-ubsan >/dev/null
cmake --build build-asan --parallel "$(nproc)" --target $tests
ctest --preset asan-ubsan "$@"
