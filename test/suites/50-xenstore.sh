#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xenstored, libxenstore and the xenstore-* tools, on the host.
#
# Starts our xenstored on a private socket, then runs: the store unit tests
# (cmocka), the protocol tests (many clients, malformed input), Debian's
# xenstore-utils (Xen's real libxenstore) against our daemon, our tools
# against the same daemon with output compared to Debian's, Debian's tools
# on top of our libxenstore.so, and a short fuzzing run.
# Prints one "PASS <name>" / "FAIL <name> <reason>" line per case.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tools=$top/dom0-tools
B=$tools/build
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

if ! make -C "$tools" tests >&2; then
    echo "FAIL xenstore-build make -C dom0-tools tests failed"
    exit 1
fi

tmp=$(mktemp -d /tmp/xs-test.XXXXXX)
sock=$tmp/socket
tsock=$tmp/test-socket
daemon_pid=

cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$daemon_pid" ] && wait "$daemon_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1 $2"; }
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" == "$3" ]; then
        pass "$1"
    else
        fail "$1" "expected '$2', got '$3'"
    fi
}

start_daemon() {
    "$B/bin/xenstored" -N --socket "$sock" --test-domain-socket "$tsock" \
        -F "$tmp/pid" -T "$tmp/trace" "$@" &
    daemon_pid=$!
    for _ in $(seq 100); do
        [ -S "$sock" ] && [ -S "$tsock" ] && [ -s "$tmp/pid" ] && return 0
        sleep 0.05
    done
    return 1
}

stop_daemon() {
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=
}

# ---- unit tests of the store (cmocka) ----
unit_out=$("$B/test/test-store" 2>&1)
echo "$unit_out"
echo "$unit_out" | sed -n 's/^\[       OK \] \(.*\)$/PASS store-\1/p'
echo "$unit_out" | sed -n 's/^\[  FAILED  \] \([a-z_0-9]*\)$/FAIL store-\1 see log/p'
echo "$unit_out" | grep -q '^\[  PASSED  \]' || fail store-unit-tests "cmocka did not finish"

if ! start_daemon; then
    echo "FAIL xenstored-start daemon did not create $sock"
    exit 1
fi
pass xenstored-start
check xenstored-pid-file "$daemon_pid" "$(cat "$tmp/pid")"

# ---- protocol tests (own client code, raw wire messages) ----
"$B/test/xs-proto-test" "$sock" "$tsock"

# ---- Debian's xenstore-utils (Xen's libxenstore) against our daemon ----
export XENSTORED_PATH=$sock
X=/usr/bin
if [ -x $X/xenstore-read ]; then
    $X/xenstore-write /deb/a "hello world" /deb/b 2
    check debian-write-read "hello world" "$($X/xenstore-read /deb/a)"
    check debian-read-prefix "/deb/b: 2" "$($X/xenstore-read -p /deb/b)"
    check debian-list "$(printf 'a\nb')" "$($X/xenstore-list /deb)"
    check debian-ls "$(printf 'a = "hello world"\nb = "2"')" "$($X/xenstore-ls /deb)"
    $X/xenstore-exists /deb/a
    check debian-exists 0 $?
    $X/xenstore-exists /deb/zz
    check debian-exists-missing 1 $?
    $X/xenstore-chmod /deb/a r5 b7
    check debian-chmod "$(printf 'a = "hello world"  . . . . . . . . . . . . . . . . . . . . .  (r5,b7)')" \
        "$($X/xenstore-ls -p /deb | head -1)"
    $X/xenstore-rm /deb/a
    $X/xenstore-read /deb/a 2>/dev/null
    check debian-rm 1 $?
    timeout 10 $X/xenstore-watch -n 3 /deb >"$tmp/watch" &
    wpid=$!
    for _ in $(seq 50); do grep -q . "$tmp/watch" && break; sleep 0.05; done
    $X/xenstore-write /deb/c/d 1
    $X/xenstore-rm /deb
    wait $wpid
    check debian-watch "$(printf '/deb\n/deb/c/d\n/deb')" "$(cat "$tmp/watch")"
    $X/xenstore-write /deb/t/x 1
    $X/xenstore-rm -t /deb/t/x
    $X/xenstore-exists /deb/t
    check debian-rm-tidy 1 $?
else
    fail debian-xenstore-utils "/usr/bin/xenstore-read missing (install xenstore-utils)"
fi

