#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the dom0 scenario (test/suites/40-dom0.sh): Debian's kernel as
# dom0 checks what it sees of the hypervisor and prints one line per check,
#   CHECK <name> PASS|FAIL <detail>
# then "INFO ..." lines with values the suite compares against the
# hypervisor's own banner, "DOM0TEST END", and powers off (`poweroff -f`).
# Kernel command-line parameters (the kernel ignores dotted names it does not
# know): hxtest.vcpus=N, the dom0_max_vcpus the suite gave (default 1);
# hxtest.busy=P, the least share (percent) of each vCPU's time a busy loop
# must get while all run at once (default 80; lower when vCPUs outnumber
# CPUs); hxtest.crash=1 crashes the kernel through sysrq instead of the
# checks; hxtest.forks=N, the fork/exec cycles (default 2000);
# hxtest.mem=MIB, the dom0_mem the suite gave (0 or absent: not checked);
# hxtest.hosttime=S, the host's clock (seconds since 1970) when QEMU started,
# for the wall-clock check (absent: not checked); hxtest.quick=1 stops after
# the capabilities check (a fast power-off run); hxtest.console=1 echoes
# console lines instead of the checks (the suite types them).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

param() {
    sed -n "s/.*\\<hxtest\\.$1=\\([0-9]*\\).*/\\1/p" /proc/cmdline
}
vcpus=$(param vcpus)
vcpus=${vcpus:-1}
busy_min=$(param busy)
busy_min=${busy_min:-80}

result() { # NAME CONDITION-RESULT(0/1) DETAIL...
    name=$1 rc=$2
    shift 2
    if [ "$rc" -eq 0 ]; then echo "CHECK $name PASS $*"; else echo "CHECK $name FAIL $*"; fi
}

