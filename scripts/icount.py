#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Count guest instructions between serial-log markers (docs/benchmarks.md).

    icount.py --iso ISO [--mem 1024M] [--smp 1] [--cpu qemu64] [--timeout SECS]
              [--log FILE] [--until REGEX] [--abort REGEX] [--quiet SECS]
              NAME=REGEX...

Boots ISO under qemu-system-x86_64 with `-icount shift=0,sleep=off` and a QMP
socket. The serial port is QEMU's stdout, a pipe this script reads as it
arrives, so a marker is acted on within microseconds of being written. The
first serial line matching each NAME=REGEX makes us send QMP `stop`, read
`query-replay` (its `icount` is the number of guest instructions since
power-on; QEMU 7.2 reports it under plain -icount, with "mode": "none") and
`cont`. For every marker this prints

    MARK NAME ICOUNT SECONDS

(SECONDS: wall time since QEMU started, for information) in the order seen, then `MISSING NAME` for markers never seen. The run ends
when a line matches --until (after its own marker, if any) or --abort
(printed as `ABORT <line>`), when QEMU exits, after --quiet seconds without
serial output (`QUIET`) or at the timeout (`TIMEOUT`). --each-line also
prints `LINE ICOUNT TEXT` for every serial line: a profile of a boot. Exit status: 0 all
markers seen, 1 some missing, 2 usage or QEMU start-up error.

What runs between the marker's write and the `stop` (the guest keeps going
for the few microseconds a pipe read and a QMP round trip take) is counted
too: a few thousand instructions, negligible for the boot spans this is for.
Micro-operations are timed inside the guest instead (test/guests/bench.c).
"""
import argparse
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time


class Qmp:
    """A minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.file = self.sock.makefile("rw")
        self.file.readline()  # greeting
        self.command("qmp_capabilities")

    def command(self, name):
        self.file.write(json.dumps({"execute": name}) + "\n")
        self.file.flush()
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("QMP connection closed")
            reply = json.loads(line)
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (name, reply["error"]))
            return reply["return"]

    def icount_now(self, while_stopped=None):
        """Stop the guest, read its instruction count (and call
        while_stopped(icount) if given), let it go on."""
        self.command("stop")
        try:
            icount = self.command("query-replay")["icount"]
            if while_stopped:
                while_stopped(icount)
            return icount
        finally:
            self.command("cont")


class Split:
    """The insn-split plugin (scripts/qemu-plugin/insn-split.c): at each
    marker, a snapshot of instructions by address range (hypervisor, guest
    kernel, low) and per hypervisor/kernel block, appended to OUT."""

    def __init__(self, plugin, out, tmp):
        self.ctl = os.path.join(tmp, "split.ctl")
        os.mkfifo(self.ctl)
        self.out = out
        open(out, "w").close()
        self.qemu_args = ["-plugin", "%s,ctl=%s,out=%s" % (plugin, self.ctl, out)]

    def snapshot(self, name):
        with open(self.ctl, "w") as ctl:
            ctl.write("SNAP %s\n" % name)
        end = "END %s\n" % name
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.out) as f:
                f.seek(max(0, os.path.getsize(self.out) - 4096))
                if f.read().endswith(end):
                    return
            time.sleep(0.01)
        raise RuntimeError("insn-split gave no snapshot for %s" % name)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iso", required=True)
    ap.add_argument("--mem", default="1024M")
    ap.add_argument("--smp", default="1")
    ap.add_argument("--cpu", default="qemu64")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log", help="keep the serial log here")
    ap.add_argument("--until", help="stop QEMU after a line matching this")
    ap.add_argument("--abort", help="stop QEMU at once after a line matching this")
    ap.add_argument("--each-line", action="store_true",
                    help="print `LINE ICOUNT text` for every serial line (a boot profile)")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="one more QEMU argument (repeat for several)")
    ap.add_argument("--quiet", type=float, default=0,
                    help="stop after this many seconds without serial output")
    ap.add_argument("--split", metavar="PLUGIN:OUT",
                    help="load the insn-split plugin PLUGIN and append its snapshot at each "
                    "marker to OUT (hypervisor/kernel/low instruction split)")
    ap.add_argument("markers", nargs="*", metavar="NAME=REGEX")
    args = ap.parse_args()
    markers = []
    for m in args.markers:
        name, sep, regex = m.partition("=")
        if not sep or not name:
            ap.error("marker %r is not NAME=REGEX" % m)
        markers.append((name, re.compile(regex)))
    return args, markers


