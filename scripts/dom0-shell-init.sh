#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The default /init of the dom0 initramfs (scripts/mkdom0.sh, `make run`):
# mounts the kernel file systems, loads the Xen device modules, mounts xenfs
# on /proc/xen, starts our xenstored when the image has it (mkdom0.sh
# --with-dom0-tools, as `make run` builds it) so that xenstore-ls and friends
# work, prints a banner and gives the user a shell on the console (hvc0 with
# console=hvc0). PID 1 must never exit, so a shell that ends is
# started again; `poweroff -f` powers the machine off through the hypervisor.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
exec </dev/console >/dev/console 2>&1
for m in $(cat /lib/modules/*/load-order 2>/dev/null); do
    modprobe "$m" || echo "init: modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen || echo "init: cannot mount xenfs on /proc/xen"
xs="not in this image"
if [ -x /bin/xenstored ]; then
    mkdir -p /var/log /run/xenstored
    xenstored -F /run/xenstored.pid -T /var/log/xenstored-trace
    xs="no socket after 10 s (see /var/log/xenstored-trace)"
    for i in $(seq 50); do
        [ -S /run/xenstored/socket ] && { xs="pid $(cat /run/xenstored.pid 2>/dev/null)"; break; }
        sleep 0.2
    done
fi
hv="$(cat /sys/hypervisor/type 2>/dev/null)"
hv="$hv $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"
echo
echo "dom0: Linux $(uname -r) on $hv$(cat /sys/hypervisor/version/extra 2>/dev/null)," \
    "$(nproc) vCPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo)," \
    "capabilities: $(cat /proc/xen/capabilities 2>/dev/null)"
echo "dom0: xenstored: $xs"
echo "dom0: 'poweroff -f' powers the machine off"
export PS1='dom0# '
while true; do
    setsid cttyhack sh
    sleep 1
done
