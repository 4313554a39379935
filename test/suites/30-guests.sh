#!/bin/bash
# The PV test guests (test/guests/, docs/test-guests.md) booted as dom0 on our
# hypervisor: one PASS/FAIL line per run, plus the guest's own failing CHECK
# lines in the suite log (build/test-logs/30-guests.log) and its serial log in
# build/test-logs/guests/.
#
# Every guest runs with inline SYSCALL hypercalls and through the hypercall
# page. Guests that need more than one vCPU are listed in runs_for() with
# their machine shapes. Two QEMUs run at a time (the machine has two cores),
# except for the guests in alone_guests, which measure time and CPU shares
# and run one at a time afterwards. The suite takes about two minutes.
. "$(dirname "$0")/../lib.sh"

jobs=${GUEST_JOBS:-2}
alone_guests=" vcpus "

make -s -C "$top/xen" >/dev/null || { fail guests-xen-build "make -C xen failed"; exit 1; }

# runs_for GUEST: one line per run, "NAME|run-guest.sh options".
runs_for() {
    case "$1" in
    vcpus)
        echo "vcpus-smp1|--vcpus 2 --smp 1 --args pcpus=1"
        echo "vcpus-smp2|--vcpus 2 --smp 2 --args pcpus=2"
        echo "vcpus-smp1-page|--vcpus 2 --smp 1 --args 'pcpus=1 hcall=page'"
        ;;
    bench)
        # A correctness run of the benchmark guest: every operation must work;
        # the figures come from scripts/bench.sh under -icount.
        echo "bench|--vcpus 2 --args bench_scale=5"
        ;;
    *)
        echo "$1-syscall|"
        echo "$1-page|--args hcall=page"
        ;;
    esac
}

# run_one NAME OPTIONS: one guest boot; leaves $logdir/NAME.{out,rc}.
run_one() {
    local name=$1 g=${1%%-*}
    eval "set -- $2" # options as written in runs_for, quotes included
    "$top/scripts/run-guest.sh" "$g" --ours --timeout 120 "$@" >"$logdir/$name.out" 2>&1
    echo $? >"$logdir/$name.rc"
}

names=()
alone=()
for src in "$top"/test/guests/*.c; do
    g=$(basename "$src" .c)
    # Built one by one, before any run: a guest that does not build fails
    # alone, and the parallel runs find their guest ready.
    if ! make -s -C "$top/test/guests" "../../build/guests/$g" >"$logdir/$g.build" 2>&1; then
        fail "guest-$g-build" "$(grep -m1 'error' "$logdir/$g.build")"
        continue
    fi
    while IFS='|' read -r name opts; do
        names+=("$name")
        if [[ "$alone_guests" == *" $g "* ]]; then
            alone+=("$name|$opts")
            continue
        fi
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
        run_one "$name" "$opts" &
    done < <(runs_for "$g")
done
wait
for run in "${alone[@]}"; do
    run_one "${run%%|*}" "${run#*|}"
done

for name in "${names[@]}"; do
    out="$logdir/$name.out"
    if [ "$(cat "$logdir/$name.rc" 2>/dev/null)" = 0 ]; then
        pass "guest-$name"
    else
        fail "guest-$name" "$(grep -m1 '^VERDICT' "$out")"
        grep ' FAIL' "$out"
    fi
done
finish
