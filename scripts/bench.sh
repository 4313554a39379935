#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench` (docs/benchmarks.md): every benchmark, printed as tables.
#
# 1. The hypervisor: the bench guest (test/guests/bench.c) boots as dom0 on
#    our hypervisor (xen/xen.gz) and on Debian's Xen 4.17, both under QEMU
#    with -icount shift=0,sleep=off (scripts/icount.py), in parallel. The
#    guest prints instructions per micro-operation; icount.py reads QEMU's
#    instruction count at the hypervisor's banner and at the guest's first
#    line (the boot cost). One table: op | ours | Xen 4.17 | ours/Xen.
# 2. The xenstore daemon: scripts/bench-xenstore.sh.
# 3. dom0 boot: Debian's Linux to /init, ours beside Xen 4.17
#    (scripts/bench-dom0.sh).
#
# Never part of `make test`. Environment: BENCH_SCALE (iterations of each
# micro-op, percent, default 100), BENCH_TIMEOUT (seconds per boot, default
# 900), BENCH_KEEP=DIR keeps the serial logs there, BENCH_OURS=IMAGE measures
# another build of ours instead of xen/xen.gz.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-pair.sh
. "$top/scripts/bench-pair.sh"
scale=${BENCH_SCALE:-100}
limit=${BENCH_TIMEOUT:-900}
# The reference configuration of ../shared/measuring.md.
qemu_mem=1024M
hv_opts="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=512M,max:512M dom0_max_vcpus=2 noreboot"
# Xen 4.17's figure from measuring.md: banner to dom0, Linux as dom0.
xen_ref_boot=4890000000
ours_image=${BENCH_OURS:-$top/xen/xen.gz}
# The RTC follows the virtual clock from a fixed date, so a hypervisor that
# waits for the RTC's seconds edge waits the same number of instructions in
# every run (with QEMU's default host clock the wait depends on the host's
# speed: +-5% on Xen's boot). BENCH_RTC=host restores QEMU's default.
# shellcheck disable=SC2054 # the comma is part of the QEMU option
rtc_args=(--qemu-arg=-rtc --qemu-arg=base=2025-01-01T00:00:00,clock=vm)
[ "${BENCH_RTC:-vm}" = host ] && rtc_args=()
ops="null-hypercall mmu-update-512 update-va-mapping pin-unpin-l4 event-send-self exception-bounce syscall-roundtrip vcpu-switch"

section() { printf '\n== %s ==\n' "$1"; }

# missing_tools: the commands the hypervisor benchmark needs and lacks.
missing_tools() {
    local t
    for t in qemu-system-x86_64 grub-mkrescue python3; do
        command -v "$t" >/dev/null || printf '%s ' "$t"
    done
}

# boot_bench NAME IMAGE OPTS: one icount run; leaves $work/NAME.{marks,serial}.
boot_bench() {
    local name=$1 image=$2 opts=$3 iso=$work/$1.iso
    if ! MKISO_XEN="$image" "$top/scripts/mkiso.sh" "$iso" "$opts" \
        "$top/build/guests/bench" "bench_scale=$scale" 2>"$work/$name.marks"; then
        echo "ISO build failed" >>"$work/$name.marks"
        return
    fi
    "$top/scripts/icount.py" --iso "$iso" --mem "$qemu_mem" --smp 1 --timeout "$limit" \
        --quiet 300 --log "$work/$name.serial" --until 'VERDICT bench ' "${rtc_args[@]}" --each-line \
        --abort 'No dom0 kernel|Panic on CPU|CHECK panic FAIL|FATAL' \
        banner='Xen version' guest='hxtest bench: ' >"$work/$name.marks" 2>&1
}

# mark NAME MARKER: the instruction count at a marker, or nothing.
mark() { awk -v m="$2" '$1 == "MARK" && $2 == m { print $3 }' "$work/$1.marks"; }

# figure NAME OP: instructions per op from the guest, "n/a" if absent.
figure() {
    local v
    v=$(tr -d '\r' <"$work/$1.serial" 2>/dev/null | awk -v op="$2" '$1 == "BENCH" && $2 == op { print $3; exit }')
    echo "${v:-n/a}"
}

# why_not NAME: one line saying why a run gave no figures.
why_not() {
    local f=$work/$1.marks last
    if [ -n "${reason[$1]:-}" ]; then echo "${reason[$1]}"; return; fi
    if grep -q '^ABORT ' "$f"; then sed -n 's/^ABORT //p' "$f" | head -n 1; return; fi
    if grep -qE '^(TIMEOUT|QUIET)' "$f"; then
        last=$(tr -d '\r' <"$work/$1.serial" | grep -a . | tail -n 1)
        echo "$(grep -E '^(TIMEOUT|QUIET)' "$f" | head -n 1); last line: ${last:0:90}"
        return
    fi
    grep -vE '^(MARK|LINE)' "$f" | head -n 1
}

