#!/usr/bin/env bash
# First command of the README: dependencies, a Release build of the two programs (not the tests:
# scripts/test.sh builds those), then the GUI on the default model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh --target dermsam --target dermsam-cli
exec ./build/app/dermsam "$@"
