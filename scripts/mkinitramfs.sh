#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a dom0 initramfs (newc cpio, gzip) from Debian packages and our tools:
#
#   mkinitramfs.sh --init FILE [-o OUT] [--kernel-pkg DIR] [--module NAME]...
#                  [--no-xen-modules] [--no-dom0-tools] [--bin FILE]...
#                  [--file SRC:DEST]...
#
# Contents:
#   /init                  FILE (the scenario's init script, made executable)
#   /bin/busybox + links   Debian's busybox-static, one symlink per applet;
#                          /sbin, /usr/bin and /usr/sbin are links to /bin
#   /lib/modules/KVER/     the Xen modules (xen-evtchn, xen-gntdev,
#                          xen-gntalloc, xen-privcmd, xenfs), each --module,
#                          and everything they depend on (the .modinfo
#                          "depends=" lists), decompressed (.ko.xz, .ko.zst,
#                          .ko.gz become .ko), with a modules.dep for
#                          busybox modprobe
#   /bin/xenstored, /bin/xenstore, /bin/xenstore-*
#                          dom0-tools (built here with make), unless
#                          --no-dom0-tools
#   /bin/<name>            each --bin host binary
#   DEST                   each --file SRC:DEST
#   shared libraries       whatever ldd reports for every ELF binary added,
#                          at the same paths as on the host
#   /dev/console, /dev/null, and empty /proc /sys /dev /run /tmp /proc/xen
#
# The kernel package defaults to the one linux-image-amd64 depends on,
# fetched and unpacked by scripts/fetch-debs.sh. OUT defaults to
# build/initramfs/initramfs.cpio.gz. Prints OUT, then the kernel image
# (vmlinuz) of the package on a second line. Needs cpio (or busybox), gzip,
# objcopy, readelf, ldd, perl; xz/zstd only for compressed modules.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
init="" out="$top/build/initramfs/initramfs.cpio.gz" kpkg=""
modules=() bins=() files=()
xen_modules=(xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs)
with_tools=1

die() { echo "mkinitramfs: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
    --init) init=$2; shift 2 ;;
    -o|--output) out=$2; shift 2 ;;
    --kernel-pkg) kpkg=$2; shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --no-xen-modules) xen_modules=(); shift ;;
    --no-dom0-tools) with_tools=0; shift ;;
    --bin) bins+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    -h|--help) sed -n '3,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done
[ -n "$init" ] || die "--init FILE is required"
[ -f "$init" ] || die "no init script $init"
modules=("${xen_modules[@]}" "${modules[@]}")

if [ -z "$kpkg" ]; then
    kpkg=$("$top/scripts/fetch-debs.sh" --depends-of linux-image-amd64) ||
        die "cannot fetch the kernel package"
fi
kver=$(ls "$kpkg/lib/modules" | head -n 1)
[ -n "$kver" ] || die "no lib/modules/<version> in $kpkg"
kmods="$kpkg/lib/modules/$kver"
vmlinuz="$kpkg/boot/vmlinuz-$kver"

# An ELF file that needs the dynamic loader (readelf: binutils).
is_dynamic_elf() {
    readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
}

busybox=/bin/busybox
if [ ! -f "$busybox" ] || is_dynamic_elf "$busybox"; then
    bbpkg=$("$top/scripts/fetch-debs.sh" busybox-static) || die "no busybox-static"
    busybox="$bbpkg/bin/busybox"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# ---- busybox and the directory skeleton ----
mkdir -p "$stage"/{bin,dev,proc,sys,run,tmp,etc,root,lib,usr,var/log}
ln -s bin "$stage/sbin"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
cp "$busybox" "$stage/bin/busybox"
# One process for the ~400 links (perl-base is essential on Debian).
"$busybox" --list | grep -vx busybox |
    perl -e 'my $d = shift; while (<STDIN>) { chomp; symlink("busybox", "$d/$_") or die "$_: $!\n" }' \
        "$stage/bin" || die "cannot create the busybox applet links"
# Device nodes, when we may create them (/init should mount devtmpfs anyway).
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$stage/dev/null" c 1 3 2>/dev/null || true

