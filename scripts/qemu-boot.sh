#!/bin/bash
# Boot the hypervisor once under QEMU TCG and keep the serial log.
#
#   qemu-boot.sh [--smp N] [--mem SIZE] [--append "options"] [--timeout SECS]
#                [--log FILE] [--iso ISO] [--machine TYPE] [--cpu MODEL]
#                [--module FILE[:ARGS]]... [-- extra QEMU arguments]
#
# Without --iso the image goes in through QEMU's -kernel (multiboot1), which is
# fastest; --iso boots a GRUB image (multiboot2). isa-debug-exit sits at port
# 0xf4 and "debug_exit=0xf4" is always on the command line, so the exit status
# says how the run ended: 1 clean power-off, 3 crash, 124 timeout.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
smp=1 mem=512M append="" timeout=120 log=/dev/stdout iso="" machine=pc cpu=qemu64
modules=()
while [ $# -gt 0 ]; do
    case "$1" in
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --iso) iso=$2; shift 2 ;;
    --machine) machine=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "qemu-boot.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
serial="file:$log"
[ "$log" = /dev/stdout ] && serial=stdio
args=(-M "$machine" -cpu "$cpu" -smp "$smp" -m "$mem" -display none -no-reboot
      -serial "$serial" -monitor none -parallel none
      -device isa-debug-exit,iobase=0xf4,iosize=4)
if [ -n "$iso" ]; then
    args+=(-cdrom "$iso" -boot d)
else
    mods=""
    for m in "${modules[@]}"; do mods="${mods:+$mods,}${m/:/ }"; done
    args+=(-kernel "$top/xen/xen.bin" -append "debug_exit=0xf4 $append")
    [ -n "$mods" ] && args+=(-initrd "$mods")
fi
exec timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" "$@"
