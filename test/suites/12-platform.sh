#!/bin/bash
# Platform bring-up: ACPI, APICs, TSC calibration, timers, SMP, IPIs, power-off,
# debug keys. Each boot runs the hypervisor's self-tests ("selftest") and the
# suite checks what they print against what it knows independently: the CPU
# count and RAM it gave QEMU, and the host's TSC frequency (QEMU TCG's guest
# TSC is the host's; see docs/platform.md).
. "$(dirname "$0")/../lib.sh"

# The host TSC frequency, measured here (median of five 200 ms windows).
tsc_tool="$logdir/host_tsc_khz"
if ! gcc -O2 -o "$tsc_tool" "$top/test/platform/host_tsc_khz.c"; then
    fail host-tsc-tool "cannot build test/platform/host_tsc_khz.c"
fi
host_khz=$("$tsc_tool" 2>/dev/null || echo 0)
echo "host TSC: $host_khz kHz"

# The first \(group\) of a sed regex in the serial log, without the line's \r.
value() {
    log_value "$1" | tr -d '\r'
}

# within_pct A B PCT: |A - B| <= PCT% of B (integers).
within_pct() {
    [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] && [ $(( ($1 - $2) * ($1 > $2 ? 1 : -1) * 100 )) -le $(( $2 * $3 )) ]
}

# The platform self-tests (the memory ones are 11-memory's business): each
# one present and PASS (pirq-rtc: the RTC interrupt through the IO-APIC,
# arch/x86/irq.c). timer-remote only runs with more than one CPU.
platform_selftests_pass() {
    local smp=$1 t
    for t in timer-oneshot timer-order remote-call on-each-cpu tlb-shootdown time-sync pirq-rtc; do
        grep -q "^(XEN) selftest: $t PASS" "$boot_log" || return 1
    done
    [ "$smp" -eq 1 ] || grep -q "^(XEN) selftest: timer-remote PASS" "$boot_log"
}

# ram_ok MB MEM_MB: what the hypervisor found is at most what QEMU has, and
# no more than 8 MiB less (firmware's reserved ranges).
ram_ok() {
    [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -le "$2" ] && [ "$1" -ge $(($2 - 8)) ]
}

# check_boot NAME SMP MEM_MB CLOCK: the common checks of one self-test boot.
check_boot() {
    local name=$1 smp=$2 mem_mb=$3 clock=$4 ram khz
    check "$name-exit" [ "$boot_rc" -eq 1 ]
    check "$name-cpus" grep -q "^(XEN) Brought up $smp CPUs" "$boot_log"
    check "$name-selftest-cpus" [ "$(value '^(XEN) selftest: cpus=\([0-9]*\)')" = "$smp" ]
    ram=$(value '^(XEN) System RAM: \([0-9]*\)MB.*')
    check "$name-ram" ram_ok "$ram" "$mem_mb"
    khz=$(value '^(XEN) selftest: tsc_khz=\([0-9]*\)')
    echo "$name: hypervisor TSC $khz kHz, host $host_khz kHz"
    check "$name-tsc-2pct" within_pct "$khz" "$host_khz" 2
    check "$name-clocksource" grep -q "^(XEN) TSC: .*calibrated against the $clock" "$boot_log"
    check "$name-selftests" platform_selftests_pass "$smp"
}

for smp in 1 2 4; do
    for mem in 128 4096; do
        name="smp$smp-${mem}M"
        boot "$name" --smp "$smp" --mem "${mem}M" --append "selftest loglvl=all" --timeout 60
        check_boot "$name" "$smp" "$mem" HPET
    done
done

# q35 (ACPI tables from a different generator), and no HPET: PIT calibration.
boot q35-smp2 --machine q35 --smp 2 --mem 256M --append "selftest loglvl=all" --timeout 60
check_boot q35-smp2 2 256 HPET
boot nohpet-smp2 --machine pc,hpet=off --smp 2 --mem 256M --append "selftest loglvl=all" --timeout 60
check_boot nohpet-smp2 2 256 PIT
check nohpet-no-hpet-table bash -c "! grep -q '^(XEN) ACPI: HPET' '$boot_log'"

# maxcpus limits the bring-up.
boot maxcpus --smp 4 --mem 128M --append "selftest maxcpus=2" --timeout 60
check maxcpus-cpus grep -q "^(XEN) Brought up 2 CPUs" "$boot_log"
check maxcpus-acpi grep -q "^(XEN) ACPI: 4 CPUs enabled" "$boot_log"

# ACPI S5 without isa-debug-exit: QEMU must exit by itself, status 0.
boot_log="$logdir/s5.serial"
timeout --foreground -k 5 60 qemu-system-x86_64 -M pc -cpu qemu64 -smp 2 -m 128M -display none \
    -no-reboot -monitor none -parallel none -serial "file:$boot_log" \
    -kernel "$top/xen/xen.bin" -append "selftest" </dev/null >/dev/null 2>&1
