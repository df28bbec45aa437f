package main

import "testing"

// TestRawTracepoint: rawtracepoint probes attach as classic raw
// tracepoints named rawtracepoint:MODULE:EVENT; argN are the tracepoint's
// raw arguments (for sys_enter, arg1 is the system call number). A
// wildcard expands over the raw tracepoints (sys_enter and sys_exit; not
// the syscalls:sys_enter_* events, which are not raw tracepoints).
func TestRawTracepoint(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "gp.sh", "#!/bin/sh\nexit 0\n")
	r := gbt(t, "-q", "-e", `rt:sys_enter /pid == cpid/ { @[probe] = count(); @nr[arg1 == 59] = count(); }`, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@\[rawtracepoint:vmlinux:sys_enter\]: [1-9]\d*$`, `(?m)^@nr\[true\]: [1-9]\d*$`)
	if !haveBTF() {
		return
	}
	r = gbt(t, "-q", "-e", `rawtracepoint:sys_* /pid == cpid/ { @[probe] = count(); }`, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@\[rawtracepoint:vmlinux:sys_enter\]: [1-9]\d*$`, `(?m)^@\[rawtracepoint:vmlinux:sys_exit\]: [1-9]\d*$`)
	noMatch(t, "stdout", r.stdout, `sys_enter_`)
}

// TestRawTracepointArgs: args in a raw tracepoint has the tracepoint's
// arguments by name and type from BTF; pointer members are read from
// kernel memory, in predicates, map keys and printf.
func TestRawTracepointArgs(t *testing.T) {
	needRoot(t)
	if !haveBTF() {
		t.Skip("no kernel BTF")
	}
	script := tempFile(t, "ex.sh", "#!/bin/sh\nexec /bin/true\n")
	r := gbt(t, "-q", "-e", `rawtracepoint:sched_process_exec /args.p->pid == cpid/ {
		@file[str(args.bprm->filename)] = count();
		@same[args.old_pid == args.p->pid] = count();
		printf("exec %s %d\n", str(args.bprm->filename), args.p->tgid == cpid);
	}`, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^exec /bin/true 1$`, `(?m)^@file\[/bin/true\]: 1$`, `(?m)^@same\[true\]: [1-9]$`)
	noMatch(t, "stdout", r.stdout, `@same\[false\]`)
}

// TestRawTracepointMissing: bpftrace's errors for raw tracepoints that do
// not exist: an event alone is searched in every module, so its probe
// has no attach points; a module named is "No matches".
func TestRawTracepointMissing(t *testing.T) {
	needRoot(t)
	if !haveBTF() {
		t.Skip("no kernel BTF")
	}
	r := gbt(t, "-e", "rawtracepoint:no_such_raw_tp { }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:1-29: ERROR: Probe has no valid attach points\.`, `(?m)^HINT: No matches for rawtracepoint no_such_raw_tp\.$`)
	r = gbt(t, "-e", "rawtracepoint:nonsense:sys_exit { }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:1-32: ERROR: No matches for rawtracepoint nonsense:sys_exit\.$`)
}
