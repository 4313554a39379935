# Shared helpers for test suites (sourced). A suite prints one line per case:
# "PASS <name>" or "FAIL <name> <why>"; see scripts/run-tests.sh.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite_name=$(basename "$0" .sh)
logdir="$top/build/test-logs/$suite_name"
mkdir -p "$logdir"
failures=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1 ${2:-}"; failures=$((failures + 1)); }

# check NAME CONDITION-COMMAND...: PASS when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name" "($*)"; fi
}

# boot NAME [qemu-boot.sh options]: boot once; the serial log is
# $logdir/NAME.serial and the exit code is in $boot_rc.
boot() {
    local name=$1
    shift
    boot_log="$logdir/$name.serial"
    "$top/scripts/qemu-boot.sh" --log "$boot_log" "$@" </dev/null >/dev/null 2>"$logdir/$name.qemu"
    boot_rc=$?
}

# The first value captured by a sed -n regex (with one \(group\)) in the log.
log_value() {
    sed -n "s/$1/\\1/p" "$boot_log" | head -n 1
}

# Keep the serial logs of failed boots only.
finish() {
    [ "$failures" -eq 0 ] && rm -rf "$logdir"
    return 0
}
