#!/bin/bash
# Host unit tests (test/unit/): build them all, run every binary, and turn
# cmocka's per-test results into "PASS unit/<binary>/<test>" lines. A test
# that was running when its binary crashed or when a sanitizer reported an
# error fails; so does a binary that fails without naming a test, and every
# test program that did not build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
unit="$top/test/unit"
bin="$top/build/unit"
logdir="$top/build/test-logs/05-unit"
mkdir -p "$logdir"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export CMOCKA_MESSAGE_OUTPUT=stdout

# -k: one engineer's broken test must not hide everyone else's results.
if ! make -k -j2 -C "$unit" >"$logdir/build.log" 2>&1; then
    echo "FAIL unit/build (see build/test-logs/05-unit/build.log)"
    tail -n 20 "$logdir/build.log"
fi

# Convert one binary's output (on stdin) to verdict lines.
convert() {
    awk -v b="$1" -v rc="$2" '
        function verdict(ok, t) {
            if (ok && !(t in bad)) print "PASS unit/" b "/" t
            else print "FAIL unit/" b "/" t (t in bad ? " (" bad[t] ")" : "")
            done[t] = 1; running = ""
            if (!ok || t in bad) nfail++
        }
        /^\[ RUN      \] / { running = $4; next }
        /^\[       OK \] / { verdict(1, $4); next }
        /^\[  FAILED  \] / { if ($4 == running && !($4 in done)) verdict(0, $4); next }
        /^\[  SKIPPED \] / { running = ""; next }
        /runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer/ {
            if (running != "") bad[running] = "sanitizer report"; else sanitizer = 1
        }
        END {
            if (running != "") {
                bad[running] = "crashed: exit " rc
                verdict(0, running)
            }
            if (sanitizer) print "FAIL unit/" b "/sanitizer (report outside a test)"
            else if (rc != 0 && nfail == 0) print "FAIL unit/" b "/exit (status " rc ")"
        }
    '
}

for t in "$unit"/test_*.c; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .c)
    name=${name#test_}
    # A binary older than its sources is stale: its test did not build.
    if ! make -q -C "$unit" "$bin/$name" >/dev/null 2>&1; then
        echo "FAIL unit/$name/build (does not build; see build/test-logs/05-unit/build.log)"
        continue
    fi
    out="$logdir/$name.out"
    (cd "$top" && timeout 60 "$bin/$name") >"$out" 2>&1
    rc=$?
    convert "$name" "$rc" <"$out"
done
