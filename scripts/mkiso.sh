#!/bin/sh
# Make a GRUB 2 rescue ISO that boots xen/xen.gz with multiboot2 on the serial
# console:  mkiso.sh OUT.iso "hypervisor options" [module-file "module args"]...
# MKISO_XEN=path/to/xen.gz boots another hypervisor image (e.g. Debian's Xen).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1 opts=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "${MKISO_XEN:-$top/xen/xen.gz}" "$dir/boot/xen.gz"
{
    echo 'serial --unit=0 --speed=115200'
    echo 'terminal_input serial'
    echo 'terminal_output serial'
    echo 'set timeout=0'
    echo 'menuentry "hx hypervisor" {'
    echo "    multiboot2 /boot/xen.gz $opts"
    while [ $# -ge 2 ]; do
        name=$(basename "$1")
        cp "$1" "$dir/boot/$name"
        echo "    module2 /boot/$name $2"
        shift 2
    done
    echo '}'
} > "$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || { echo "mkiso: grub-mkrescue failed" >&2; exit 1; }
