package main

import (
	"debug/elf"
	"fmt"
	"regexp"
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

// TestUprobeAddress: uprobe:BINARY:0xADDR attaches at the virtual address
// of getpid in libc (its file offset found through the segments), and the
// probe is named with the address in decimal, as bpftrace names it.
func TestUprobeAddress(t *testing.T) {
	needRoot(t)
	python := debianPython(t)
	const libc = "/lib/x86_64-linux-gnu/libc.so.6"
	f, err := elf.Open(libc)
	if err != nil {
		t.Skipf("no %s: %v", libc, err)
	}
	syms, _ := f.DynamicSymbols()
	f.Close()
	var addr uint64
	for _, s := range syms {
		if name, _, _ := strings.Cut(s.Name, "@"); name == "getpid" && s.Value != 0 {
			addr = s.Value
		}
	}
	if addr == 0 {
		t.Skip("libc has no getpid symbol")
	}
	script := tempFile(t, "gp.py", "import os\nfor i in range(3): os.getpid()\n")
	point := fmt.Sprintf("uprobe:%s:0x%x", libc, addr)
	r := gbt(t, "-q", "-e", point+` /pid == cpid/ { @p[probe] = count(); }`, "-c", python+" "+script)
	expectCode(t, r, 0)
	name := fmt.Sprintf("uprobe:%s:%d", libc, addr)
	matchAll(t, "stdout", r.stdout, `(?m)^@p\[`+regexp.QuoteMeta(name)+`\]: 3$`)
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
