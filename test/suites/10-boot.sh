#!/bin/bash
# Boot tests: the hypervisor comes up under QEMU with various CPU counts and
# memory sizes, from QEMU's multiboot1 loader and from GRUB (multiboot2), and
# its crash report works.
. "$(dirname "$0")/../lib.sh"

for smp in 1 2 4; do
    for mem in 128M 4G; do
        name="boot-smp$smp-$mem"
        boot "$name" --smp "$smp" --mem "$mem" --append "loglvl=all selftest" --timeout 60
        check "$name-exit" [ "$boot_rc" -eq 1 ]
        check "$name-banner" grep -q "^(XEN) Xen version 4.17" "$boot_log"
    done
done

# GRUB 2, multiboot2, from an ISO.
iso="$top/build/test-boot.iso"
if "$top/scripts/mkiso.sh" "$iso" "loglvl=all debug_exit=0xf4 selftest console=com1 com1=115200,8n1"; then
    boot grub-mb2 --iso "$iso" --timeout 90
    check grub-mb2-exit [ "$boot_rc" -eq 1 ]
    check grub-mb2-loader grep -q "Bootloader: GRUB .*(multiboot2)" "$boot_log"
    check grub-mb2-cmdline grep -q "Command line: loglvl=all debug_exit=0xf4 selftest console=com1" "$boot_log"
else
    fail grub-mb2-iso "grub-mkrescue failed"
fi

# Crash reports: a fault on purpose prints the register dump and a stack
# trace naming the faulting function and its caller, then exits with status 3.
for f in pf ud bug; do
    boot "fault-$f" --append "test_fault=$f noreboot" --timeout 30
    check "fault-$f-exit" [ "$boot_rc" -eq 3 ]
    check "fault-$f-trace" grep -q "^(XEN)    \[<ffff82d0[0-9a-f]*>\] run_test_fault+0x" "$boot_log"
    check "fault-$f-caller" grep -q "^(XEN)    \[<ffff82d0[0-9a-f]*>\] __start_xen+0x" "$boot_log"
done
check fault-pf-regs grep -q "^(XEN) RIP:    e008:\[<ffff82d0" "$logdir/fault-pf.serial"
check fault-pf-cr2 grep -q "Faulting linear address: 0000010000000000" "$logdir/fault-pf.serial"
check fault-ud-vector grep -q "vector = 6 (invalid opcode)" "$logdir/fault-ud.serial"

# Without noreboot a crash reboots the machine after five seconds; QEMU's
# -no-reboot turns the reset into an exit (status 0). No debug_exit here.
reboot_log="$logdir/crash-reboot.serial"
timeout 90 qemu-system-x86_64 -M pc -cpu qemu64 -m 256 -display none -no-reboot -monitor none \
    -serial "file:$reboot_log" -kernel "$top/xen/xen.bin" -append "test_fault=bug" </dev/null
check crash-reboot-exit [ $? -eq 0 ]
check crash-reboot-announced grep -q "Reboot in five seconds" "$reboot_log"
check crash-reboot-reset grep -q "Rebooting the machine" "$reboot_log"

finish
