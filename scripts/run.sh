#!/usr/bin/env bash
# First command of the README: dependencies, Release build, then the GUI on the default model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/app/dermsam "$@"