# cs = the guest's uptime in hundredths of a second (no fork: this times
# other commands).
now_cs() {
    read -r up _ </proc/uptime
    cs=$((${up%.*} * 100 + 1${up#*.} - 100))
}

if [ "$(param crash)" = 1 ]; then
    echo "DOM0TEST crashing"
    echo c >/proc/sysrq-trigger
fi

# ---- modules and devices ----
for m in $(cat /lib/modules/*/load-order); do
    modprobe "$m"
    mod=$(echo "$m" | tr - _)
    [ -d "/sys/module/$mod" ]
    result "module-$(echo "$m" | tr _ -)" $? "$(cat /sys/module/$mod/initstate 2>/dev/null)"
done
for d in privcmd evtchn gntdev gntalloc xenbus xenbus_backend; do
    [ -c "/dev/xen/$d" ]
    result "dev-$d" $? "$(ls -l /dev/xen/$d 2>&1)"
done
mount -t xenfs xenfs /proc/xen
caps=$(cat /proc/xen/capabilities 2>&1)
[ "$caps" = control_d ]
result capabilities $? "'$caps'"

# The console scenario: each line typed on the serial console comes back
# between markers, until a line "end".
if [ "$(param console)" = 1 ]; then
    echo "CONSOLETEST READY"
    while read -r line; do
        echo "CONSOLETEST GOT <$line>"
        [ "$line" = end ] && break
    done
    echo "DOM0TEST END"
    poweroff -f
fi

# Memory as the balloon driver and the kernel count it.
bal=/sys/devices/system/xen_memory/xen_memory0
echo "INFO mem current_kb $(cat $bal/info/current_kb 2>&1) target_kb $(cat $bal/target_kb 2>&1)" \
    "MemTotal_kb $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"

if [ "$(param quick)" = 1 ]; then
    echo "DOM0TEST END"
    poweroff -f
fi

# ---- the hypervisor as sysfs shows it ----
type=$(cat /sys/hypervisor/type 2>&1)
[ "$type" = xen ]
result hypervisor-type $? "'$type'"
major=$(cat /sys/hypervisor/version/major 2>&1)
minor=$(cat /sys/hypervisor/version/minor 2>&1)
extra=$(cat /sys/hypervisor/version/extra 2>&1)
echo "INFO sysfs-version $major.$minor$extra"

# The other files Linux's sys-hypervisor driver makes (it prints pagesize,
# virtual_start and features in hex), against the ABI and xen_version.
sysfs() { cat "/sys/hypervisor/$1" 2>&1; }
for f in major minor; do
    v=$(sysfs version/$f)
    [ -n "$v" ] && [ "${v#*[!0-9]}" = "$v" ]
    result "sysfs-version-$f" $? "'$v'"
done
v=$(sysfs properties/pagesize)
[ "$v" = 1000 ]
result sysfs-pagesize $? "'$v' (hex)"
v=$(sysfs properties/virtual_start)
[ "$v" = ffff800000000000 ] # HYPERVISOR_VIRT_START of 64-bit PV guests
result sysfs-virtual-start $? "'$v'"
v=$(sysfs properties/capabilities)
case "$v " in "xen-3.0-x86_64 "*) rc=0 ;; *) rc=1 ;; esac
result sysfs-capabilities $rc "'$v'"
v=$(sysfs properties/features)
out=$(dom0check features 2>&1)
# Bit 11 is XENFEAT_dom0.
[ "$out" = "features $v" ] && [ $((0x$v >> 11 & 1)) -eq 1 ]
result sysfs-features $? "sysfs '$v', privcmd '$out'"
v=$(sysfs uuid)
[ "$v" = 00000000-0000-0000-0000-000000000000 ] # dom0's handle
result sysfs-uuid $? "'$v'"
rc=0
for f in compilation/compiler compilation/compiled_by compilation/compile_date; do
    v=$(sysfs $f)
    echo "INFO sysfs-$f '$v'"
    [ -n "$v" ] && [ "${v#cat:}" = "$v" ] || rc=1
done
sysfs properties/changeset >/dev/null 2>&1 || rc=1
result sysfs-compilation $rc "compiler, compiled_by, compile_date set, changeset readable"

# ---- xen_version through /dev/xen/privcmd ----
out=$(dom0check xenver 2>&1)
echo "INFO privcmd-$out"
want=$(printf 'xenver 0x%04x%04x %s' "$major" "$minor" "$extra" 2>/dev/null)
[ "$out" = "$want" ]
result privcmd-xenver $? "'$out' (sysfs: '$want')"

# ---- vCPUs ----
online=$(cat /sys/devices/system/cpu/online)
want=0
[ "$vcpus" -gt 1 ] && want="0-$((vcpus - 1))"
[ "$online" = "$want" ] && [ "$(nproc)" -eq "$vcpus" ]
result vcpus-online $? "online '$online' nproc $(nproc), expected $vcpus"

n=$(grep -c '^processor' /proc/cpuinfo)
[ "$n" -eq "$vcpus" ]
result cpuinfo-cpus $? "$n processors in /proc/cpuinfo, expected $vcpus"

# ---- xenstore as dom0's kernel set it up ----
port=$(cat /proc/xen/xsd_port 2>&1)
[ -n "$port" ] && [ "${port#*[!0-9]}" = "$port" ] && [ "$port" -gt 0 ]
result xsd-port $? "'$port'"
kva=$(cat /proc/xen/xsd_kva 2>&1)
[ -n "$kva" ] && [ "${kva#cat:}" = "$kva" ]
result xsd-kva $? "'$kva'"

# ---- memory and the wall clock ----
mem=$(param mem)
if [ "${mem:-0}" -gt 0 ]; then
    cur=$(cat $bal/info/current_kb 2>&1)
    total=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
    # The hypervisor gives dom0_mem (up to 4 MiB more); the kernel keeps most.
    [ "$cur" -ge $((mem * 1024)) ] && [ "$cur" -le $((mem * 1024 + 4096)) ] &&
        [ "$total" -le "$cur" ] && [ "$total" -ge $((mem * 1024 * 6 / 10)) ]
    result memtotal-dom0-mem $? "dom0_mem ${mem} MiB, balloon current ${cur} kB, MemTotal ${total} kB"
fi
host=$(param hosttime)
if [ -n "$host" ]; then
    # QEMU's RTC starts at the host's time; the boot took less than 10 min.
    t=$(date +%s)
    [ "$t" -ge $((host - 5)) ] && [ "$t" -le $((host + 600)) ]
    result wallclock $? "dom0 $(date -u '+%F %T') ($t), host at start $host, $(cut -d' ' -f1 /proc/uptime) s up"
fi

# ---- physical interrupts (PIRQs): the CMOS RTC and the i8042 ----
# rtc_cmos and i8042 need their ISA IRQs (8; 1 and 12) mapped and bound as
# PIRQs; the RTC's update interrupt must then arrive through it.
irqs() { grep -E " $1\$" /proc/interrupts; }
irq_count() { # the per-CPU columns of the line ending in NAME, summed
    irqs "$1" | awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
}
[ -c /dev/rtc0 ]
result rtc-dev $? "$(ls -l /dev/rtc0 2>&1)"
hw=$(hwclock -r -u 2>&1)
hw_s=$(date -u -D '%a %b %d %H:%M:%S %Y' -d "${hw%%  *}" +%s 2>&1)
now=$(date +%s)
[ -n "$hw_s" ] && [ "${hw_s#*[!0-9]}" = "$hw_s" ] && [ $((hw_s - now)) -ge -2 ] && [ $((hw_s - now)) -le 2 ]
result hwclock-read $? "hwclock '$hw' ($hw_s), date $now"
line=$(irqs rtc0)
case "$line" in *xen-pirq*) rc=0 ;; *) rc=1 ;; esac
result rtc-pirq $rc "'$line'"
c0=$(irq_count rtc0)
out=$(dom0check rtc 2 2>&1)
c1=$(irq_count rtc0)
[ "${out% flags*}" = "rtc 2 of 2" ] && [ "$c1" -ge $((c0 + 2)) ]
result rtc-interrupts $? "'$out', rtc0 interrupts $c0 -> $c1"
grep xen-pirq /proc/interrupts | sed 's/^ */INFO pirq /'
# The SCI (GSI 9, level-triggered): two ACPI PM-timer events, each handled
# by Linux; the second only arrives if the pin was unmasked after the first
# (PHYSDEVOP_eoi).
line=$(irqs acpi)
c0=$(irq_count acpi)
out=$(dom0check sci 2 2>&1)
c1=$(irq_count acpi)
case "$line" in *xen-pirq*-ioapic-level*) rc=0 ;; *) rc=1 ;; esac
[ "$rc" -eq 0 ] && [ "$out" = "sci 2 of 2" ] && [ "$c1" -ge $((c0 + 2)) ]
result sci-level-pirq $? "'$out', acpi interrupts $c0 -> $c1, '$line'"
line=$(irqs i8042 | head -n 1)
case "$line" in *xen-pirq*) rc=0 ;; *) rc=1 ;; esac
result i8042-pirq $rc "'$line'"

