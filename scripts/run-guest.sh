#!/bin/bash
# Boot one test guest (test/guests/<name>.c) as dom0 and report its verdict:
#
#   run-guest.sh GUEST [--xen | --ours] [--timeout SECS] [--args "guest opts"]
#                [--hv-args "hypervisor opts"] [--vcpus N] [--smp N] [--log FILE]
#
# --xen (the default) boots Debian's Xen 4.17 (fetched by scripts/fetch-debs.sh,
# never installed); --ours boots xen/xen.gz. Both under QEMU TCG from a GRUB
# ISO (scripts/mkiso.sh), the guest being the first multiboot2 module. The
# guest's serial log is watched until its VERDICT line appears, then QEMU is
# stopped (Xen halts rather than powers off after dom0's shutdown). --vcpus
# sets dom0_max_vcpus (default 1), --smp the machine's CPUs (default 1). Prints the
# CHECK/VERDICT lines; exit status 0 only for "VERDICT GUEST PASS". The serial
# log of a failed run is kept as build/test-logs/guests/GUEST-{xen,ours}.serial.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
guest="" hv=xen timeout=180 guest_args="" hv_args="" log="" vcpus=1 smp=1
# dom0_mem here and expect_pages for the guest must agree (4 KiB pages).
dom0_mem_mb=32
while [ $# -gt 0 ]; do
    case "$1" in
    --xen) hv=xen; shift ;;
    --ours) hv=ours; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    --args) guest_args=$2; shift 2 ;;
    --hv-args) hv_args=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --vcpus) vcpus=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    -*) echo "run-guest.sh: unknown option $1" >&2; exit 2 ;;
    *) guest=$1; shift ;;
    esac
done
[ -n "$guest" ] || { echo "usage: run-guest.sh GUEST [--xen|--ours] [options]" >&2; exit 2; }

[ -f "$top/test/guests/$guest.c" ] || { echo "run-guest: no guest '$guest' (test/guests/$guest.c)" >&2; exit 2; }
# Only this guest: another one being broken must not stop it.
make -s -C "$top/test/guests" "../../build/guests/$guest" >/dev/null ||
    { echo "run-guest: building $guest failed" >&2; exit 2; }
elf="$top/build/guests/$guest"

common="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=${dom0_mem_mb}M,max:${dom0_mem_mb}M dom0_max_vcpus=$vcpus noreboot"
if [ "$hv" = xen ]; then
    ref=$("$top/scripts/fetch-debs.sh" xen-hypervisor-4.17-amd64) || exit 2
    image=$(ls "$ref"/boot/xen-*-amd64.gz | head -n 1)
    # Scrubbing free memory at boot costs seconds under TCG and tests nothing.
    opts="$common bootscrub=false $hv_args"
else
    image="$top/xen/xen.gz"
    [ -f "$image" ] || { echo "run-guest: $image missing (make -C xen)" >&2; exit 2; }
    opts="$common debug_exit=0xf4 $hv_args"
fi

work=$(mktemp -d)
qemu_pid=""
cleanup() {
    [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
iso="$work/$guest.iso"
pages=$((dom0_mem_mb * 256))
MKISO_XEN="$image" "$top/scripts/mkiso.sh" "$iso" "$opts" \
    "$elf" "expect_pages=$pages $guest_args" || exit 2
serial="$work/serial.log"
: >"$serial"
"$top/scripts/qemu-boot.sh" --iso "$iso" --log "$serial" --mem 256M --cpu qemu64 --smp "$smp" \
    --timeout "$timeout" </dev/null >"$work/qemu.out" 2>&1 &
qemu_pid=$!

# Wait for the verdict, then briefly for the hypervisor's reaction to the
# shutdown (Xen: "Hardware Dom0 halted"), so the log shows it.
start=$SECONDS verdict_at=""
while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ -z "$verdict_at" ] && grep -aq "VERDICT $guest " "$serial"; then
        verdict_at=$SECONDS
    fi
    if [ -n "$verdict_at" ]; then
        grep -aqE "Hardware Dom0 (halted|shutdown)|halting machine" "$serial" && break
        [ $((SECONDS - verdict_at)) -ge 5 ] && break
    fi
    sleep 0.5
done
if kill -0 "$qemu_pid" 2>/dev/null; then
    kill "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    qemu_rc=killed
else
    wait "$qemu_pid"
    qemu_rc=$?
fi
qemu_pid=""
elapsed=$((SECONDS - start))

tr -d '\r' <"$serial" | sed -n 's/^.*\(\(CHECK\|VERDICT\) .*\)$/\1/p' >"$work/verdicts"
cat "$work/verdicts"
if [ -n "$log" ]; then cp "$serial" "$log"; fi
if grep -qx "VERDICT $guest PASS" "$work/verdicts"; then
    echo "run-guest: $guest on $hv: PASS in ${elapsed}s (qemu: $qemu_rc)"
    exit 0
fi
mkdir -p "$top/build/test-logs/guests"
kept="$top/build/test-logs/guests/$guest-$hv.serial"
cp "$serial" "$kept"
grep -q "^VERDICT $guest " "$work/verdicts" || echo "VERDICT $guest FAIL no verdict (qemu: $qemu_rc after ${elapsed}s)"
echo "run-guest: $guest on $hv: FAIL in ${elapsed}s; serial log: $kept"
exit 1