row() { printf '%-24s %14s %14s %9s\n' "$@"; }

ratio() {
    case "$1$2" in *n/a* | *-*) echo "-" ;;
    *) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }' ;;
    esac
}

print_table() {
    local op o x b_o b_x
    row "operation" "ours" "Xen 4.17" "ours/Xen"
    row "---------" "----" "--------" "--------"
    for op in $ops; do
        o=$(figure ours "$op")
        x=$(figure xen "$op")
        row "$op" "$o" "$x" "$(ratio "$o" "$x")"
    done
    b_o=$(boot_span ours)
    b_x=$(boot_span xen)
    row "boot: banner->dom0" "$b_o" "$b_x" "$(ratio "$b_o" "$b_x")"
    row "power-on->banner" "$(mark ours banner)" "$(mark xen banner)" ""
}

# boot_span NAME: instructions from the banner to the guest's first line.
boot_span() {
    local b g
    b=$(mark "$1" banner)
    g=$(mark "$1" guest)
    if [ -n "$b" ] && [ -n "$g" ]; then echo $((g - b)); else echo n/a; fi
}

# boot_gaps NAME LABEL: the three costliest serial lines of the boot span
# (instructions since the previous line), from icount.py --each-line.
boot_gaps() {
    local b g
    b=$(mark "$1" banner)
    g=$(mark "$1" guest)
    [ -n "$b" ] && [ -n "$g" ] || return
    echo "$2: costliest lines between banner and dom0 (instructions since the line before):"
    awk -v b="$b" -v g="$g" '$1 == "LINE" && $2 > b && $2 <= g {
            $3 = $3; printf "%12d  %s\n", $2 - p, substr($0, index($0, $3), 90) }
        $1 == "LINE" { p = $2 }' "$work/$1.marks" | sort -rn | head -n 3
}

print_notes() {
    local name label o x met=0 total=0 op
    for name in ours xen; do
        label=ours
        [ $name = xen ] && label="Xen 4.17"
        if ! grep -aq '^VERDICT bench PASS' <(tr -d '\r' <"$work/$name.serial" 2>/dev/null); then
            echo "$label: no complete run: $(why_not $name)"
        fi
        tr -d '\r' <"$work/$name.serial" 2>/dev/null | grep -a '^BENCH [^ ]* n/a' |
            sed "s/^BENCH /$label: /"
    done
    for op in $ops; do
        o=$(figure ours "$op")
        x=$(figure xen "$op")
        [ "$o" = n/a ] || [ "$x" = n/a ] && continue
        total=$((total + 1))
        [ "$o" -le "$x" ] && met=$((met + 1))
    done
    boot_gaps ours ours
    boot_gaps xen "Xen 4.17"
    echo "goal, micro-ops at most Xen's cost: $met of $total measured ops"
    o=$(boot_span ours)
    echo "goal, boot at most a tenth of Xen's $((xen_ref_boot / 1000000)) M (measuring.md," \
        "Linux dom0): ours ${o} (Xen 4.17 with this guest: $(boot_span xen))"
}

hypervisor_bench() {
    local missing ref xen_image
    section "Hypervisor: guest instructions per operation (QEMU -icount shift=0, -m $qemu_mem -smp 1)"
    missing=$(missing_tools)
    if [ -n "$missing" ]; then
        echo "skipped: missing $missing(install with: make deps)"
        return
    fi
    if ! make -s -C "$top/test/guests" >"$work/guests.log" 2>&1; then
        echo "skipped: building the test guests failed:"
        tail -n 5 "$work/guests.log"
        return
    fi
    echo "(two QEMU runs in parallel; a few minutes under TCG)"
    bench_pair boot_bench "$ours_image" "$hv_opts" "$work"
    print_table
    echo
    print_notes
    if [ -n "${BENCH_KEEP:-}" ]; then
        mkdir -p "$BENCH_KEEP"
        cp "$work"/*.serial "$work"/*.marks "$BENCH_KEEP"/ 2>/dev/null
        echo "serial logs and marks kept in $BENCH_KEEP"
    fi
}

xenstore_bench() {
    section "xenstored (scripts/bench-xenstore.sh)"
    if [ ! -d "$top/dom0-tools" ]; then
        echo "skipped: no dom0-tools/ in this tree"
        return
    fi
    "$top/scripts/bench-xenstore.sh" || echo "xenstored benchmark failed (status $?)"
}

work=$(mktemp -d /tmp/hx-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
hypervisor_bench
xenstore_bench

# dom0 boot (scripts/bench-dom0.sh prints its own section header).
"$top/scripts/bench-dom0.sh" || echo "dom0 boot benchmark failed (status $?)"
