package main

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// debianPython is Debian's python3 (a python3 in $PATH may be a pyenv
// shell shim whose own libc calls would be traced too).
func debianPython(t *testing.T) string {
	t.Helper()
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		if python, err = exec.LookPath("python3"); err != nil {
			t.Fatalf("python3 (the test's libc caller) not found: %v", err)
		}
	}
	return python
}

// TestUaddrLibrary: uaddr() of a symbol of a shared library (libc,
// position independent) is relocated by the library's load address in the
// traced process: the address equals the one the process itself computes
// with ctypes, and reading through it gives the process's value.
func TestUaddrLibrary(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "st.py", `import ctypes, os
v = ctypes.c_uint8.in_dll(ctypes.CDLL(None), "__libc_single_threaded")
print("py 0x%x %d" % (ctypes.addressof(v), v.value), flush=True)
os.getpid()
`)
	prog := `uprobe:libc:getpid /pid == cpid/ { printf("bt %p %d\n", uaddr("__libc_single_threaded"), *uaddr("__libc_single_threaded")); }`
	r, out := gbtSplit(t, "-q", "-e", prog, "-c", debianPython(t)+" "+script)
	expectCode(t, r, 0)
	py := regexp.MustCompile(`(?m)^py (0x[0-9a-f]+) (\d+)$`).FindStringSubmatch(r.stdout)
	if py == nil {
		t.Fatalf("no ctypes line:\n%v", r)
	}
	matchAll(t, "-o output", out, `^bt `+py[1]+` `+py[2]+`$`)
}

// TestUaddrExecutable: in a fixed-address executable uaddr() is the
// symbol's value; a usdt probe reads python's Py_OptimizeFlag (2 with
// -OO) through it, typed by the symbol's 4-byte size.
func TestUaddrExecutable(t *testing.T) {
	needRoot(t)
	const python = "/usr/bin/python3.11"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s not installed: %v", python, err)
	}
	script := tempFile(t, "gc.py", "import gc\ngc.collect()\n")
	prog := `usdt:` + python + `:python:gc__start /pid == cpid/ { @[*uaddr("Py_OptimizeFlag"), sizeof(*uaddr("Py_OptimizeFlag"))] = count(); }`
	r := gbt(t, "-q", "-e", prog, "-c", python+" -OO "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^@\[2, 4\]: [1-9]\d*$`)
}

// TestUaddrErrors: uaddr() outside user-space probes and of unknown
// symbols are positioned errors.
func TestUaddrErrors(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `tracepoint:syscalls:sys_enter_getpid { print(uaddr("x")); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `^stdin:1:46-56: ERROR: uaddr can not be used with "tracepoint" probes$`)
	r = gbt(t, "-e", `uprobe:libc:getpid { print(uaddr("no_such_symbol_xyz")); }`)
	expectCode(t, r, 1)
	matchAll(t, "stderr", r.stderr, `ERROR: Could not resolve symbol: /.*libc\.so\.6:no_such_symbol_xyz: no such symbol$`)
}
