package main

import (
	"strings"
	"testing"
)

// TestUprobeLibc: uprobe and uretprobe on libc's getpid, resolved through
// ld.so.cache, count the calls of a child process; func, probe and retval
// are right.
func TestUprobeLibc(t *testing.T) {
	needRoot(t)
	python := debianPython(t)
	script := tempFile(t, "gp.py", "import os\nfor i in range(3): os.getpid()\n")
	prog := `uprobe:libc:getpid /pid == cpid/ { @calls[comm, func] = count(); @p[probe] = count(); }
uretprobe:libc:getpid /pid == cpid/ { @ok[retval == pid] = count(); }`
	r := gbt(t, "-q", "-e", prog, "-c", python+" "+script)
	expectCode(t, r, 0)
	comm := strings.TrimPrefix(python[strings.LastIndex(python, "/"):], "/")
	matchAll(t, "stdout", r.stdout,
		`(?m)^@calls\[`+comm+`, getpid\]: 3$`,
		`(?m)^@ok\[true\]: 3$`,
		`(?m)^@p\[uprobe:/[^\]]*libc\.so\.6:getpid\]: 3$`)
}

// TestUprobeErrors: unknown libraries and functions are positioned errors.
func TestUprobeErrors(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", "uprobe:libnosuchlib:f { }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^stdin:1:1-\d+: ERROR: uprobe target 'libnosuchlib' not found`)
	r = gbt(t, "-e", "uprobe:libc:no_such_function_xyz { }")
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `ERROR: No matches for uprobe libc:no_such_function_xyz\.\n`)
	r = gbt(t, "-e", `config = { missing_probes = "warn" } uprobe:libc:no_such_function_xyz { } BEGIN { exit() }`)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `WARNING: No matches for uprobe libc:no_such_function_xyz\. Skipping\.\n`)
}
