#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the dom0 initramfs of test/suites/55-xenstore-xen.sh: Debian's
# kernel as dom0 on Debian's Xen, our xenstored serving dom0's own xenbus.
# Prints "CHECK <name> PASS|FAIL [detail]" lines, then "XSTEST END", then
# powers off (Xen then turns the machine off).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

# eq NAME EXPECTED ACTUAL
eq() {
    if [ "$2" = "$3" ]; then echo "CHECK $1 PASS"; else echo "CHECK $1 FAIL expected '$2', got '$3'"; fi
}
# ok NAME COMMAND...: PASS when the command succeeds.
ok() {
    n=$1; shift
    if "$@"; then echo "CHECK $n PASS"; else echo "CHECK $n FAIL ($*)"; fi
}
# wait_for SECONDS COMMAND...: retries every 0.2 s.
wait_for() {
    t=$(($1 * 5)); shift
    while [ $t -gt 0 ]; do "$@" && return 0; t=$((t - 1)); sleep 0.2; done
    return 1
}
finish() {
    echo "XSTEST END"
    sync
    poweroff -f
}

echo "XSTEST BEGIN $(uname -r)"
for m in $(cat /lib/modules/*/load-order); do modprobe "$m" || echo "modprobe $m failed"; done
mount -t xenfs xenfs /proc/xen
eq dom0-capabilities control_d "$(cat /proc/xen/capabilities)"
ok xen-devices [ -c /dev/xen/evtchn -a -c /dev/xen/gntdev -a -c /dev/xen/privcmd -a -c /dev/xen/xenbus ]
port=$(cat /proc/xen/xsd_port)
ok xsd-port [ "$port" -gt 0 ]

trace=/var/log/xenstored-trace
xenstored -N -T "$trace" -F /run/xenstored.pid &
if ! wait_for 10 [ -S /run/xenstored/socket ]; then
    echo "CHECK xenstored-start FAIL no socket"
    finish
fi
echo "CHECK xenstored-start PASS"
ok trace-xen-transport grep -q "xenstored started (xen yes)" "$trace"
ok trace-dom0-ring grep -q "domain 0: ring /proc/xen/xsd_kva, port $port (local [0-9]*)" "$trace"
ok trace-virq-bound grep -q "VIRQ_DOM_EXC: bound" "$trace"

# Over the socket, as the toolstack would (xen-init-dom0 writes these).
nonce=$(($(date +%s) % 100000))$$
xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 /test/socket "s$nonce"
eq socket-write-read "s$nonce" "$(xenstore-read /test/socket)"

# dom0's kernel: its xenbus device goes over the xsd_kva ring to us.
export XB=/dev/xen/xenbus
eq xenbus-read-relative 0 "$(XENSTORED_PATH=$XB timeout 10 xenstore-read domid)"
eq xenbus-read-absolute Domain-0 "$(XENSTORED_PATH=$XB timeout 10 xenstore-read /local/domain/0/name)"
XENSTORED_PATH=$XB timeout 10 xenstore-write /test/kernel "k$nonce"
eq xenbus-write-seen-on-socket "k$nonce" "$(xenstore-read /test/kernel)"
eq xenbus-ls "socket = \"s$nonce\"|kernel = \"k$nonce\"" \
    "$(XENSTORED_PATH=$XB timeout 10 xenstore-ls /test | sort -r | tr '\n' '|' | sed 's/|$//')"

# A watch set through the kernel device fires when the socket writes.
XENSTORED_PATH=$XB timeout 20 xenstore-watch -n 2 /test/w >/tmp/watch.out &
wpid=$!
i=0
while kill -0 $wpid 2>/dev/null && [ $i -lt 30 ]; do
    sleep 0.3; xenstore-write /test/w "w$i"; i=$((i + 1))
done
wait $wpid
eq xenbus-watch "/test/w|/test/w" "$(tr '\n' '|' </tmp/watch.out | sed 's/|$//')"

# Requests are served when the kernel signals its event channel, not by
# xenstored's once-a-second ring poll: 20 reads by one client must take
# well under the ~10 s polling alone would give (uptime: 1/100 s).
keys=""
i=0
while [ $i -lt 20 ]; do keys="$keys domid"; i=$((i + 1)); done
t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
n=$(XENSTORED_PATH=$XB timeout 30 xenstore-read $keys | grep -c '^0$')
t1=$(cut -d' ' -f1 /proc/uptime | tr -d .)
ms=$(((t1 - t0) * 10))
ok xenbus-event-driven [ "$n" = 20 -a "$ms" -lt 6000 ]
echo "xenbus: 20 reads took $ms ms"

# The kernel's own xenbus driver probed once we answered: it registers the
# control/shutdown watch and advertises what it handles.
ok kernel-feature-poweroff wait_for 15 \
    sh -c '[ "$(xenstore-read /local/domain/0/control/feature-poweroff 2>/dev/null)" = 1 ]'
# A watch event reaches the kernel over the ring; it reads the request in a
# transaction, rejects the unknown command and logs it.
xenstore-write /local/domain/0/control/shutdown "bogus$nonce"
ok kernel-watch-event wait_for 10 sh -c "dmesg | grep -q 'Ignoring shutdown request: bogus$nonce'"
ok trace-ring-requests grep -q "TRANSACTION_START" "$trace"

# Other domains: INTRODUCE, the ring mapped through gntdev (grant seeded)
# or privcmd (not seeded), served; then shutdown and death (VIRQ_DOM_EXC).
xs-fakedom grant
ok trace-grant-map grep -q "ring mapped through gntdev" "$trace"
xs-fakedom foreign
ok trace-foreign-map grep -q "ring mapped through privcmd" "$trace"
ok trace-shutdown grep -q "domain [0-9]* shut down" "$trace"
ok trace-dom-exc grep -q "released (domain \(dying\|vanished\))" "$trace"

echo "--- xenstored trace (tail) ---"
tail -n 25 "$trace"
finish
