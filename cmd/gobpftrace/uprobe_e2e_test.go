package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestUprobeLibc: uprobe and uretprobe on libc's getpid, resolved through
// ld.so.cache, count the calls of a child process; func, probe and retval
// are right.
func TestUprobeLibc(t *testing.T) {
	needRoot(t)
	// Debian's python3 first: a python3 found in $PATH may be a shell
	// shim (pyenv) whose own getpid calls would be counted too.
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if python, err = exec.LookPath("python3"); err != nil {
			t.Fatalf("python3 (the test's libc caller) not found: %v", err)
		}
	}
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
	matchAll(t, "stderr", r.stderr, `ERROR: function 'no_such_function_xyz' not found in /.*libc\.so\.6`)
}
