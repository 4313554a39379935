#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# dom0 scenario: our hypervisor boots Debian's stock Linux 6.1 as PV dom0
# with an initramfs from scripts/mkdom0.sh whose /init is
# test/dom0/init-checks.sh (helper: test/dom0/dom0check.c, built static
# here). The init's "CHECK name PASS|FAIL detail" lines become
# "PASS <run>-name" / "FAIL <run>-name"; a check that never printed fails.
# Checked here against the hypervisor's own log: the version dom0 reads
# through sysfs and through a privcmd xen_version hypercall equals the
# banner's; the hypervisor reports dom0's power-off and the machine goes
# off (isa-debug-exit status 1; in the GRUB run without debug_exit, ACPI S5
# and QEMU's exit status 0).
#
# Runs: dom0_max_vcpus=1 on -smp 1, =2 on -smp 2 (fork/exec cycles
# DOM0_FORKS_SMP2, default 500, to keep the suite near 4 minutes), =4 on
# -smp 2, a quick GRUB/multiboot2 run ending in ACPI S5, dom0_mem=256M, 1G
# and 2G on a 4 GiB machine, and a dom0 crash
# (sysrq) with noreboot under debug_exit and without both (a reboot).
. "$(dirname "$0")/../lib.sh"
timeout=${DOM0_TIMEOUT:-300}
work=$top/build/dom0-test
mkdir -p "$work"

if ! kpkg=$("$top/scripts/fetch-debs.sh" --depends-of linux-image-amd64 2>"$logdir/fetch.err"); then
    fail dom0-skipped "cannot download Debian's kernel: $(tail -n 1 "$logdir/fetch.err")"
    exit 0
fi
if ! gcc -static -O2 -Wall -o "$work/dom0check" "$top/test/dom0/dom0check.c" 2>"$logdir/gcc.err"; then
    fail dom0-build "gcc -static dom0check.c failed: $(head -n 1 "$logdir/gcc.err")"
    exit 1
fi
if ! "$top/scripts/mkdom0.sh" --init "$top/test/dom0/init-checks.sh" --bin "$work/dom0check" \
    -o "$work/initramfs.cpio.gz" >"$work/mkdom0.out" 2>"$logdir/mkdom0.err"; then
    fail dom0-initramfs "$(tail -n 1 "$logdir/mkdom0.err")"
    exit 1
fi
vmlinuz=$(sed -n 2p "$work/mkdom0.out")
initrd=$work/initramfs.cpio.gz
hv_opts="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot"

expected="module-xen-evtchn module-xen-gntdev module-xen-gntalloc module-xen-privcmd module-xenfs
dev-privcmd dev-evtchn dev-gntdev dev-gntalloc capabilities hypervisor-type privcmd-xenver
vcpus-online busy-all-vcpus sleep-2s mem-300m mem-freed fork-exec"