# ---- our tools: same output and exit status as Debian's ----
$X/xenstore-write -R /cmp/e "$(printf '\a\b\f\v\r\033 ~\\')"
$X/xenstore-write /cmp/u 'a\qb\x4G\7\0c' /cmp/long "$(head -c 120 /dev/zero | tr '\0' x)"
$X/xenstore-write "/cmp/m/$(head -c 90 /dev/zero | tr '\0' n)/z" "$(head -c 60 /dev/zero | tr '\0' y)"
$X/xenstore-chmod /cmp/m n3 r4
compare_tool() {
    local name=$1 m=$2
    shift 2
    $X/xenstore-$m "$@" >"$tmp/o1" 2>"$tmp/e1"
    local r1=$?
    "$B/bin/xenstore-$m" "$@" >"$tmp/o2" 2>"$tmp/e2"
    local r2=$?
    sed -i 's/^[^ ]*xenstore-[a-z]*: //; s/^Usage: [^ ]*/Usage:/' "$tmp/e1" "$tmp/e2"
    if [ $r1 != $r2 ]; then
        fail "$name" "exit status $r2, Debian's $r1"
    elif ! cmp -s "$tmp/o1" "$tmp/o2"; then
        fail "$name" "stdout differs: $(diff "$tmp/o1" "$tmp/o2" | head -3 | tr '\n' ' ')"
    elif ! cmp -s "$tmp/e1" "$tmp/e2"; then
        fail "$name" "stderr differs: $(diff "$tmp/e1" "$tmp/e2" | head -3 | tr '\n' ' ')"
    else
        pass "$name"
    fi
}
compare_tool tools-ls ls /cmp
compare_tool tools-ls-perms ls -p /cmp
compare_tool tools-ls-full ls -f /cmp
compare_tool tools-ls-full-perms ls -f -p /cmp/
compare_tool tools-ls-missing ls /nonexistent
compare_tool tools-list list /cmp
compare_tool tools-list-prefix list -p /cmp
compare_tool tools-list-missing list /nonexistent
compare_tool tools-read-escaped read /cmp/e /cmp/u
compare_tool tools-read-prefix read -p /cmp/u /cmp/e
compare_tool tools-read-raw read -R /cmp/e
compare_tool tools-read-partial read /cmp/u /nonexistent /cmp/u
compare_tool tools-exists exists /cmp /cmp/nonexistent
compare_tool tools-usage-read read
compare_tool tools-usage-write write /cmp/odd
compare_tool tools-usage-watch watch
compare_tool tools-chmod-no-modes chmod /cmp/m
"$B/bin/xenstore-write" /own/w 'x\ty\\z\101\x41\n'
check tools-write-unescape "$(printf 'x\ty\\zAA\n' | od -c)" "$($X/xenstore-read -R /own/w | od -c)"
"$B/bin/xenstore-chmod" -r -u /own/w b9
check tools-chmod-upward "(b9)" "$($X/xenstore-ls -p / | grep '^own' | sed 's/.*  //')"
"$B/bin/xenstore-rm" -t /own/w
"$B/bin/xenstore-exists" /own
check tools-rm-tidy 1 $?
timeout 10 "$B/bin/xenstore-watch" -n 2 /own >"$tmp/watch2" &
wpid=$!
for _ in $(seq 50); do grep -q . "$tmp/watch2" && break; sleep 0.05; done
"$B/bin/xenstore-write" /own/x 1
wait $wpid
check tools-watch "$(printf '/own\n/own/x')" "$(cat "$tmp/watch2")"

# ---- Debian's tools on our libxenstore.so ----
export LD_LIBRARY_PATH=$B/lib
if ldd $X/xenstore-read | grep -q "$B/lib/libxenstore.so.4"; then
    pass ourlib-loaded
else
    fail ourlib-loaded "Debian's xenstore-read does not pick up $B/lib"
fi
$X/xenstore-write /lib/a 1 /lib/b "two words"
check ourlib-read "two words" "$($X/xenstore-read /lib/b)"
check ourlib-ls-perms "$(printf 'a = "1"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)')" \
    "$($X/xenstore-ls -p /lib | head -1)"
timeout 10 $X/xenstore-watch -n 2 /lib/a >"$tmp/watch3" &
wpid=$!
for _ in $(seq 50); do grep -q . "$tmp/watch3" && break; sleep 0.05; done
$X/xenstore-write /lib/a 2
wait $wpid
check ourlib-watch "$(printf '/lib/a\n/lib/a')" "$(cat "$tmp/watch3")"
unset LD_LIBRARY_PATH

# ---- the daemon survived everything above ----
kill -0 "$daemon_pid" 2>/dev/null
check xenstored-alive 0 $?
check xenstored-still-serving "two words" "$($X/xenstore-read /lib/b)"
stop_daemon

# ---- quotas given on the command line ----
if start_daemon -E 3 -W 1 -t 1 -S 64; then
    "$B/test/xs-proto-test" "$sock" "$tsock" quota
    stop_daemon
else
    fail xenstored-start-quota "daemon with quota options did not start"
fi

# ---- fuzzing the message parser (libFuzzer) ----
if [ "$FUZZ_SECONDS" -gt 0 ]; then
    if make -C "$tools" fuzz FUZZ_SECONDS="$FUZZ_SECONDS" >"$tmp/fuzz.log" 2>&1; then
        pass "fuzz-proto-${FUZZ_SECONDS}s"
    else
        tail -30 "$tmp/fuzz.log"
        fail "fuzz-proto-${FUZZ_SECONDS}s" "fuzzer found a crash or did not build (see log)"
    fi
fi
exit 0
