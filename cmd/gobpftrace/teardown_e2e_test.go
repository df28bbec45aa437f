package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// perfEventFds counts the perf event fds process pid holds.
func perfEventFds(pid int) int {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && target == "anon_inode:[perf_event]" {
			n++
		}
	}
	return n
}

// TestResultsBeforeDetach: when tracing ends (here the -c command's exit)
// the maps are printed while the hundreds of tracepoints are still
// attached (stopped, their programs returning at once): their detaching,
// which takes seconds, comes after the results.
func TestResultsBeforeDetach(t *testing.T) {
	needRoot(t)
	openAtResults := -1
	r := runTool(t, invocation{
		// As tracepoints: fused, nothing takes long to detach.
		args: []string{"--tracepoints", "perf", "-e", `tracepoint:syscalls:sys_enter_* { @[probe] = count(); }`, "-c", "/bin/true"},
		during: func(p *runningTool) {
			if p.stdout.waitFor("@[tracepoint:syscalls:sys_enter_", p.done, 60e9) {
				openAtResults = perfEventFds(p.cmd.Process.Pid)
			}
		},
	})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@\[tracepoint:syscalls:sys_enter_execve\]: 1$`)
	if openAtResults < 100 {
		t.Errorf("%d perf events open when the maps were printed, want the tracepoints' (hundreds): detached before the results", openAtResults)
	}
}
