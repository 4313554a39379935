# shellcheck shell=bash
# Sourced by the benchmark scripts: boot the same thing on Debian's Xen 4.17
# and on ours, in parallel, in the same invocation.
#
#   bench_pair BOOT_FN OURS_IMAGE "hypervisor options" WORKDIR
#
# BOOT_FN is called as "BOOT_FN xen|ours IMAGE OPTIONS" in the background;
# ours also gets debug_exit=0xf4 (Xen 4.17 has no such option). BENCH_XEN
# names another Xen image. What cannot run is explained in reason[xen] or
# reason[ours]; WORKDIR/{ours,xen}.marks exist afterwards in any case.
# shellcheck disable=SC2154,SC2034  # top comes from the caller; reason is read by it
bench_pair() {
    local boot=$1 ours_image=$2 hv_opts=$3 work=$4 xen_image=${BENCH_XEN:-} ref
    declare -gA reason=()
    if [ -z "$xen_image" ] && ref=$("$top/scripts/fetch-debs.sh" xen-hypervisor-4.17-amd64 2>"$work/fetch.log"); then
        xen_image=$(find "$ref/boot" -name "xen-*-amd64.gz" 2>/dev/null | head -n 1)
    fi
    if [ -n "$xen_image" ]; then
        "$boot" xen "$xen_image" "$hv_opts" &
    else
        reason[xen]="Debian's Xen 4.17 unavailable: $(tail -n 1 "$work/fetch.log" 2>/dev/null)"
    fi
    if [ -f "$ours_image" ]; then
        "$boot" ours "$ours_image" "$hv_opts debug_exit=0xf4" &
    else
        reason[ours]="$ours_image missing (make -C xen)"
    fi
    wait
    touch "$work/ours.marks" "$work/xen.marks"
}
