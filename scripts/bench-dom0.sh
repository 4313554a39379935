#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot cost with Debian's Linux as dom0 (docs/benchmarks.md, "dom0 boot"):
# guest instructions from power-on to dom0's /init, ours beside Debian's
# Xen 4.17 booting the same kernel and initramfs under the same QEMU
# configuration.
#
# One initramfs (scripts/mkdom0.sh, no Xen modules, no tools) whose /init
# prints `BENCH-INIT` on the console and powers off at once. Two GRUB ISOs
# (scripts/mkiso.sh) with the same kernel, initramfs and options; each boots
# under scripts/icount.py (QEMU -icount shift=0,sleep=off, QMP query-replay
# at serial markers), both in parallel. Markers: the hypervisor's banner
# (`Xen version`), the kernel's `Linux version` (earlyprintk=xen) and
# `BENCH-INIT`. Prints: span | ours | Xen 4.17 | ours/Xen.
#
# Environment: BENCH_OURS=IMAGE (default xen/xen.gz), BENCH_XEN=IMAGE
# (default Debian's Xen 4.17 via fetch-debs.sh), BENCH_TIMEOUT (seconds per
# boot, default 1200), BENCH_KEEP=DIR keeps serial logs and marks there
# (dom0-*),
# BENCH_RTC=host (QEMU's default RTC, see bench.sh).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-pair.sh
. "$top/scripts/bench-pair.sh"
limit=${BENCH_TIMEOUT:-1200}
qemu_mem=1024M
# Identical for both hypervisors except debug_exit (ours only: Xen 4.17
# has no such option; it powers off through ACPI S5 instead, which ends
# QEMU the same way). Each hypervisor's scrubbing stays at its default.
hv_opts="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all dom0_mem=512M,max:512M dom0_max_vcpus=1 noreboot"
kernel_opts="console=hvc0 earlyprintk=xen"
ours_image=${BENCH_OURS:-$top/xen/xen.gz}
# shellcheck disable=SC2054 # the comma is part of the QEMU option
rtc_args=(--qemu-arg=-rtc --qemu-arg=base=2025-01-01T00:00:00,clock=vm)
[ "${BENCH_RTC:-vm}" = host ] && rtc_args=()

# make_initramfs: the marker-and-poweroff initramfs; prints the kernel path.
make_initramfs() {
    local init=$work/init out
    cat >"$init" <<'EOF'
#!/bin/sh
echo BENCH-INIT
exec /bin/busybox poweroff -f
EOF
    out=$("$top/scripts/mkdom0.sh" --init "$init" -o "$work/initramfs.cpio.gz" \
        --no-xen-modules 2>"$work/initramfs.log") || return 1
    echo "$out" | sed -n 2p
}

# boot_dom0 NAME IMAGE OPTS: one icount run; leaves $work/NAME.{marks,serial}.
boot_dom0() {
    local name=$1 image=$2 opts=$3 iso=$work/$1.iso
    if ! MKISO_XEN="$image" "$top/scripts/mkiso.sh" "$iso" "$opts" \
        "$kernel" "$kernel_opts" "$work/initramfs.cpio.gz" "" 2>"$work/$name.marks"; then
        echo "ISO build failed" >>"$work/$name.marks"
        return
    fi
    "$top/scripts/icount.py" --iso "$iso" --mem "$qemu_mem" --smp 1 --timeout "$limit" \
        --quiet 300 --log "$work/$name.serial" --until 'BENCH-INIT' "${rtc_args[@]}" \
        --abort 'No dom0 kernel|Panic on CPU|Kernel panic|FATAL' \
        ${split_plugin:+--split "$split_plugin:$work/$name.split"} \
        banner='Xen version' linux='Linux version' init='BENCH-INIT' >"$work/$name.marks" 2>&1
}

# build_split_plugin: the insn-split QEMU plugin (hypervisor/dom0 split of
# each span); empty when it cannot be built, and the split rows say n/a.
build_split_plugin() {
    split_plugin=$work/insn-split.so
    gcc -O2 -shared -fPIC -o "$split_plugin" "$top/scripts/qemu-plugin/insn-split.c" \
        -lpthread 2>"$work/plugin.log" || split_plugin=
}

# split_of NAME MARK RANGE: the RANGE counter of NAME's snapshot at MARK.
split_of() {
    awk -v m="$2" -v r="$3" '$1 == "SNAP" { on = ($2 == m) }
        on && $1 == "RANGE" && $2 == r { print $3; exit }' "$work/$1.split" 2>/dev/null
}

