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
# Runs: dom0_max_vcpus=1 on -smp 1, =2 on -smp 2 (2000 fork/exec cycles
# each), =4 on -smp 2 (200), the serial console typed into (lines reach
# dom0's shell; after Ctrl-A three times a debug key reaches the hypervisor
# and not dom0; three more give the input back to dom0), a quick
# GRUB/multiboot2 run ending in ACPI S5, dom0_mem=256M, 1G and 2G on a
# 4 GiB machine, and a dom0 crash (sysrq) with noreboot under debug_exit and
# without both (a reboot).
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
dev-privcmd dev-evtchn dev-gntdev dev-gntalloc dev-xenbus dev-xenbus_backend capabilities
hypervisor-type sysfs-version-major sysfs-version-minor sysfs-pagesize sysfs-virtual-start
sysfs-capabilities sysfs-features sysfs-uuid sysfs-compilation privcmd-xenver vcpus-online
cpuinfo-cpus xsd-port xsd-kva memtotal-dom0-mem wallclock rtc-dev hwclock-read rtc-pirq
rtc-interrupts sci-level-pirq i8042-pirq evtchn-loopback grant-self-map
busy-all-vcpus sleep-2s mem-300m mem-freed balloon-down-up fork-exec kernel-log-clean"

# check_run RUN: the init's CHECK lines, the expected ones all present, and
# the versions dom0 saw against the hypervisor's banner.
check_run() {
    local run=$1 name banner ver extra lines
    lines=$(sed -n 's/^CHECK \([a-z0-9-]*\) PASS.*/PASS '"$run"'-\1/p; s/^CHECK \([a-z0-9-]*\) FAIL \(.*\)/FAIL '"$run"'-\1 \2/p' \
        "$boot_log" | tr -d '\r')
    echo "$lines"
    # The init's failures count too (finish keeps the logs of a failed suite).
    failures=$((failures + $(echo "$lines" | grep -c '^FAIL ')))
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
for run in "smp1 1 1 2000 80" "smp2 2 2 2000 80" "vcpus4-smp2 2 4 200 40"; do
    set -- $run
    start=$SECONDS
    boot "$1" --smp "$2" --mem 1024M --timeout "$timeout" \
        --append "$hv_opts dom0_mem=512M dom0_max_vcpus=$3" \
        --module "$vmlinuz:console=hvc0 earlyprintk=xen hxtest.vcpus=$3 hxtest.forks=$4 hxtest.busy=$5 hxtest.mem=512 hxtest.hosttime=$(date +%s)" \
        --module "$initrd"
    echo "$1: $((SECONDS - start)) s, QEMU exit $boot_rc"
    check_run "$1"
    check_poweroff "$1" 1
done

# serial_boot NAME INITRD "DOM0 ARGS": boot dom0 with COM1 on a pair of
# FIFOs (QEMU's "pipe" chardev: $work/NAME.in to QEMU, NAME.out from it),
# so the test can type on the serial console (type_serial) while the log
# fills; serial_end waits for QEMU's exit (status in $boot_rc).
serial_boot() {
    local fifo=$work/$1
    boot_log=$logdir/$1.serial
    rm -f "$fifo.in" "$fifo.out"
    mkfifo "$fifo.in" "$fifo.out"
    cat <>"$fifo.out" >"$boot_log" &
    serial_cat=$!
    timeout --foreground -k 5 "$timeout" qemu-system-x86_64 -M pc -cpu qemu64 -smp 1 -m 1024M \
        -display none -no-reboot -chardev pipe,id=com1,path="$fifo" -serial chardev:com1 \
        -monitor none -parallel none -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -kernel "$top/xen/xen.bin" -append "debug_exit=0xf4 $hv_opts dom0_mem=512M dom0_max_vcpus=1" \
        -initrd "$vmlinuz console=hvc0 earlyprintk=xen $3,$2" \
        </dev/null >/dev/null 2>"$logdir/$1.qemu" &
    qemu=$!
    exec 3<>"$fifo.in"
}
serial_end() {
    wait "$qemu"
    boot_rc=$?
    exec 3>&-
    kill "$serial_cat" 2>/dev/null
    wait "$serial_cat" 2>/dev/null
}
type_serial() { printf "$1" >&3; }

# serial_has REGEX [SECONDS]: a line of the log matches (grep -E), waiting up
# to SECONDS (default 60) while QEMU runs.
serial_has() {
    local end=$((SECONDS + ${2:-60}))
    while :; do
        tr -d '\r' <"$boot_log" | grep -aqE -- "$1" && return 0
        { [ $SECONDS -lt "$end" ] && kill -0 "$qemu" 2>/dev/null; } || return 1
        sleep 0.5
    done
}

# The serial console, typed into: the init echoes each line it reads between
# markers. One or two Ctrl-As reach dom0; three give the input to the
# hypervisor, whose debug key 'h' must answer and not reach dom0; three more
# give it back to dom0.
serial_boot console "$initrd" hxtest.console=1
check console-dom0-ready serial_has '^CONSOLETEST READY' "$timeout"
type_serial 'one\r'
check console-line-to-dom0 serial_has '^CONSOLETEST GOT <one>$'
# Fewer than three Ctrl-As are dom0's characters (as on Xen).
type_serial '\001a\001\001b\r'
check console-single-ctrl-a-to-dom0 serial_has $'^CONSOLETEST GOT <\x01a\x01\x01b>$'
type_serial '\001\001\001'
check console-switch-to-xen serial_has '^\(XEN\) \*\*\* Serial input to Xen'
type_serial 'h'
check console-debug-key-h serial_has "^\\(XEN\\) 'h' pressed -> showing installed handlers"
check console-debug-key-list serial_has "^\\(XEN\\)  key 'h' \\(ascii '68'\\) =>"
type_serial '\001\001\001'
check console-switch-to-dom0 serial_has '^\(XEN\) \*\*\* Serial input to DOM0'
type_serial 'two\r'
# 'h' went to the hypervisor only: dom0's next line is "two", not "htwo".
check console-line-to-dom0-again serial_has '^CONSOLETEST GOT <two>$'
type_serial 'end\r'
check console-end-typed serial_has '^DOM0TEST END'
serial_end
check_poweroff console 1

# `make run`'s dom0 (scripts/dom0-shell-init.sh, with our xenstored and the
# xenstore tools): the shell prompt takes commands typed on the console, and
# xenstored serves them (dom0's kernel too: its xenbus connects to it).
if "$top/scripts/mkdom0.sh" --with-dom0-tools -o "$work/shell.cpio.gz" >/dev/null 2>"$logdir/mkdom0-shell.err"; then
    serial_boot shell "$work/shell.cpio.gz" ""
    check shell-xenstored-started serial_has '^dom0: xenstored: pid [0-9]+' "$timeout"
    check shell-prompt serial_has '^dom0# ' 30
    type_serial "xenstore-write /hxtest/key value-$$ && xenstore-read /hxtest/key | sed 's/^/XS READ /'\r"
    check shell-xenstore-write-read serial_has "^XS READ value-$$\$"
    type_serial "xenstore-ls / | sed 's/^/XS LS /'\r"
    check shell-xenstore-ls serial_has "^XS LS  key = \"value-$$\"\$"
    # Written by dom0's kernel through the xenstore ring at xsd_kva.
    check shell-xenstore-dom0-kernel grep -aq '^XS LS     feature-poweroff = "1"' "$boot_log"
    type_serial 'poweroff -f\r'
    serial_end
    check shell-hv-reports-poweroff grep -aq "^(XEN) Hardware Dom0 shutdown: poweroff" "$boot_log"
    check shell-qemu-exit-1 [ "$boot_rc" -eq 1 ]
else
    fail shell-initramfs "$(tail -n 1 "$logdir/mkdom0-shell.err")"
fi

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
