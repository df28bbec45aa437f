package main

import "testing"

// TestRawTracepoint: rawtracepoint probes attach as classic raw
// tracepoints; argN are the tracepoint's raw arguments (for sys_enter,
// arg1 is the system call number).
func TestRawTracepoint(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "gp.sh", "#!/bin/sh\nexit 0\n")
	r := gbt(t, "-q", "-e", `rt:sys_enter /pid == cpid/ { @[probe] = count(); @nr[arg1 == 59] = count(); }`, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@\[rawtracepoint:sys_enter\]: [1-9]\d*$`, `(?m)^@nr\[true\]: [1-9]\d*$`)
	r = gbt(t, "-e", "rawtracepoint:no_such_raw_tp { }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `ERROR: No matches for rawtracepoint no_such_raw_tp\.`)
}
