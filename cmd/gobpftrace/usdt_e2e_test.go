package main

import (
	"os"
	"testing"
)

// TestUSDTPythonGC: usdt probe python:gc__start of python3.11 (with a
// semaphore, and a memory operand argument) fires on gc.collect() with the
// generation (2) as arg0.
func TestUSDTPythonGC(t *testing.T) {
	needRoot(t)
	const python = "/usr/bin/python3.11"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s not installed: %v", python, err)
	}
	script := tempFile(t, "gc.py", "import gc\ngc.collect()\n")
	prog := `usdt:` + python + `:python:gc__start /pid == cpid/ { @[probe, arg0] = count(); }
usdt:` + python + `:gc__done /pid == cpid/ { @done = count(); }`
	r := gbt(t, "-q", "-e", prog, "-c", python+" "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`^@\[usdt:/usr/bin/python3\.11:python:gc__start, 2\]: [1-9]\d*$`,
		`^@done: [1-9]\d*$`)
}
