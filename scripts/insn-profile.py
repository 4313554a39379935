#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Where a boot span's instructions went, by function (docs/benchmarks.md).

    insn-profile.py SPLIT FROM TO [--syms xen/xen-syms] [--top 40]

SPLIT is a snapshot file of the insn-split QEMU plugin (icount.py --split,
bench-dom0.sh BENCH_KEEP=DIR keeps them as dom0-NAME.split); FROM and TO name
two of its snapshots (the markers, e.g. `linux` and `init`). The per-block
counters of the two snapshots are subtracted and the blocks are attributed
to the function of the symbol table (`nm -n` of an ELF with symbols) that
contains their start address; blocks outside every symbol are grouped by
address range. Prints the top functions with instructions and share.
"""
import argparse
import bisect
import collections
import subprocess

HV_START = 0xffff800000000000
KERNEL_START = 0xffff880000000000


def read_snapshots(path):
    snaps, cur = {}, None
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "SNAP":
                cur = snaps.setdefault(w[1], {"range": {}, "blocks": {}})
            elif w[0] == "RANGE" and cur is not None:
                cur["range"][w[1]] = int(w[2])
            elif w[0] == "BLOCK" and cur is not None:
                cur["blocks"][int(w[1], 16)] = int(w[2])
            elif w[0] == "END":
                cur = None
    return snaps


def read_symbols(path):
    out = subprocess.run(["nm", "-n", path], capture_output=True, text=True, check=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        w = line.split()
        if len(w) == 3 and w[1] in "tTwW":
            addrs.append(int(w[0], 16))
            names.append(w[2])
    return addrs, names


def where(addr, addrs, names):
    i = bisect.bisect_right(addrs, addr) - 1
    if i >= 0 and addr - addrs[i] < 0x10000:
        return names[i]
    if addr >= KERNEL_START:
        return "[guest kernel]"
    return "[hypervisor %x]" % (addr & ~0xfff)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split")
    ap.add_argument("start")
    ap.add_argument("end")
    ap.add_argument("--syms", help="ELF whose symbols name the hypervisor's blocks")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--all", action="store_true", help="include guest-kernel blocks")
    args = ap.parse_args()
    snaps = read_snapshots(args.split)
    a, b = snaps[args.start], snaps[args.end]
    addrs, names = read_symbols(args.syms) if args.syms else ([], [])
    per_fn = collections.Counter()
    for addr, n in b["blocks"].items():
        if addr >= KERNEL_START and not args.all:
            continue
        d = n - a["blocks"].get(addr, 0)
        if d:
            per_fn[where(addr, addrs, names)] += d
    for r in ("hv", "kernel", "low"):
        print("%-8s %14d" % (r, b["range"].get(r, 0) - a["range"].get(r, 0)))
    total = sum(per_fn.values()) or 1
    for fn, n in per_fn.most_common(args.top):
        print("%14d %6.2f%%  %s" % (n, 100.0 * n / total, fn))


if __name__ == "__main__":
    main()
