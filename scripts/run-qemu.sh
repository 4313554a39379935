#!/bin/sh
# `make run`: boot the hypervisor from a GRUB ISO in QEMU, serial console on
# this terminal (Ctrl-A X leaves QEMU; Ctrl-A three times is the hypervisor's
# input switch, which QEMU passes through as Ctrl-A Ctrl-A... use Ctrl-A A).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build"
iso="$top/build/run.iso"
"$top/scripts/mkiso.sh" "$iso" "console=com1 com1=115200,8n1 loglvl=all ${XEN_OPTS:-}"
exec qemu-system-x86_64 -M pc -cpu qemu64 -smp "${SMP:-2}" -m "${MEM:-1024}" \
    -display none -serial mon:stdio -no-reboot -cdrom "$iso" -boot d
