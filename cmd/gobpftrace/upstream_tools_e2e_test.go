package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// upstreamTools are the tools of bpftrace's tools/ folder (HEAD) that
// this kernel can run as written: tracepoints, uprobes and profile
// probes, no kprobes (bpftrace-features.md §3).
var upstreamTools = []string{
	"bashreadline", "biolatency", "biosnoop", "biostacks", "bitesize", "cpuwalk", "execsnoop",
	"gethostlatency", "killsnoop", "naptime", "opensnoop", "pidpersec", "runqlat", "runqlen",
	"setuids", "ssllatency", "sslsnoop", "statsnoop", "syncsnoop", "syscount", "tcpdrop",
	"threadsnoop", "writeback",
}

// upstreamToolsDir is where bpftrace's tools are: $GOBPFTRACE_BPFTRACE_TOOLS,
// else the tools/ of a bpftrace checkout at /var/tmp/bpftrace-src. They
// are not part of this repository (and CI has no copy).
func upstreamToolsDir(t *testing.T) string {
	dir := os.Getenv("GOBPFTRACE_BPFTRACE_TOOLS")
	if dir == "" {
		dir = "/var/tmp/bpftrace-src/tools"
	}
	if _, err := os.Stat(filepath.Join(dir, "syscount.bt")); err != nil {
		t.Skipf("bpftrace's tools are not on this machine (%v); set GOBPFTRACE_BPFTRACE_TOOLS to a bpftrace checkout's tools/", err)
	}
	return dir
}

// TestUpstreamToolsRun runs each of the upstream tools that can run on
// this kernel for a moment, with the workload of the guest test, and ends
// it with SIGINT: it must attach, print its header, and end cleanly
// (exit 0, no error, END's output printed).
func TestUpstreamToolsRun(t *testing.T) {
	needRoot(t)
	dir := upstreamToolsDir(t)
	for _, name := range upstreamTools {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(dir, name+".bt")
			if _, err := os.Stat(file); err != nil {
				t.Fatalf("bpftrace's tools/ has no %s: %v", name, err)
			}
			r := runTool(t, invocation{args: []string{file}, timeout: 60 * time.Second, during: func(p *runningTool) {
				if !p.stderr.waitFor("Attached", p.done, 20*time.Second) {
					return
				}
				toolWorkload(t)
				time.Sleep(300 * time.Millisecond)
				p.cmd.Process.Signal(syscall.SIGINT)
			}})
			expectCode(t, r, 0)
			if strings.Contains(r.stderr, "ERROR") || strings.TrimSpace(r.stdout) == "" {
				t.Errorf("%s:\n%v", name, r)
			}
			t.Logf("%s: %d lines of output", name, strings.Count(r.stdout, "\n"))
		})
	}
}