check s5-exit-status [ "$?" -eq 0 ]
check s5-message grep -q "^(XEN) Powering off (ACPI S5)" "$boot_log"
check s5-sleep-type grep -q "^(XEN) ACPI: PM1a_CNT 0x[0-9a-f]*, .*S5 sleep types [0-7]/[0-7]" "$boot_log"

# Debug keys typed on the serial line: h, t, d.
keys_test() {
    local dir="$logdir/keys" qpid catpid i
    mkdir -p "$dir"
    rm -f "$dir/ser.in" "$dir/ser.out"
    mkfifo "$dir/ser.in" "$dir/ser.out"
    boot_log="$dir/keys.serial"
    cat "$dir/ser.out" >"$boot_log" &
    catpid=$!
    timeout --foreground -k 5 90 qemu-system-x86_64 -M pc -cpu qemu64 -smp 2 -m 128M \
        -display none -no-reboot -monitor none -parallel none -serial "pipe:$dir/ser" \
        -kernel "$top/xen/xen.bin" -append "loglvl=all" </dev/null >/dev/null 2>&1 &
    qpid=$!
    for i in $(seq 60); do
        grep -q "idling" "$boot_log" && break
        sleep 0.5
    done
    for k in h t d; do
        printf '%s' "$k" >"$dir/ser.in"
        sleep 1
    done
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    kill "$catpid" 2>/dev/null
    wait "$catpid" 2>/dev/null
}
keys_test
check key-h grep -q "^(XEN)  key 'd' (ascii '64') => dump registers of every CPU" "$boot_log"
check key-t-now grep -q "^(XEN) NOW()=[1-9][0-9]* ns, TSC=0x[0-9a-f]*, tsc_khz=[1-9]" "$boot_log"
# CPU 0 always has the serial poll timer queued, in the future.
check key-t-cpu0 grep -q "^(XEN) CPU0: next timer deadline [0-9]* ns (in [0-9]* us)" "$boot_log"
check key-t-cpu1 grep -q "^(XEN) CPU1: " "$boot_log"
check key-d-cpu0 grep -q "^(XEN) \*\*\* Dumping CPU0 host state" "$boot_log"
check key-d-cpu1 grep -q "^(XEN) \*\*\* Dumping CPU1 host state" "$boot_log"
# CPU 1 is idle: it was interrupted in its idle loop.
check key-d-cpu1-idle bash -c "sed -n '/Dumping CPU1/,\$p' '$boot_log' | grep -q '^(XEN) RIP:    e008:\[<ffff82d0[0-9a-f]*>\] idle_loop+0x'"

# x2APIC and the TSC-deadline timer: QEMU 7.2's TCG has neither, Bochs's
# corei7_skylake_x has both. Booted from GRUB (multiboot2) with two CPUs.
# Bochs's TSC ticks once per emulated instruction and its HPET runs on the
# same emulated time, so the TSC must come out at the configured ips.
bochs_test() {
    local dir="$logdir/bochs" ips=50000000
    mkdir -p "$dir"
    boot_log="$dir/serial.txt"
    rm -f "$boot_log"
    "$top/scripts/mkiso.sh" "$dir/hx.iso" "selftest loglvl=all console=com1" || return 1
    cat >"$dir/bochsrc" <<BOCHSRC
megs: 256
cpu: model=corei7_skylake_x, count=2, ips=$ips, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
vga: extension=none
ata0-master: type=cdrom, path=$dir/hx.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$boot_log
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: $dir/bochs.log
clock: sync=none, time0=local
BOCHSRC
    echo c >"$dir/rc"
    (cd "$dir" && timeout --foreground -k 5 240 bochs -q -f bochsrc -rc rc) </dev/null >"$dir/bochs.out" 2>&1
    check bochs-cpus grep -q "^(XEN) Brought up 2 CPUs" "$boot_log"
    check bochs-x2apic grep -q "^(XEN) selftest: apic=x2apic timer=tsc-deadline" "$boot_log"
    check bochs-tsc-is-ips within_pct "$(value '^(XEN) selftest: tsc_khz=\([0-9]*\)')" $((ips / 1000)) 2
    check bochs-selftests platform_selftests_pass 2
    check bochs-s5 grep -q "ACPI control: soft power off" "$dir/bochs.out"
}
if command -v bochs >/dev/null && [ -e /usr/share/bochs/BIOS-bochs-latest ]; then
    bochs_test || fail bochs-iso "grub-mkrescue failed"
else
    echo "SKIP bochs-x2apic: bochs, bochsbios and vgabios are not installed"
fi

finish
