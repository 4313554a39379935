#!/bin/sh
# `make run`: boot the hypervisor from a GRUB ISO in QEMU, serial console on
# this terminal (Ctrl-A X leaves QEMU; Ctrl-A three times is the hypervisor's
# input switch, which QEMU passes through as Ctrl-A Ctrl-A... use Ctrl-A A).
# dom0 is Debian's stock kernel with the shell initramfs of scripts/mkdom0.sh
# and our xenstored and xenstore tools (docs/dom0.md): xenstored runs, so
# xenstore-ls works at the prompt; `poweroff -f` ends QEMU.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build"
iso="$top/build/run.iso"
dom0=$("$top/scripts/mkdom0.sh" --with-dom0-tools)
"$top/scripts/mkiso.sh" "$iso" "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=${DOM0_MEM:-512M} dom0_max_vcpus=${DOM0_VCPUS:-2} ${XEN_OPTS:-}" \
    "$(echo "$dom0" | sed -n 2p)" "console=hvc0 earlyprintk=xen ${DOM0_OPTS:-}" "$(echo "$dom0" | sed -n 1p)" ""
exec qemu-system-x86_64 -M pc -cpu qemu64 -smp "${SMP:-2}" -m "${MEM:-1024}" \
    -display none -serial mon:stdio -no-reboot -cdrom "$iso" -boot d
