#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xenstored benchmark: prints a table of
#  - ops/sec for read, write, directory and a 10-write transaction, with 1
#    and 32 concurrent clients (each a process with its own connection);
#  - daemon memory (RSS growth) per 100,000 nodes;
#  - instructions per 10-write transaction commit with 1,000 and 100,000
#    nodes in the store (valgrind callgrind, in-process store), which must
#    not grow with the store's size.
# BENCH_SECONDS sets the duration of each throughput run (default 2).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/dom0-tools/build
secs=${BENCH_SECONDS:-2}
make -s -C "$top/dom0-tools" tests >&2

tmp=$(mktemp -d /tmp/xs-bench.XXXXXX)
sock=$tmp/socket
"$B/bin/xenstored" -N --socket "$sock" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }

printf '%-34s %14s %14s\n' "xenstored" "1 client" "32 clients"
for op in read write directory tx10; do
    one=$("$B/test/xs-bench" "$sock" ops "$op" 1 "$secs")
    many=$("$B/test/xs-bench" "$sock" ops "$op" 32 "$secs")
    printf '%-34s %14s %14s\n' "$op ops/s" "$one" "$many"
done

before=$(rss_kb)
"$B/test/xs-bench" "$sock" fill 100000 /mem
after=$(rss_kb)
printf '%-34s %14s\n' "memory per 100,000 nodes (KiB)" "$((after - before))"
printf '%-34s %14s\n' "  (value 10 bytes, path ~20 bytes)" ""

commit_cost() {
    valgrind --tool=callgrind --collect-atstart=no \
        --toggle-collect=run_transactions --callgrind-out-file="$tmp/cg" \
        "$B/test/xs-commit-cost" "$1" 100 2>&1 |
        awk '/Collected/ { printf "%d\n", $4 / 100 }'
}
if command -v valgrind >/dev/null; then
    printf '%-34s %14s\n' "tx10 instructions, 1,000 nodes" "$(commit_cost 1000)"
    printf '%-34s %14s\n' "tx10 instructions, 100,000 nodes" "$(commit_cost 100000)"
else
    echo "valgrind not installed: commit cost not measured"
fi
