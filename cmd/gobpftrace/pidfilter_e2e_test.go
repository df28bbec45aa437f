package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// startLoop starts sh running script in a loop in the background, and
// stops it when the test ends.
func startLoop(t *testing.T, script string) string {
	t.Helper()
	proc := exec.Command("sh", "-c", script)
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
	return strconv.Itoa(proc.Process.Pid)
}

// TestPidFilterTracepointAndProfile: -p restricts a syscall tracepoint
// (which fires for every process: the program checks the pid) and a
// profile probe (attached to the process) to that process, while the
// rest of the machine goes on making syscalls and using CPU.
func TestPidFilterTracepointAndProfile(t *testing.T) {
	needRoot(t)
	opener := startLoop(t, "while :; do : < /dev/null; done")
	startLoop(t, "while :; do : < /dev/null; done") // another process doing the same
	for _, c := range []struct{ name, probe string }{
		{"tracepoint", "tracepoint:syscalls:sys_enter_openat"},
		{"profile", "profile:hz:997"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := gbt(t, "-q", "-p", opener, "-e", c.probe+` { @[pid] = count(); } interval:ms:500 { exit(); }`)
			expectCode(t, r, 0)
			keys := regexp.MustCompile(`(?m)^@\[(\d+)\]: \d+$`).FindAllStringSubmatch(r.stdout, -1)
			if len(keys) != 1 || keys[0][1] != opener {
				t.Errorf("-p %s: keys %q, want only the process\n%s", opener, keys, r)
			}
		})
	}
}
