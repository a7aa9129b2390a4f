#!/usr/bin/env bash
# Installs exactly what DermSAM needs from Debian 12's packages. Idempotent; root or sudo.
# bash scripts/install-deps.sh [--packaging]
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    qt6-translations-l10n libqt6opengl6-dev libgl-dev
    libtorch-dev libopenblas0-pthread
    libopencv-dev libdcmtk-dev dcmtk dicom3tools libjpeg62-turbo-dev
    libqcustomplot-dev libqcustomplot2.1-qt6
    xvfb xauth poppler-utils
    clang-14 libclang-rt-14-dev llvm-14
)
# --packaging: also what building and checking the Debian package needs (scripts/package.sh).
if [ "${1:-}" = "--packaging" ]; then
    packages+=(dpkg-dev file lintian desktop-file-utils appstream man-db gzip)
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-deps.sh: run as root or install sudo" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps.sh: all packages present"
    exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
"${SUDO[@]}" apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
