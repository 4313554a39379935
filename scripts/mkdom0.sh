#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build what the hypervisor needs to boot Debian's stock Linux as dom0:
#
#   mkdom0.sh [--init FILE] [-o OUT] [mkinitramfs.sh options]...
#
# Fetches the kernel package linux-image-amd64 depends on (fetch-debs.sh)
# and builds a dom0 initramfs (mkinitramfs.sh: busybox-static, the Xen
# device modules) whose /init is FILE, by default scripts/dom0-shell-init.sh
# (modules, xenfs, a banner, a shell on the console). The xenstore tools are
# left out unless --with-dom0-tools is given. OUT defaults to
# build/dom0/initramfs.cpio.gz. Prints OUT, then the kernel image on a
# second line (as mkinitramfs.sh does).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
init="$top/scripts/dom0-shell-init.sh" out="$top/build/dom0/initramfs.cpio.gz"
tools=(--no-dom0-tools) extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --init) init=$2; shift 2 ;;
    -o|--output) out=$2; shift 2 ;;
    --with-dom0-tools) tools=(); shift ;;
    -h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) extra+=("$1"); shift ;;
    esac
done
kpkg=$("$top/scripts/fetch-debs.sh" --depends-of linux-image-amd64) || {
    echo "mkdom0: cannot fetch the kernel package (try: apt-get update)" >&2
    exit 1
}
exec "$top/scripts/mkinitramfs.sh" --init "$init" -o "$out" --kernel-pkg "$kpkg" \
    "${tools[@]}" "${extra[@]}"