# split_span NAME FROM TO RANGE: RANGE instructions between two marks.
split_span() {
    local a b
    a=$(split_of "$1" "$2" "$4")
    b=$(split_of "$1" "$3" "$4")
    if [ -n "$a" ] && [ -n "$b" ]; then echo $((b - a)); else echo n/a; fi
}

mark() { awk -v m="$2" '$1 == "MARK" && $2 == m { print $3 }' "$work/$1.marks"; }

# span NAME FROM TO: instructions between two marks (FROM "-": power-on).
span() {
    local a b
    if [ "$2" = - ]; then a=0; else a=$(mark "$1" "$2"); fi
    b=$(mark "$1" "$3")
    if [ -n "$a" ] && [ -n "$b" ]; then echo $((b - a)); else echo n/a; fi
}

mega() {
    case "$1" in n/a) echo n/a ;; *) awk -v v="$1" 'BEGIN { printf "%.1f M", v / 1e6 }' ;; esac
}

ratio() {
    case "$1$2" in *n/a*) echo "-" ;;
    *) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }' ;;
    esac
}

row() { printf '%-28s %14s %14s %9s\n' "$@"; }

print_table() {
    local label from to o x
    row "span" "ours" "Xen 4.17" "ours/Xen"
    row "----" "----" "--------" "--------"
    while read -r label from to; do
        o=$(span ours "$from" "$to")
        x=$(span xen "$from" "$to")
        row "$label" "$(mega "$o")" "$(mega "$x")" "$(ratio "$o" "$x")"
    done <<'EOF'
power-on->/init - init
Linux-version->/init linux init
banner->Linux-version banner linux
power-on->banner - banner
EOF
    # Where the instructions of the spans ran (insn-split plugin): the
    # hypervisor's range, and dom0's kernel and user space.
    while read -r label from to range; do
        o=$(split_span ours "$from" "$to" "$range")
        x=$(split_span xen "$from" "$to" "$range")
        row "$label" "$(mega "$o")" "$(mega "$x")" "$(ratio "$o" "$x")"
    done <<'EOF'
..in-hypervisor linux init hv
..in-dom0-kernel linux init kernel
..in-dom0-user linux init low
banner->Linux:in-hypervisor banner linux hv
EOF
}

print_notes() {
    local name label f
    for name in ours xen; do
        label=ours
        [ $name = xen ] && label="Xen 4.17"
        f=$work/$name.marks
        [ -n "${reason[$name]:-}" ] && echo "$label: ${reason[$name]}"
        grep -E '^(ABORT|TIMEOUT|QUIET|MISSING|ISO|icount)' "$f" | sed "s/^/$label: /" | head -n 3
    done
    echo "options (both): $hv_opts; kernel: $kernel_opts; QEMU -m $qemu_mem -smp 1"
    echo "differ: debug_exit=0xf4 on ours only (Xen 4.17 has no such option; both power off)"
}

main() {
    local ref xen_image
    printf '\n== dom0 boot: Debian Linux 6.1 to /init (QEMU -icount shift=0, -m %s -smp 1) ==\n' "$qemu_mem"
    for t in qemu-system-x86_64 grub-mkrescue python3; do
        command -v "$t" >/dev/null || { echo "skipped: missing $t (make deps)"; return; }
    done
    if ! kernel=$(make_initramfs) || [ -z "$kernel" ]; then
        echo "skipped: building the initramfs failed: $(tail -n 1 "$work/initramfs.log")"
        return
    fi
    build_split_plugin
    echo "(two QEMU runs in parallel; several minutes under TCG)"
    bench_pair boot_dom0 "$ours_image" "$hv_opts" "$work"
    print_table
    echo
    print_notes
    if [ -n "${BENCH_KEEP:-}" ]; then
        mkdir -p "$BENCH_KEEP"
        # dom0- prefix: bench.sh keeps its own ours/xen logs in the same place.
        for f in "$work"/*.serial "$work"/*.marks "$work"/*.split; do
            [ -f "$f" ] && cp "$f" "$BENCH_KEEP/dom0-${f##*/}"
        done
        echo "serial logs and marks kept in $BENCH_KEEP (dom0-*)"
    fi
}

work=$(mktemp -d /tmp/hx-bench-dom0.XXXXXX)
trap 'rm -rf "$work"' EXIT
main
