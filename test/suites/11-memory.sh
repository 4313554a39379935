#!/bin/bash
# Memory bring-up: the sanitised e820 map, System RAM, the heaps, paging
# protections and the in-hypervisor memory self-checks ("selftest: mm-<name>
# PASS|FAIL" lines, from xen/arch/x86/mm-selftest.c), at several RAM sizes.
. "$(dirname "$0")/../lib.sh"

# Kilobytes in a "-m" size such as 128M or 4G.
to_kb() {
    case "$1" in
    *G) echo $((${1%G} * 1024 * 1024)) ;;
    *M) echo $((${1%M} * 1024)) ;;
    esac
}

# Sum of the (usable) ranges of the printed map, in kB: recomputed here from
# the range lines, independently of the hypervisor's own total.
usable_kb_from_map() {
    local total=0 s e
    while read -r s e; do
        total=$((total + (0x$e - 0x$s + 1)))
    done < <(sed -n 's/^(XEN)  \[\([0-9a-f]\{16\}\), \([0-9a-f]\{16\}\)\] (usable)$/\1 \2/p' "$boot_log")
    echo $((total / 1024))
}

# Ranges of the printed map are sorted and do not overlap.
map_sorted() {
    local prev=-1 s e
    while read -r s e; do
        [ $((0x$s)) -gt "$prev" ] || return 1
        [ $((0x$e)) -ge $((0x$s)) ] || return 1
        prev=$((0x$e))
    done < <(sed -n 's/^(XEN)  \[\([0-9a-f]\{16\}\), \([0-9a-f]\{16\}\)\] (.*)$/\1 \2/p' "$boot_log")
    [ "$prev" -ge 0 ]
}

# below_within_1pct VALUE LIMIT: VALUE < LIMIT by at most 1% of LIMIT.
below_within_1pct() {
    [ -n "$1" ] && [ "$1" -lt "$2" ] && [ $(($2 - $1)) -le $(($2 / 100)) ]
}

# heaps_hold_95pct XEN_MB DOM_MB RAM_KB: at least 95% of RAM in the heaps,
# at least 4 MiB of it in the xen heap.
heaps_hold_95pct() {
    [ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ "$1" -ge 4 ] &&
        [ $((($1 + $2) * 1024 * 100)) -ge $(($3 * 95)) ]
}

# check_boot NAME MEM [qemu-boot.sh options...]
check_boot() {
    local name=$1 mem=$2
    shift 2
    boot "$name" --mem "$mem" --append "selftest loglvl=all" --timeout 90 "$@"
    # The serial console ends lines with CR LF: drop the CRs for the parsing below.
    sed -i 's/\r$//' "$boot_log"
    check "$name-exit" [ "$boot_rc" -eq 1 ]
    check "$name-no-crash" bash -c "! grep -qE 'Panic on CPU|FATAL' '$boot_log'"

    local mem_kb ram_kb ram_mb map_kb xen_mb dom_mb
    mem_kb=$(to_kb "$mem")
    ram_kb=$(log_value '.*System RAM: [0-9]*MB (\([0-9]*\)kB)$')
    ram_mb=$(log_value '.*System RAM: \([0-9]*\)MB .*')
    map_kb=$(usable_kb_from_map)
    # QEMU keeps a little below 1 MiB and under the 4 GiB hole for the BIOS:
    # the RAM we report is below -m, by less than 1%.
    check "$name-ram-within-1pct" below_within_1pct "$ram_kb" "$mem_kb"
    check "$name-ram-equals-map" [ "${ram_kb:-0}" -eq "$map_kb" ]
    check "$name-ram-mb" [ "${ram_mb:-0}" -eq $((${ram_kb:-0} / 1024)) ]
    check "$name-map-sorted" map_sorted

    # Boot tables (frame table, M2P, page tables), image and modules take
    # under 5% of RAM; the rest is in the heaps.
    xen_mb=$(log_value '.*Heaps: xen \([0-9]*\)MB.*')
    dom_mb=$(log_value '.*Heaps: .*, domain \([0-9]*\)MB.*')
    check "$name-heaps" heaps_hold_95pct "$xen_mb" "$dom_mb" "$ram_kb"
    check "$name-nx" grep -q "Paging: NX on" "$boot_log"

    local n=0 test verdict detail
    while read -r test verdict detail; do
        n=$((n + 1))
        if [ "$verdict" = PASS ]; then pass "$name-$test"; else fail "$name-$test" "$detail"; fi
    done < <(sed -n 's/^(XEN) selftest: \(mm-[a-z0-9-]* \(PASS\|FAIL\).*\)$/\1/p' "$boot_log")
    check "$name-mm-selftests-ran" [ "$n" -ge 9 ]
}

check_boot mem-128M 128M
check_boot mem-4G 4G
check_boot mem-1G-smp2 1G --smp 2
# A CPU with SMEP and SMAP: both get enabled, and the self-checks still pass.
check_boot mem-1G-smap 1G --cpu Broadwell-noTSX
# A boot module (as the dom0 kernel would be) is reserved and survives intact.
module="$logdir/module.bin"
head -c 300000 /dev/urandom >"$module"
check_boot mem-128M-module 128M --module "$module"
mod_bytes=$(sed -n 's/^(XEN) Boot module 0: \[\([0-9a-f]*\), \([0-9a-f]*\)) \([0-9]*\) bytes, kept$/\3/p' "$boot_log")
check mem-128M-module-size [ "${mod_bytes:-0}" -eq 300000 ]
check mem-128M-module-selftest grep -q "^(XEN) selftest: mm-modules PASS" "$boot_log"
check mem-1G-smap-enabled grep -q "SMEP on, SMAP on" "$logdir/mem-1G-smap.serial"
check mem-128M-no-smep grep -q "SMEP unsupported, SMAP unsupported" "$logdir/mem-128M.serial"

finish