def qemu_command(args, qmp_path, extra):
    # QEMU runs niced so that this script wakes at once when a marker
    # arrives: the guest runs on until `stop` lands, and that is counted.
    return ["nice", "-n", "10", "qemu-system-x86_64", "-M", "pc", "-cpu", args.cpu, "-smp", args.smp,
            "-m", args.mem, "-display", "none", "-no-reboot", "-serial", "stdio",
            "-monitor", "none", "-parallel", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-cdrom", args.iso, "-boot", "d",
            "-icount", "shift=0,sleep=off",
            "-qmp", "unix:%s,server=on,wait=off" % qmp_path] + args.qemu_arg + extra


class Watcher:
    """Splits serial output into lines and fires each marker once."""

    def __init__(self, markers, args, qmp, log, split):
        self.split = split
        self.pending = list(markers)
        self.until = re.compile(args.until) if args.until else None
        self.abort = re.compile(args.abort) if args.abort else None
        self.each_line = args.each_line
        self.qmp = qmp
        self.log = log
        self.partial = b""
        self.done = False
        self.started = time.monotonic()

    def feed(self, data):
        self.log.write(data)
        self.partial += data
        *lines, self.partial = self.partial.split(b"\n")
        for raw in lines:
            self.line(raw.decode("utf-8", "replace").rstrip("\r"))

    def count(self, name=None):
        """The instruction count now, or None once QEMU has gone (powered off
        while we were reading its last lines: those are still processed).
        With a marker name and the split plugin, a snapshot is taken too."""
        if self.qmp is None:
            return None
        hook = None
        if name and self.split:
            def hook(icount):
                self.split.snapshot(name)
        try:
            return self.qmp.icount_now(hook)
        except (OSError, EOFError):
            self.qmp = None
            return None

    def line(self, text):
        if self.done:
            return
        if self.abort and self.abort.search(text):
            print("ABORT %s" % text, flush=True)
            self.done = True
            return
        if self.each_line:
            icount = self.count()
            if icount is not None:
                print("LINE %d %s" % (icount, text), flush=True)
        for entry in self.pending:
            name, regex = entry
            if regex.search(text):
                icount = self.count(name)
                if icount is not None:
                    print("MARK %s %d %.1f" % (name, icount, time.monotonic() - self.started),
                          flush=True)
                    self.pending.remove(entry)
                break
        if self.until and self.until.search(text):
            self.done = True


def run(args, markers, tmp):
    qmp_path = os.path.join(tmp, "qmp.sock")
    split = None
    if args.split:
        plugin, _, out = args.split.partition(":")
        split = Split(plugin, out, tmp)
    qemu = subprocess.Popen(qemu_command(args, qmp_path, split.qemu_args if split else []), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + args.timeout
    log = open(args.log or os.devnull, "wb")
    try:
        watcher = Watcher(markers, args, Qmp(qmp_path, time.monotonic() + 10), log, split)
        fd = qemu.stdout.fileno()
        last_output = time.monotonic()
        while not watcher.done and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                if args.quiet and time.monotonic() - last_output > args.quiet:
                    print("QUIET for %d s" % args.quiet, flush=True)
                    break
                continue
            data = os.read(fd, 65536)
            if not data:
                break  # QEMU exited
            last_output = time.monotonic()
            watcher.feed(data)
        if not watcher.done and time.monotonic() >= deadline:
            print("TIMEOUT after %d s" % args.timeout, flush=True)
        for name, _ in watcher.pending:
            print("MISSING %s" % name, flush=True)
        return 0 if not watcher.pending else 1
    except (OSError, EOFError, RuntimeError) as err:
        err_text = qemu.stderr.read1(4096).decode(errors="replace") if qemu.poll() else ""
        print("icount.py: %s %s" % (err, err_text.strip()), file=sys.stderr)
        return 2
    finally:
        log.close()
        if qemu.poll() is None:
            qemu.kill()
        qemu.wait()


def main():
    args, markers = parse_args()
    if not os.path.exists(args.iso):
        print("icount.py: no such ISO %s" % args.iso, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="icount.") as tmp:
        return run(args, markers, tmp)


if __name__ == "__main__":
    sys.exit(main())
