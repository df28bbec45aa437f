package main

import (
	"path/filepath"
	"testing"
)

// TestJoin: join(args.argv[, sep]) prints an execve's arguments (golden
// join of bpftrace 0.17), in text and JSON; execsnoop.bt uses it.
func TestJoin(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-q", "-e", `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); join(args.argv, ","); exit(); }`, "-c", "/usr/bin/true a b c")
	expectRun(t, r, 0, "/usr/bin/true a b c\n/usr/bin/true,a,b,c\n\n\n", "")
	r = gbt(t, "-q", "-f", "json", "-e", `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv); exit(); }`, "-c", "/usr/bin/true a b")
	expectRun(t, r, 0, `{"type": "join", "data": "/usr/bin/true a b"}`+"\n", "")
	// 16 strings of 16 KiB: the record's strings lie past 16-bit
	// instruction offsets (which once wrapped; the verifier refused).
	r = gbt(t, "-q", "-e", `config = { max_strlen = 16384 } tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv, ","); exit(); }`, "-c", "/usr/bin/true a b c d e f g")
	expectRun(t, r, 0, "/usr/bin/true,a,b,c,d,e,f,g\n\n\n", "")

	ex, _ := filepath.Abs(filepath.Join(examplesDir, "execsnoop.bt"))
	r = gbt(t, ex, "-c", "/usr/bin/true x y")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^TIME +PID +PPID +ARGS$`, `(?m)^\d\d:\d\d:\d\d\.\d{6} +\d+ +\d+ +/usr/bin/true x y$`)
}
