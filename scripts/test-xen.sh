#!/bin/bash
# `make test-xen`: boot every test guest (test/guests/*.c) as dom0 on Debian's
# Xen 4.17 under QEMU, once with inline SYSCALL hypercalls and once through
# the hypercall page, and count the verdicts. A guest's CHECK lines are shown
# only when it fails; the last line is "N passed, N failed" and the exit
# status is non-zero when anything failed.
#
#   test-xen.sh [GUEST...]     (default: all guests)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top/test/guests" || exit 2
if [ $# -gt 0 ]; then
    guests="$*"
else
    guests=$(cd "$top/test/guests" && ls -- *.c | sed 's/\.c$//')
fi
# Guests that need more than one vCPU, or a machine shape they are told of.
machine_of() {
    case "$1" in
    vcpus) echo "--vcpus 2 --smp 2" ;;
    bench) echo "--vcpus 2" ;;
    esac
}
args_of() {
    case "$1" in
    vcpus) echo "pcpus=2" ;;
    bench) echo "bench_scale=5" ;;
    esac
}
pass=0 fail=0
for g in $guests; do
    for mode in syscall page; do
        args=$(args_of "$g")
        [ "$mode" = page ] && args="$args hcall=page"
        name="$g/$mode"
        # shellcheck disable=SC2046 # machine_of gives a word list
        out=$("$top/scripts/run-guest.sh" "$g" --xen $(machine_of "$g") --args "$args" 2>&1)
        rc=$?
        checks=$(echo "$out" | grep -c '^CHECK ')
        if [ "$rc" -eq 0 ]; then
            echo "PASS $name ($checks checks; $(echo "$out" | sed -n 's/.*PASS in \([0-9]*s\).*/\1/p'))"
            pass=$((pass + 1))
        else
            echo "FAIL $name"
            echo "$out" | grep -v ' PASS$' | sed 's/^/    /'
            fail=$((fail + 1))
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
