#!/bin/bash
# Run every suite under test/suites/ in name order and count the verdicts.
#
# Protocol: a suite is an executable that prints one line per test case,
# "PASS <name>" or "FAIL <name> [reason]", and exits non-zero if it could not
# run at all (that counts as one more failure). Everything else it prints is
# kept in build/test-logs/<suite>.log. The last line of this script's output is
# "N passed, N failed"; the exit status is non-zero when anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
logs="$top/build/test-logs"
mkdir -p "$logs"
pass=0
fail=0
filter=${SUITES:-}
for suite in "$top"/test/suites/*; do
    [ -x "$suite" ] || continue
    name=$(basename "$suite")
    name=${name%.sh}
    if [ -n "$filter" ] && ! echo "$name" | grep -qE "$filter"; then
        continue
    fi
    echo "== $name"
    out="$logs/$name.log"
    "$suite" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^PASS ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    grep -E '^(PASS|FAIL) ' "$out" | sed 's/^/   /'
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "   FAIL $name (suite exited $rc; see $out)"
        f=1
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    [ "$f" -eq 0 ] && [ "$rc" -eq 0 ] && rm -f "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
