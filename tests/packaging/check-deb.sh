#!/usr/bin/env bash
# Protects the Debian package: its contents and metadata validate, lintian finds no error, and the
# programs it installs run from outside the source tree, relocated (dpkg -x into a scratch root)
# and, with --install, installed on this machine: --version, and `segment --model default` on an
# ISIC 2018 test image whose Dice against the expert mask must exceed 0.9.
#   bash tests/packaging/check-deb.sh build/dermsam_<v>_amd64.deb [--install]
set -euo pipefail
deb=$(readlink -f "$1")
install=${2:-}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
shared=${DERMSAM_SHARED_DIR:-$source_dir/../shared}
scratch=$(mktemp -d /tmp/dermsam-deb.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }
step() { echo "check-deb: $*"; }

step "metadata"
dpkg-deb --field "$deb" Package Version Architecture Depends
depends=$(dpkg-deb --field "$deb" Depends)
for dep in libtorch libqt6widgets6 libopencv-imgcodecs libdcmtk qt6-qpa-plugins libc6; do
    grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep (dpkg-shlibdeps or CPACK_DEBIAN_PACKAGE_DEPENDS)"
done

step "contents"
dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' > "$scratch/contents"
for f in /usr/bin/dermsam /usr/bin/dermsam-cli /usr/libexec/dermsam/dermsam-bin \
         /usr/libexec/dermsam/dermsam-cli-bin /usr/share/dermsam/models/default.safetensors \
         /usr/share/applications/org.dermsam.dermsam.desktop \
         /usr/share/metainfo/org.dermsam.dermsam.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/org.dermsam.dermsam.svg \
         /usr/share/icons/hicolor/48x48/apps/org.dermsam.dermsam.png \
         /usr/share/icons/hicolor/256x256/apps/org.dermsam.dermsam.png \
         /usr/share/man/man1/dermsam.1.gz /usr/share/man/man1/dermsam-cli.1.gz \
         /usr/share/doc/dermsam/copyright /usr/share/doc/dermsam/changelog.gz; do
    grep -qx "$f" "$scratch/contents" || fail "the package has no $f"
done
if grep -E '^/usr/(lib|bin)/.*tst_|/usr/include' "$scratch/contents"; then
    fail "test programs or headers in the package"
fi

step "relocated install (dpkg -x) in $scratch/root"
dpkg -x "$deb" "$scratch/root"
root=$scratch/root
# No path of the build machine's source tree in what is installed (-ffile-prefix-map).
if grep -rlF "$source_dir/" "$root" >"$scratch/leaks"; then
    cat "$scratch/leaks" >&2
    fail "installed files name the source tree $source_dir"
fi

step "desktop entry, AppStream, man pages"
desktop-file-validate "$root/usr/share/applications/org.dermsam.dermsam.desktop"
appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/org.dermsam.dermsam.metainfo.xml"
for page in dermsam dermsam-cli; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
        "$root/usr/share/man/man1/$page.1.gz" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "man page $page: $warnings"
done

# The installed programs, started from a folder outside the source tree, with a HOME of their own
# (settings, and the embedding cache, which stays on: the user's default).
run_installed() { # <prefix> <label>
    local prefix=$1 label=$2 work
    work=$(mktemp -d "$scratch/run.XXXXXX")
    mkdir -p "$work/home"
    cd "$work"
    local env=(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM -u DERMSAM_DEFAULT_MODEL
               HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
               XDG_CONFIG_HOME="$work/home/.config")
    local version
    version=$("${env[@]}" "$prefix/bin/dermsam-cli" --version)
    grep -q "$(dpkg-deb --field "$deb" Version)" <<<"$version" ||
        fail "$label: dermsam-cli --version said '$version'"
    version=$("${env[@]}" "$prefix/bin/dermsam" --version)
    grep -q "$(dpkg-deb --field "$deb" Version)" <<<"$version" ||
        fail "$label: dermsam --version said '$version'"
    step "$label: --version: $version"

    if [ ! -d "$shared/data/isic2018-512" ]; then
        step "$label: SKIP segment: $shared/data/isic2018-512 is absent"
        return
    fi
    local id=ISIC_0000009 # in the shared split's test set
    local image=$shared/data/isic2018-512/images/$id.jpg
    local truth=$shared/data/isic2018-512/masks/${id}_segmentation.png
    local box
    box=$(python3 "$source_dir/tests/packaging/png_dice.py" --box "$truth")
    "${env[@]}" "$prefix/bin/dermsam-cli" segment --model default --image "$image" --box "$box" \
        --out "$work/mask.png" --json >"$work/segment.json"
    [ -n "$(ls -A "$work/home/.cache" 2>/dev/null)" ] ||
        fail "$label: segment wrote nothing to the user's embedding cache"
    local dice
    dice=$(python3 "$source_dir/tests/packaging/png_dice.py" "$work/mask.png" "$truth")
    step "$label: segment --model default on $id, box $box: Dice $dice"
    python3 -c "import sys; sys.exit(0 if float('$dice') > 0.9 else 1)" ||
        fail "$label: Dice $dice is not above 0.9"
    cd "$source_dir"
}
run_installed "$root/usr" "relocated"

if [ "$install" = "--install" ]; then
    step "install on this machine (apt-get install ./$(basename "$deb"))"
    SUDO=()
    [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb"
    run_installed /usr "installed"
    "${SUDO[@]}" dpkg --remove dermsam
fi

step "lintian"
lintian_out=$(lintian --info --display-info "$deb" 2>&1 || true)
echo "$lintian_out"
if grep -q '^E: ' <<<"$lintian_out"; then
    fail "lintian reports errors (packaging/README.md explains each accepted warning)"
fi
step "passed"