# ---- event channels and grants between dom0 and itself ----
out=$(dom0check evtchn 1000 2>&1)
[ "$out" = "evtchn 1000 of 1000" ]
result evtchn-loopback $? "'$out'"
out=$(dom0check grant 16 2>&1)
[ "$out" = "grant 16 pages errors 0" ]
result grant-self-map $? "'$out'"

# Per-CPU tick deltas between two /proc/stat snapshots: "cpuN busy% user
# system idle steal" (busy = user + nice + system + irq + softirq).
cpu_ticks() { grep '^cpu[0-9]' /proc/stat; }
tick_shares() {
    awk 'NR == FNR { for (i = 2; i <= 9; i++) a[$1, i] = $i; next }
        { for (i = 2; i <= 9; i++) d[i] = $i - a[$1, i]
          busy = d[2] + d[3] + d[4] + d[7] + d[8]; all = busy + d[5] + d[6] + d[9]
          printf "%s %d %d %d %d %d\n", $1, (all > 0 ? 100 * busy / all : 0), d[2], d[4], d[5], d[9] }' "$@"
}
# A loop pinned to each vCPU spins (no forks: reads /proc/uptime) until told
# to stop; every vCPU's busy share is measured over 2 s once all have started
# (a stop file rather than a deadline: on a loaded host starting the loops
# alone can take seconds).
rm -f /tmp/busy.*
for c in $(seq 0 $((vcpus - 1))); do
    taskset -c "$c" sh -c ": >/tmp/busy.$c; while [ ! -e /tmp/busy.stop ]; do read -r up _ </proc/uptime; done" &
