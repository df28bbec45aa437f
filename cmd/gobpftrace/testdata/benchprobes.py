#!/usr/bin/env python3
"""benchprobes.py - one timed run of a tracer with many probes, for bench.sh.

Usage: benchprobes.py exit|sigint [--timeout S] [--stop-timeout S] [--settle S] -- TOOL ARGS...

Runs TOOL once in its own process group (killed with this helper), stdin
from /dev/null, timestamps every line it writes on stdout and stderr as
it is read, and prints one line of key=value results, in the format of
compare.sh's raw.tsv:

  exit    the tool ends by itself (e.g. with -c /bin/true):
          wall_ms        launch -> process exit
          first_line_ms  launch -> first map line ("@...") on stdout
          last_line_ms   launch -> last non-empty line on stdout
          lines          map lines printed
  sigint  the tool runs until Ctrl-C: once it has said "Attach..." on
          stdout or stderr, and --settle seconds more, SIGINT goes to its
          process group (what a terminal's Ctrl-C does), then:
          last_line_ms   SIGINT -> last non-empty line on stdout
          exit_ms        SIGINT -> process exit
          attach_ms      launch -> the "Attach" line
          lines          map lines printed after SIGINT

Both add ok (1 when the tool exited with status 0 after printing map
lines, in time), rc (exit status, 128+N for signal N), timeout and esc
(escalations past SIGINT); a failed run adds stderr="...", the end of
what the tool wrote on stderr. A run that outlives --timeout (sigint:
each of its two phases) gets SIGINT, then SIGTERM and SIGKILL
--stop-timeout seconds apart.
"""

import argparse
import ctypes
import os
import selectors
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1

# Runs in progress, killed if this helper is interrupted.
RUNS = []


def child_setup():
    """In the child before exec: default signal dispositions (a
    background shell may have SIGINT ignored), nothing blocked, and death
    with the helper."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Run:
    """A tool's process and the timestamped lines it writes."""

    def __init__(self, argv):
        self.t_launch = time.monotonic()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=child_setup)
        RUNS.append(self)
        self.sel = selectors.DefaultSelector()
        self.partial = {}
        for name, f in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            os.set_blocking(f.fileno(), False)
            self.sel.register(f, selectors.EVENT_READ, name)
            self.partial[name] = b""
        self.lines = []  # (time read, "out" or "err", text)
        self.t_exit = None
        self.escalations = 0

    def streams_open(self):
        return len(self.sel.get_map()) > 0

    def pump(self, timeout):
        """Reads what arrives within timeout seconds, then checks for exit."""
        if self.streams_open():
            for key, _ in self.sel.select(max(0.0, timeout)):
                self.read(key)
        elif timeout > 0:
            time.sleep(min(timeout, 0.01))
        if self.t_exit is None and self.proc.poll() is not None:
            self.t_exit = time.monotonic()

    def read(self, key):
        name = key.data
        while True:
            try:
                chunk = os.read(key.fileobj.fileno(), 1 << 16)
            except BlockingIOError:
                return
            t = time.monotonic()
            if not chunk:
                if self.partial[name]:
                    self.lines.append((t, name, self.partial[name].decode(errors="replace")))
                self.sel.unregister(key.fileobj)
                return
            *full, self.partial[name] = (self.partial[name] + chunk).split(b"\n")
            self.lines.extend((t, name, l.decode(errors="replace")) for l in full)

    def done(self):
        return self.t_exit is not None and not self.streams_open()

    def wait(self, deadline):
        """Pumps until the tool is done or deadline; True when done."""
        while not self.done() and time.monotonic() < deadline:
            self.pump(min(0.05, deadline - time.monotonic()))
        return self.done()

    def signal(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, step):
        """SIGINT, then SIGTERM and SIGKILL step seconds apart, until the
        tool has exited and closed its output."""
        for i, sig in enumerate((signal.SIGINT, signal.SIGTERM, signal.SIGKILL)):
            if self.done():
                break
            if self.t_exit is None:
                self.signal(sig)
                self.escalations += i > 0
            self.wait(time.monotonic() + step)
        self.signal(signal.SIGKILL)  # whatever is left in its group
        if self.t_exit is None:
            self.proc.wait()
            self.t_exit = time.monotonic()

    def rc(self):
        rc = self.proc.returncode
        if rc is None:
            return -1
        return 128 - rc if rc < 0 else rc

    def out_lines(self, since=0.0):
        return [(t, l) for t, s, l in self.lines if s == "out" and t >= since]

    def stderr_tail(self):
        tail = "|".join(l for _, s, l in self.lines if s == "err")[-300:]
        return tail.replace('"', "'")


def ms(a, b):
    return "%.1f" % ((b - a) * 1e3) if a is not None and b is not None else "-1"


def is_map_line(line):
    return line.startswith("@")


def run_exit(args):
    r = Run(args.argv)
    timed_out = not r.wait(r.t_launch + args.timeout)
    if timed_out:
        r.stop(args.stop_timeout)
    out = r.out_lines()
    maps = [t for t, l in out if is_map_line(l)]
    last = max((t for t, l in out if l.strip()), default=None)
    fields = {
        "wall_ms": ms(r.t_launch, r.t_exit),
        "first_line_ms": ms(r.t_launch, maps[0] if maps else None),
        "last_line_ms": ms(r.t_launch, last),
        "lines": len(maps),
    }
    return r, fields, not timed_out and r.rc() == 0 and maps, timed_out


def run_sigint(args):
    r = Run(args.argv)
    deadline = r.t_launch + args.timeout
    t_attach = None
    while t_attach is None and not r.done() and time.monotonic() < deadline:
        r.pump(0.02)
        t_attach = next((t for t, _, l in r.lines if "Attach" in l), None)
    fields = {"last_line_ms": "-1", "exit_ms": "-1", "attach_ms": ms(r.t_launch, t_attach), "lines": 0}
    if t_attach is not None:
        r.wait(time.monotonic() + args.settle)
    if t_attach is None or r.done():  # it never attached, or it ended by itself
        timed_out = not r.done()
        r.stop(args.stop_timeout)
        return r, fields, False, timed_out
    t_sig = time.monotonic()
    r.signal(signal.SIGINT)
    timed_out = not r.wait(t_sig + args.timeout)
    if timed_out:
        r.stop(args.stop_timeout)
    after = r.out_lines(since=t_sig)
    maps = [t for t, l in after if is_map_line(l)]
    last = max((t for t, l in after if l.strip()), default=None)
    fields.update(last_line_ms=ms(t_sig, last), exit_ms=ms(t_sig, r.t_exit), lines=len(maps))
    return r, fields, not timed_out and r.rc() == 0 and maps, timed_out


def main():
    p = argparse.ArgumentParser(usage=__doc__.split("\n")[2][len("Usage: "):])
    p.add_argument("mode", choices=["exit", "sigint"])
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--stop-timeout", type=float, default=3)
    p.add_argument("--settle", type=float, default=1)
    p.add_argument("argv", nargs="+")
    args = p.parse_args()

    def fatal(sig, _frame):
        for r in RUNS:
            r.signal(signal.SIGKILL)
        sys.exit(128 + sig)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, fatal)
    r, fields, ok, timed_out = (run_exit if args.mode == "exit" else run_sigint)(args)
    fields.update(ok=int(bool(ok)), rc=r.rc(), timeout=int(timed_out), esc=r.escalations)
    line = " ".join("%s=%s" % kv for kv in fields.items())
    if not ok:
        line += ' stderr="%s"' % r.stderr_tail()
    print(line, flush=True)


if __name__ == "__main__":
    main()
