package main

import "testing"

// TestKstack: kernel stacks in printf (8-space indent), in map keys
// (4-space indent) and in perf mode (TAB, hex address), symbolized with
// kallsyms (golden kstack_printf_map).
func TestKstack(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "gp.py", "import os\nos.getpid()\n")
	r := gbt(t, "-q", "-e", `tracepoint:syscalls:sys_enter_getpid /pid == cpid/ { printf("[%s]\n", kstack(2)); printf("[%s]\n", kstack(perf, 2)); @[kstack(perf, 2)] = count(); @b[kstack(2)] = count(); @all[kstack] = count(); }`, "-c", "/usr/bin/python3 "+script)
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