# ---- kernel modules ----
# Prints the path (relative to $kmods) of module NAME; '-' and '_' are the
# same in module names.
declare -A mod_path=()
index_modules() {
    local f base
    while IFS= read -r f; do
        base=${f##*/}
        base=${base%%.ko*}
        mod_path[${base//-/_}]=${f#"$kmods"/}
    done < <(find "$kmods/kernel" -name '*.ko*')
}

# Copies module NAME (and first its dependencies) to the stage, once.
declare -A mod_done=()
mod_order=()
add_module() {
    local name=${1//-/_} rel dest deps dep
    [ -n "${mod_done[$name]:-}" ] && return 0
    mod_done[$name]=1
    rel=${mod_path[$name]:-}
    [ -n "$rel" ] || die "module $1 not found under $kmods"
    dest="$stage/lib/modules/$kver/${rel%%.ko*}.ko"
    mkdir -p "$(dirname "$dest")"
    case "$rel" in
    *.ko) cp "$kmods/$rel" "$dest" ;;
    *.ko.xz) xz -dc "$kmods/$rel" >"$dest" ;;
    *.ko.zst) zstd -qdc "$kmods/$rel" >"$dest" ;;
    *.ko.gz) gzip -dc "$kmods/$rel" >"$dest" ;;
    *) die "unknown module compression: $rel" ;;
    esac
    deps=$(objcopy -O binary --only-section=.modinfo "$dest" /dev/stdout |
           tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
    for dep in $deps; do add_module "$dep"; done
    mod_order+=("$name")
    mod_deps[$name]=$deps
}
declare -A mod_deps=()

# modules.dep lines "path: dep-path...", with the full dependency closure.
closure() {
    local dep
    for dep in ${mod_deps[$1]}; do
        dep=${dep//-/_}
        echo "${mod_path[$dep]%%.ko*}.ko"
        closure "$dep"
    done
}

if [ ${#modules[@]} -gt 0 ]; then
    index_modules
    for m in "${modules[@]}"; do add_module "$m"; done
    for m in "${mod_order[@]}"; do
        echo "${mod_path[$m]%%.ko*}.ko: $(closure "$m" | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//')"
    done | sed 's/: $/:/' >"$stage/lib/modules/$kver/modules.dep"
    printf '%s\n' "${mod_order[@]}" >"$stage/lib/modules/$kver/load-order"
fi

# ---- binaries and their shared libraries ----
add_libs() {
    local lib
    ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | sort -u | while IFS= read -r lib; do
        [ -e "$stage$lib" ] && continue
        mkdir -p "$stage$(dirname "$lib")"
        cp -L "$lib" "$stage$lib"
    done
}

add_bin() {
    local src=$1 dest=$2
    mkdir -p "$stage$(dirname "$dest")"
    cp -L "$src" "$stage$dest"
    if is_dynamic_elf "$src"; then add_libs "$src"; fi
}

if [ "$with_tools" = 1 ]; then
    make -s -C "$top/dom0-tools" >&2 || die "building dom0-tools failed"
    tb="$top/dom0-tools/build/bin"
    add_bin "$tb/xenstored" /bin/xenstored
    add_bin "$tb/xenstore" /bin/xenstore
    for l in "$tb"/xenstore-*; do ln -sf xenstore "$stage/bin/$(basename "$l")"; done
fi
for b in "${bins[@]}"; do
    [ -f "$b" ] || die "no binary $b"
    add_bin "$b" "/bin/$(basename "$b")"
done
for f in "${files[@]}"; do
    src=${f%%:*} dest=${f#*:}
    [ -e "$src" ] && [ "$dest" != "$f" ] || die "bad --file $f (SRC:DEST)"
    mkdir -p "$stage$(dirname "$dest")"
    cp -L "$src" "$stage$dest"
    if is_dynamic_elf "$src"; then add_libs "$src"; fi
done
mkdir -p "$stage/proc/xen"
cp "$init" "$stage/init"
chmod 755 "$stage/init"

# ---- archive ----
mkdir -p "$(dirname "$out")"
cpio_cmd=(cpio --quiet -o -H newc -R 0:0)
command -v cpio >/dev/null || cpio_cmd=("$busybox" cpio -o -H newc -R 0:0)
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | "${cpio_cmd[@]}") | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
echo "$vmlinuz"
