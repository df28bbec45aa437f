package main

import "testing"

// -l lists the probes of a program (-l -e, -l script.bt) with wildcards
// expanded; a .bt name that is not a file is a search pattern.
func TestListProgram(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-l", "-e", "tracepoint:syscalls:sys_enter_openat, interval:s:1 { } BEGIN { }")
	expectRun(t, r, 0, "tracepoint:syscalls:sys_enter_openat\ninterval:s:1\nbegin\n", "")

	script := tempFile(t, "probes.bt", "i:ms:100 { }\nt:syscalls:sys_enter_openat2 { }\n")
	r = gbt(t, "-lv", script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^interval:ms:100$`, `(?m)^tracepoint:syscalls:sys_enter_openat2$`, `(?m)^    const char \* filename$`)

	r = gbt(t, "-l", "no_such_script.bt")
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `^WARNING: It appears that 'no_such_script.bt' is a filename but the file does not exist`)
}
