#!/usr/bin/env bash
# Second command of the README: builds everything and runs the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=()
[ "${CI:-}" = "true" ] && werror=(-DDERMSAM_WERROR=ON)
bash scripts/build.sh "${werror[@]}"
cd build
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure --timeout 1800 "$@"
