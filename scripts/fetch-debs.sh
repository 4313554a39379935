#!/bin/sh
# Download Debian packages by name and unpack them for reference use, without
# installing anything on the host:
#
#   fetch-debs.sh PACKAGE...
#   fetch-debs.sh --depends-of METAPACKAGE
#
# Each .deb goes into build/debs/ (skipped when a file for that package is
# already there) and is unpacked with dpkg-deb -x into build/ref/<package>/.
# Prints the unpack directory of every package, one a line. Example:
#   scripts/fetch-debs.sh xen-hypervisor-4.17-amd64
#   -> build/ref/xen-hypervisor-4.17-amd64/boot/xen-4.17-amd64.gz
# --depends-of fetches the first package METAPACKAGE depends on (per
# apt-cache depends), e.g. --depends-of linux-image-amd64 gives the current
# linux-image-<version>-amd64.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache="$top/build/debs"
ref="$top/build/ref"
mkdir -p "$cache" "$ref"
[ $# -gt 0 ] || { echo "usage: fetch-debs.sh PACKAGE... | --depends-of META" >&2; exit 2; }

if [ "$1" = --depends-of ]; then
    [ $# -eq 2 ] || { echo "usage: fetch-debs.sh --depends-of METAPACKAGE" >&2; exit 2; }
    dep=$(apt-cache depends "$2" 2>/dev/null | sed -n 's/^ *Depends: //p' | head -n 1)
    [ -n "$dep" ] || { echo "fetch-debs: no dependency of $2 (try: apt-get update)" >&2; exit 1; }
    set -- "$dep"
fi

# apt-get download drops privileges to _apt when run as root; a private
# directory _apt can write avoids its "unsandboxed download" warning.
download() {
    tmp=$(mktemp -d)
    chmod 0777 "$tmp"
    if ! (cd "$tmp" && apt-get download -q "$1" >/dev/null 2>"$tmp/.err"); then
        cat "$tmp/.err" >&2
        rm -rf "$tmp"
        echo "fetch-debs: cannot download $1 (try: apt-get update)" >&2
        return 1
    fi
    mv "$tmp"/*.deb "$cache/"
    rm -rf "$tmp"
}

for pkg in "$@"; do
    deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        download "$pkg"
        deb=$(ls "$cache/${pkg}_"*.deb | head -n 1)
    fi
    dest="$ref/$pkg"
    stamp="$dest/.unpacked-from"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(basename "$deb")" ]; then
        rm -rf "$dest"
        mkdir -p "$dest"
        dpkg-deb -x "$deb" "$dest"
        basename "$deb" >"$stamp"
    fi
    echo "$dest"
done
