package main

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// TestKstack: kernel stacks in printf (8-space indent), in map keys
// (4-space indent) and in perf mode (TAB, hex address), symbolized with
// kallsyms (golden kstack_printf_map). The probe is raw_syscalls'
// sys_enter for getpid (39 on x86-64): every kernel records its kernel
// stack (the syscalls tracepoints do only from Linux 6.12, see
// TestKstackSyscallTracepoint).
func TestKstack(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "gp.py", "import os\nos.getpid()\n")
	r := gbt(t, "-q", "-e", `tracepoint:raw_syscalls:sys_enter /pid == cpid && args.id == 39/ { printf("[%s]\n", kstack(2)); printf("[%s]\n", kstack(perf, 2)); @[kstack(perf, 2)] = count(); @b[kstack(2)] = count(); @all[kstack] = count(); }`, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	sym := `[a-z_][a-z0-9_.]*\+\d+`
	matchAll(t, "stdout", r.stdout,
		`(?m)^\[\n {8}`+sym+`\n {8}`+sym+`\n\]$`,
		`(?m)^\[\n\tffffffff[0-9a-f]{8} `+sym+`\n\tffffffff[0-9a-f]{8} `+sym+`\n\]$`,
		`(?m)^@\[\n\tffffffff[0-9a-f]{8} `+sym+`\n\tffffffff[0-9a-f]{8} `+sym+`\n\]: \d+$`,
		`(?m)^@b\[\n {4}`+sym+`\n {4}`+sym+`\n\]: \d+$`,
		`(?m)^    entry_SYSCALL_64`)
	r = gbt(t, "-e", `BEGIN { @[kstack(fancy)] = count(); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `fancy is not a stack mode`)
}

// TestKstackSyscallTracepoint: kstack in a syscalls tracepoint records the
// kernel stack from Linux 6.12 on; an older kernel has none to record, and
// gobpftrace warns once per probe, at its first kstack, instead of printing
// empty stacks silently (-q keeps the warning, --no-warnings drops it).
func TestKstackSyscallTracepoint(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "gp.py", "import os\nos.getpid()\n")
	prog := `tracepoint:syscalls:sys_enter_getpid /pid == cpid/ { @[kstack] = count(); }
tracepoint:syscalls:sys_exit_getpid /pid == cpid/ { @x[kstack(2)] = count(); @y[kstack] = count(); }`
	r := gbt(t, "-q", "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	release := runtime.KernelRelease()
	if runtime.ReleaseAtLeast(release, 6, 12) {
		if r.stderr != "" {
			t.Errorf("Linux %s: stderr %q, want nothing", release, r.stderr)
		}
		matchAll(t, "stdout", r.stdout, `(?m)^@\[\n    `, `(?m)^@x\[\n    [a-z_].*\n    [a-z_].*\n\]: 1$`)
		return
	}
	want := `(?m)^stdin:%d:\d+-\d+: WARNING: kstack is empty in syscalls tracepoints before Linux 6\.12 \(this kernel is ` +
		strings.ReplaceAll(release, ".", `\.`) + `\): .*raw_syscalls:sys_enter`
	matchAll(t, "stderr", r.stderr, strings.Replace(want, "%d", "1", 1), strings.Replace(want, "%d", "2", 1))
	if n := strings.Count(r.stderr, "WARNING"); n != 2 {
		t.Errorf("%d warnings, want one per probe:\n%s", n, r.stderr)
	}
	r = gbt(t, "-q", "--no-warnings", "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("--no-warnings: stderr %q", r.stderr)
	}
}