# check_run RUN: the init's CHECK lines, the expected ones all present, and
# the versions dom0 saw against the hypervisor's banner.
check_run() {
    local run=$1 name banner ver extra
    sed -n 's/^CHECK \([a-z0-9-]*\) PASS.*/PASS '"$run"'-\1/p; s/^CHECK \([a-z0-9-]*\) FAIL \(.*\)/FAIL '"$run"'-\1 \2/p' \
        "$boot_log" | tr -d '\r'
    for name in $expected; do
        grep -aq "^CHECK $name " "$boot_log" || fail "$run-$name" "no CHECK line (see $boot_log)"
    done
    banner=$(log_value '^(XEN) Xen version \([0-9][^ ]*\) .*')
    ver=${banner%%[!0-9.]*}   # 4.17.0-hx -> 4.17.0; major.minor below
    ver=${ver%.*}
    extra=${banner#"$ver"}
    tr -d '\r' <"$boot_log" >"$boot_log.txt" # hvc0 lines end in CR LF
    check "$run-sysfs-version-is-banner" grep -aqx "INFO sysfs-version $ver$extra" "$boot_log.txt"
    check "$run-privcmd-version-is-banner" grep -aqx \
        "INFO privcmd-xenver $(printf '0x%04x%04x' "${ver%.*}" "${ver#*.}") $extra" "$boot_log.txt"
}

# check_poweroff RUN EXPECTED-QEMU-STATUS
check_poweroff() {
    check "$1-dom0-end" grep -aq "^DOM0TEST END" "$boot_log"
    check "$1-hv-reports-poweroff" grep -aq "^(XEN) Hardware Dom0 shutdown: poweroff" "$boot_log"
    check "$1-qemu-exit-$2" [ "$boot_rc" -eq "$2" ]
}

# RUN SMP VCPUS FORKS BUSY%: 4 vCPUs on 2 CPUs get half a CPU each at best.
for run in "smp1 1 1 2000 80" "smp2 2 2 ${DOM0_FORKS_SMP2:-500} 80" "vcpus4-smp2 2 4 200 40"; do
    set -- $run
    start=$SECONDS
    boot "$1" --smp "$2" --mem 1024M --timeout "$timeout" \
        --append "$hv_opts dom0_mem=512M dom0_max_vcpus=$3" \
        --module "$vmlinuz:console=hvc0 earlyprintk=xen hxtest.vcpus=$3 hxtest.forks=$4 hxtest.busy=$5" \
        --module "$initrd"
    echo "$1: $((SECONDS - start)) s, QEMU exit $boot_rc"
    check_run "$1"
    check_poweroff "$1" 1
done

# GRUB, multiboot2, no isa-debug-exit on the command line: dom0's power-off
# must reach ACPI S5, which ends QEMU with status 0.
if "$top/scripts/mkiso.sh" "$work/s5.iso" "$hv_opts dom0_mem=512M dom0_max_vcpus=1" \
    "$vmlinuz" "console=hvc0 earlyprintk=xen hxtest.quick=1" "$initrd" ""; then
    boot acpi-s5 --iso "$work/s5.iso" --mem 1024M --timeout "$timeout"
    check acpi-s5-capabilities grep -aq "^CHECK capabilities PASS" "$boot_log"
    check_poweroff acpi-s5 0
else
    fail acpi-s5-iso "mkiso.sh failed"
fi

# dom0_mem from 256 MiB to 2 GiB on a 4 GiB machine (quick runs): the
# hypervisor's page count for dom0 is what dom0's balloon driver reports
# (current_kb), within 4 MiB above dom0_mem, and the kernel keeps at least
# half of it as MemTotal.
for mib in 256 1024 2048; do
    boot "mem$mib" --smp 2 --mem 4G --timeout "$timeout" \
        --append "$hv_opts dom0_mem=${mib}M dom0_max_vcpus=2" \
        --module "$vmlinuz:console=hvc0 earlyprintk=xen hxtest.quick=1" --module "$initrd"
    check "mem$mib-capabilities" grep -aq "^CHECK capabilities PASS" "$boot_log"
    check_poweroff "mem$mib" 1
    pages=$(log_value '^(XEN) dom0: guest OS .*, \([0-9]*\) pages .*')
    cur=$(log_value '^INFO mem current_kb \([0-9]*\) .*')
    total=$(log_value '^INFO mem .* MemTotal_kb \([0-9]*\).*')
    pages=${pages:-0}
    detail="hypervisor: $pages pages, balloon current_kb ${cur:-?}, MemTotal ${total:-?} kB"
    if [ "$pages" -gt 0 ] && [ "${cur:-x}" = "$((pages * 4))" ]; then
        pass "mem$mib-balloon-is-hv-pages"
    else
        fail "mem$mib-balloon-is-hv-pages" "$detail"
    fi
    if [ "$((pages / 256))" -ge "$mib" ] && [ "$((pages / 256))" -le "$((mib + 4))" ]; then
        pass "mem$mib-pages-near-dom0-mem"
    else
        fail "mem$mib-pages-near-dom0-mem" "$detail"
    fi
    if [ "${total:-0}" -ge "$((mib * 512))" ] && [ "${total:-0}" -le "$((mib * 1024))" ]; then
        pass "mem$mib-memtotal"
    else
        fail "mem$mib-memtotal" "$detail"
    fi
done

# A dom0 crash (sysrq 'c'): Linux panics with a call trace (6.1's sysrq
# crash is a panic, not an oops: no register dump), the hypervisor reports
# the crash with dom0's registers and, under debug_exit, exits with status 3.
boot crash-halt --smp 1 --mem 1024M --timeout "$timeout" \
    --append "$hv_opts dom0_mem=512M dom0_max_vcpus=1" \
    --module "$vmlinuz:console=hvc0 earlyprintk=xen hxtest.crash=1" --module "$initrd"
check crash-halt-sysrq grep -aq "sysrq: Trigger a crash" "$boot_log"
check crash-halt-dom0-trace grep -aq "^\[ *[0-9.]*\]  sysrq_handle_crash+0x" "$boot_log"
check crash-halt-hv-reports grep -aq "^(XEN) Hardware Dom0 shutdown: crash" "$boot_log"
check crash-halt-hv-registers grep -aq "^(XEN) RIP:    e03[03]:\[<ffffffff8" "$boot_log"
check crash-halt-qemu-exit-3 [ "$boot_rc" -eq 3 ]

# Without noreboot and debug_exit the hypervisor reboots after 5 s, which
# ends QEMU (-no-reboot) with status 0.
if "$top/scripts/mkiso.sh" "$work/crash.iso" "${hv_opts% noreboot} dom0_mem=512M dom0_max_vcpus=1" \
    "$vmlinuz" "console=hvc0 earlyprintk=xen hxtest.crash=1" "$initrd" ""; then
    boot crash-reboot --iso "$work/crash.iso" --mem 1024M --timeout "$timeout"
    check crash-reboot-hv-reports grep -aq "^(XEN) Hardware Dom0 shutdown: crash" "$boot_log"
    check crash-reboot-reboots grep -aq "^(XEN) Rebooting the machine" "$boot_log"
    check crash-reboot-qemu-exit-0 [ "$boot_rc" -eq 0 ]
else
    fail crash-reboot-iso "mkiso.sh failed"
fi

finish