done
while [ "$(ls /tmp | grep -c '^busy\.')" -lt "$vcpus" ]; do sleep 0.2; done
sleep 0.5
cpu_ticks >/tmp/ticks.a
sleep 2
cpu_ticks >/tmp/ticks.b
touch /tmp/busy.stop
wait
tick_shares /tmp/ticks.a /tmp/ticks.b | sed 's/^/INFO ticks (busy% user sys idle steal) /'
low=$(tick_shares /tmp/ticks.a /tmp/ticks.b | awk -v m="$busy_min" '$2 < m' | wc -l)
n=$(tick_shares /tmp/ticks.a /tmp/ticks.b | wc -l)
[ "$low" -eq 0 ] && [ "$n" -eq "$vcpus" ]
result busy-all-vcpus $? "$(tick_shares /tmp/ticks.a /tmp/ticks.b | awk '{ printf "%s:%d%% ", $1, $2 }')(at least $busy_min% each)"

# ---- time ----
now_cs
t0=$cs
sleep 2
now_cs
el=$((cs - t0))
[ "$el" -ge 180 ] && [ "$el" -le 220 ]
result sleep-2s $? "$el cs by the guest clock"
echo "INFO sleep-2s-cs $el"

# ---- memory: 300 MiB written, checked, freed ----
free_kb() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
f0=$(free_kb)
out=$(dom0check mem 300 2>&1)
rc=$?
f1=$(free_kb)
[ "$rc" -eq 0 ] && [ "$out" = "mem 300 MiB errors 0" ]
result mem-300m $? "'$out'"
[ "$f1" -ge $((f0 - 16384)) ]
result mem-freed $? "MemFree ${f0} kB before, ${f1} kB after"

# The balloon driver gives 64 MiB back (XENMEM_decrease_reservation) and
# takes it again (XENMEM_populate_physmap): current_kb follows target_kb.
bal_wait() { # KB: until current_kb is KB (10 s at most)
    for i in $(seq 50); do
        [ "$(cat $bal/info/current_kb)" -eq "$1" ] && return 0
        sleep 0.2
    done
    return 1
}
t0=$(cat $bal/target_kb)
echo $((t0 - 65536)) >$bal/target_kb
bal_wait $((t0 - 65536))
rc=$?
down=$(cat $bal/info/current_kb)
echo "$t0" >$bal/target_kb
bal_wait "$t0" && [ "$rc" -eq 0 ]
result balloon-down-up $? "target $t0 kB: current $down kB after -64 MiB, $(cat $bal/info/current_kb) kB after +64 MiB"

# ---- fork/exec cycles ----
now_cs
t0=$cs
forks=$(param forks)
forks=${forks:-2000}
out=$(dom0check spawn "$forks" 2>&1)
now_cs
[ "$out" = "spawn $forks of $forks" ]
result fork-exec $? "'$out' in $((cs - t0)) cs"

# Nothing above made the kernel warn or oops.
bad=$(dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace|general protection' | head -n 3)
[ -z "$bad" ]
result kernel-log-clean $? "$bad"

echo "DOM0TEST END"
poweroff -f
sleep 30
