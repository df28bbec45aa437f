package main

import (
	"os"
	"path/filepath"
	"testing"
)

// -l lists the probes of a program (-l -e, -l script.bt) with wildcards
// expanded, as bpftrace does: BEGIN and END left out, interval and profile
// probes by unit; a .bt name that is not a file is a search pattern.
func TestListProgram(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-l", "-e", "tracepoint:syscalls:sys_enter_openat, interval:s:1 { } BEGIN { }")
	expectRun(t, r, 0, "tracepoint:syscalls:sys_enter_openat\ninterval:s:\n", "")

	script := tempFile(t, "probes.bt", "i:ms:100 { }\nt:syscalls:sys_enter_openat2 { }\n")
	r = gbt(t, "-lv", script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^interval:ms:$`, `(?m)^tracepoint:syscalls:sys_enter_openat2$`, `(?m)^    const char \* filename$`)

	r = gbt(t, "-l", "no_such_script.bt")
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^WARNING: It appears that 'no_such_script.bt' is a filename but the file does not exist`)
}

// -l PROVIDER:PATTERN lists uprobe, usdt, kprobe and rawtracepoint probes
// with wildcards expanded and missing trailing parts matching everything;
// a pattern without matches lists nothing.
func TestListFunctionProbes(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-l", "uprobe:libc:getpi*")
	expectRun(t, r, 0, "uprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid\n", "")
	// A path keeps the spelling it was written with, as bpftrace names
	// the probe (also for the probe builtin).
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, "/lib/x86_64-linux-gnu/libc.so.6")
	if err != nil {
		t.Fatal(err)
	}
	r = gbt(t, "-l", "uprobe:"+rel+":getpi*")
	expectRun(t, r, 0, "uprobe:"+rel+":getpid\n", "")
	r = gbt(t, "-l", "rt:sched_switch")
	expectRun(t, r, 0, "rawtracepoint:vmlinux:sched_switch\n", "")
	r = gbt(t, "-l", "kprobe:tcp_set_stat*")
	expectRun(t, r, 0, "kprobe:tcp_set_state\n", "")
	r = gbt(t, "-l", "kprobe:nothing_is_called_this*")
	expectRun(t, r, 0, "", "")
	r = gbt(t, "-l", "uprobe:/no/such/binary")
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `uprobe target '/no/such/binary' not found`)

	const python = "/usr/bin/python3.11"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("usdt listing needs %s: %v", python, err)
	}
	r = gbt(t, "-l", "usdt:"+python)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^usdt:/usr/bin/python3\.11:python:gc__start$`, `(?m)^usdt:/usr/bin/python3\.11:python:function__entry$`)
	r = gbt(t, "-l", "U:"+python+":*gc__s*")
	expectRun(t, r, 0, "usdt:/usr/bin/python3.11:python:gc__start\n", "")
}

// TestListRawTracepointParams: -lv lists a raw tracepoint's arguments from
// the BTF of its probe stub, without the first (the tracepoint's private
// data), as bpftrace does.
func TestListRawTracepointParams(t *testing.T) {
	needRoot(t)
	if !haveBTF() {
		t.Skip("no kernel BTF")
	}
	r := gbt(t, "-lv", "rawtracepoint:sched_switch")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `\Arawtracepoint:vmlinux:sched_switch\n    bool preempt\n    struct task_struct \* prev\n    struct task_struct \* next\n`)
}

// TestListSelfProbes: -l lists the self:signal probes, as bpftrace does.
func TestListSelfProbes(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-l", "self:*")
	expectRun(t, r, 0, "self:signal:SIGUSR1\n", "")
	r = gbt(t, "-l", "self:signal:SIGUSR2")
	expectRun(t, r, 0, "", "")
}
