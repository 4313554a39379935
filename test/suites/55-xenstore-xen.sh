#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The shared-ring transport of our xenstored: unit tests on the host
# (test/xenstore/test_ring.c), then the real thing: Debian's Xen 4.17 with
# Debian's stock kernel as dom0 under QEMU TCG, booting an initramfs
# (scripts/mkinitramfs.sh) whose /init is test/xenstore/init-xen.sh. That
# init starts our xenstored, which must serve dom0's own kernel over the
# /proc/xen/xsd_kva ring, and runs xs-fakedom (test/xenstore/fakedom.c:
# kernel-less domains for INTRODUCE, gntdev and privcmd mappings, shutdown
# and death through VIRQ_DOM_EXC). The console's "CHECK name PASS|FAIL"
# lines become "PASS xen-name" / "FAIL xen-name" lines; an expected check
# that never printed is a failure too.
#
# Without the Debian packages (no network, no apt lists) it prints a single
# FAIL and no PASS. Takes about 70 s.
. "$(dirname "$0")/../lib.sh"
timeout=${XS_XEN_TIMEOUT:-200}

expected="dom0-capabilities xen-devices xsd-port xenstored-start trace-xen-transport
trace-dom0-ring trace-virq-bound socket-write-read xenbus-read-relative
xenbus-read-absolute xenbus-write-seen-on-socket xenbus-ls xenbus-watch xenbus-event-driven
kernel-feature-poweroff
kernel-watch-event trace-ring-requests trace-grant-map trace-foreign-map trace-shutdown
trace-dom-exc grant-seed-grant"
for mode in grant foreign; do
    for name in privcmd-open domctl-createdomain populate-ring-page evtchn-alloc-unbound \
        foreign-map-own getdomaininfo-dom0 getdomaininfo-fake dom0-prepare-home introduce \
        is-introduced guest-read-relative guest-get-domain-path guest-write \
        guest-write-seen-by-dom0 guest-no-write-outside guest-watch guest-watch-event \
        remote-shutdown shutdown-release-event domctl-destroydomain virq-dom-exc-release \
        released-nodes-removed fake-domain-gone; do
        expected="$expected $mode-$name"
    done
done

if ! xen=$("$top/scripts/fetch-debs.sh" xen-hypervisor-4.17-amd64 2>"$logdir/fetch.err") ||
    ! kpkg=$("$top/scripts/fetch-debs.sh" --depends-of linux-image-amd64 2>>"$logdir/fetch.err"); then
    fail xenstore-xen-skipped "cannot download Debian's Xen or kernel: $(tail -n 1 "$logdir/fetch.err")"
    exit 0
fi
if ! make -s -C "$top/dom0-tools" all build/test/test-ring >"$logdir/build.log" 2>&1; then
    fail xenstore-xen-build "make -C dom0-tools failed (see $logdir/build.log)"
    exit 1
fi

# The ring transport on the host first (test/xenstore/test_ring.c, cmocka).
ring_out=$("$top/dom0-tools/build/test/test-ring" 2>&1)
echo "$ring_out"
echo "$ring_out" | sed -n 's/^\[       OK \] test_\(.*\)$/PASS ring-\1/p' | tr _ -
echo "$ring_out" | sed -n 's/^\[  \(FAILED\|ERROR\)   *\] test_\([a-z_0-9]*\)$/FAIL ring-\2 see log/p'
echo "$ring_out" | grep -q '^\[  PASSED  \] 5 test' || fail ring-unit-tests "not all 5 ring tests passed"

work=$top/build/xenstore-xen
mkdir -p "$work"
if ! "$top/scripts/mkinitramfs.sh" --init "$top/test/xenstore/init-xen.sh" \
    --kernel-pkg "$kpkg" --bin "$top/dom0-tools/build/test/xs-fakedom" \
    -o "$work/initramfs.cpio.gz" >"$work/mkinitramfs.out" 2>"$logdir/mkinitramfs.err"; then
    fail xenstore-xen-initramfs "$(tail -n 1 "$logdir/mkinitramfs.err")"
    exit 1
fi
vmlinuz=$(sed -n 2p "$work/mkinitramfs.out")
hv_opts="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all bootscrub=false"
hv_opts="$hv_opts dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
MKISO_XEN=$(ls "$xen"/boot/xen-*-amd64.gz | head -n 1) "$top/scripts/mkiso.sh" "$work/boot.iso" \
    "$hv_opts" "$vmlinuz" "console=hvc0 earlyprintk=xen" "$work/initramfs.cpio.gz" "" ||
    { fail xenstore-xen-iso "mkiso.sh failed"; exit 1; }

# Boot; stop QEMU at the end marker (or the timeout), whichever is first.
serial=$logdir/xen.serial
: >"$serial"
"$top/scripts/qemu-boot.sh" --iso "$work/boot.iso" --log "$serial" --mem 1024M --cpu qemu64 \
    --timeout "$timeout" </dev/null >"$logdir/qemu.out" 2>&1 &
qemu=$!
start=$SECONDS
while kill -0 "$qemu" 2>/dev/null; do
    grep -aq "XSTEST END" "$serial" && { sleep 3; break; }
    sleep 1
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
echo "boot took $((SECONDS - start)) s"
tr -d '\r' <"$serial" | grep -a "^xenbus: 20 reads took"

tr -d '\r' <"$serial" | sed -n 's/^.*CHECK \([a-z0-9-]*\) \(PASS\|FAIL\)\(.*\)$/\1 \2\3/p' >"$logdir/checks"
while read -r name verdict detail; do
    if [ "$verdict" = PASS ]; then pass "xen-$name"; else fail "xen-$name" "$detail"; fi
done <"$logdir/checks"
for name in $expected; do
    grep -q "^$name " "$logdir/checks" || fail "xen-$name" "no CHECK line (see $serial)"
done
grep -aq "XSTEST END" "$serial" || fail xen-scenario-end "no XSTEST END within ${timeout}s"
if grep -aqE "^\(XEN\) (----\[ Xen-|Panic on CPU)" "$serial"; then
    fail xen-hypervisor-no-crash "$(grep -aE -m1 '^\(XEN\) (RIP|Panic)' "$serial")"
else
    pass xen-hypervisor-no-crash
fi
if grep -aqE "(Oops|BUG:|Kernel panic|general protection fault)" "$serial"; then
    fail xen-dom0-kernel-no-oops "$(grep -aE -m1 '(Oops|BUG:|Kernel panic|general protection)' "$serial")"
else
    pass xen-dom0-kernel-no-oops
fi
finish
