#!/usr/bin/env bash
# Builds the Debian package build/dermsam_<version>_amd64.deb (packaging/README.md).
#   bash scripts/package.sh                  # build and package
#   bash scripts/package.sh --check          # ... then validate it and run the programs it
#                                            # installs into a scratch root (dpkg -x)
#   bash scripts/package.sh --check --install   # ... and install it on this machine (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --packaging
bash scripts/build.sh
rm -f build/dermsam_*.deb
(cd build && cpack -G DEB)
deb=$(ls build/dermsam_*_amd64.deb)
echo "package.sh: built $deb ($(du -h "$deb" | cut -f1))"
if [ "${1:-}" = "--check" ]; then
    shift
    bash tests/packaging/check-deb.sh "$deb" "$@"
fi
