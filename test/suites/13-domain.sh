#!/bin/bash
# Domain life cycle: the in-hypervisor self-check of xen/common/domain-selftest.c
# creates PV domains with page tables, a GDT, a vcpu_info frame, event
# channels and grant frames, pauses them and kills them; each cycle prints
# "selftest: dom-destroy<N> PASS used_xen=.. used_dom=.. free_xen=.. free_dom=.."
# (or FAIL <why>). Here: every cycle passes, the domain really held pages of
# both heaps while alive, and the free counts after each cycle are identical.
# Then "dom-timers": domains killed while their vCPUs' timers fire on another
# CPU (CPU 1 when there is one); no timer function may end after the kill.
. "$(dirname "$0")/../lib.sh"

# check_domain NAME [qemu-boot.sh options...]
check_domain() {
    local name=$1
    shift
    boot "$name" --append "selftest loglvl=all" --timeout 90 "$@"
    sed -i 's/\r$//' "$boot_log"
    check "$name-exit" [ "$boot_rc" -eq 1 ]
    check "$name-no-crash" bash -c "! grep -qE 'Panic on CPU|FATAL|Assertion' '$boot_log'"

    local n=0 test verdict detail
    while read -r test verdict detail; do
        [[ "$test" == dom-destroy* ]] && n=$((n + 1))
        if [ "$verdict" = PASS ]; then pass "$name-$test"; else fail "$name-$test" "$detail"; fi
    done < <(sed -n 's/^(XEN) selftest: \(dom-[a-z0-9-]* \(PASS\|FAIL\).*\)$/\1/p' "$boot_log")
    check "$name-cycles-ran" [ "$n" -eq 3 ]
    # The timer cycles ran on the other CPU when there is one, and timers fired.
    local want_cpu=0 fired
    [[ " $* " == *" --smp 2 "* ]] && want_cpu=1
    check "$name-timers-cpu" grep -q "dom-timers PASS .* cpu=$want_cpu " "$boot_log"
    fired=$(log_value '.*dom-timers PASS .*fired=\([0-9]*\).*')
    check "$name-timers-fired" [ "${fired:-0}" -ge 24 ]

    # While alive a domain holds its 16 frames and at least shared_info plus
    # 4 grant frames of the xen heap.
    local used_dom used_xen frees
    used_dom=$(log_value '.*dom-destroy0 PASS .*used_dom=\([0-9]*\).*')
    used_xen=$(log_value '.*dom-destroy0 PASS .*used_xen=\([0-9]*\).*')
    check "$name-used-dom" [ "${used_dom:-0}" -ge 16 ]
    check "$name-used-xen" [ "${used_xen:-0}" -ge 5 ]
    # The same free counts after every cycle: nothing accumulates.
    frees=$(sed -n 's/^(XEN) selftest: dom-destroy[0-9] PASS .*\(free_xen=[0-9]* free_dom=[0-9]*\)$/\1/p' "$boot_log" | sort -u | wc -l)
    check "$name-stable-counts" [ "$frees" -eq 1 ]
}

check_domain dom-smp1 --smp 1
check_domain dom-smp2 --smp 2
# SMAP on: the hypercalls made as the test domain copy through its user pages.
check_domain dom-smap --smp 2 --cpu Broadwell-noTSX

finish
