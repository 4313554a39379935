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
# hxtest.quick=1 stops after the capabilities check (a fast power-off run).
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
for d in privcmd evtchn gntdev gntalloc; do
    [ -c "/dev/xen/$d" ]
    result "dev-$d" $? "$(ls -l /dev/xen/$d 2>&1)"
done
mount -t xenfs xenfs /proc/xen
caps=$(cat /proc/xen/capabilities 2>&1)
[ "$caps" = control_d ]
result capabilities $? "'$caps'"

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

# Per-CPU tick deltas between two /proc/stat snapshots: "cpuN busy% user
# system idle steal" (busy = user + nice + system + irq + softirq).
cpu_ticks() { grep '^cpu[0-9]' /proc/stat; }
tick_shares() {
    awk 'NR == FNR { for (i = 2; i <= 9; i++) a[$1, i] = $i; next }
        { for (i = 2; i <= 9; i++) d[i] = $i - a[$1, i]
          busy = d[2] + d[3] + d[4] + d[7] + d[8]; all = busy + d[5] + d[6] + d[9]
          printf "%s %d %d %d %d %d\n", $1, (all > 0 ? 100 * busy / all : 0), d[2], d[4], d[5], d[9] }' "$@"
}
# A loop pinned to each vCPU spins for 4 s of guest time (no forks: reads
# /proc/uptime); every vCPU's busy share is measured over 2 s in between.
now_cs
end=$((cs + 400))
for c in $(seq 0 $((vcpus - 1))); do
    taskset -c "$c" sh -c "cs=0; while [ \$cs -lt $end ]; do read -r up _ </proc/uptime;
        cs=\$((\${up%.*} * 100 + 1\${up#*.} - 100)); done" &
done
sleep 1
cpu_ticks >/tmp/ticks.a
sleep 2
cpu_ticks >/tmp/ticks.b
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

# ---- fork/exec cycles ----
now_cs
t0=$cs
forks=$(param forks)
forks=${forks:-2000}
out=$(dom0check spawn "$forks" 2>&1)
now_cs
[ "$out" = "spawn $forks of $forks" ]
result fork-exec $? "'$out' in $((cs - t0)) cs"

echo "DOM0TEST END"
poweroff -f
sleep 30
