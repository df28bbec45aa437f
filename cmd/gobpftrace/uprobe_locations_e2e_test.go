package main

import (
	"archive/zip"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"
)

// locationsProgram builds runtime/testdata/uprobe_locations.c: f1 (four
// NOPs and a RET), f2 (a five-byte MOV and a RET) and zsize (size 0) are
// called three times; given FILE OFFSET the program calls the code at
// that offset of FILE three times instead.
func locationsProgram(t *testing.T) string {
	t.Helper()
	if goruntime.GOARCH != "amd64" {
		t.Skip("the test program's functions are x86-64 assembly")
	}
	cc := needTool(t, "cc")
	src, err := filepath.Abs(filepath.Join("..", "..", "runtime", "testdata", "uprobe_locations.c"))
	if err != nil {
		t.Fatal(err)
	}
	return compileProgram(t, cc, src, "-O1")
}

// symbolOf returns the value of symbol name of the ELF file at path and
// its file offset.
func symbolOf(t *testing.T, path, name string) (addr, off uint64) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	return symbolLocation(t, f, syms, name)
}

// oneError checks that stderr holds exactly one diagnostic, an error at
// the attach point with message msg.
func oneError(t *testing.T, r toolResult, msg string) {
	t.Helper()
	expectCode(t, r, 1)
	if n := strings.Count(r.stderr, "ERROR"); n != 1 || !strings.HasPrefix(r.stderr, "stdin:1:1-") || !strings.Contains(r.stderr, ": ERROR: "+msg+"\n") {
		t.Errorf("stderr %q: want one positioned error %q", r.stderr, msg)
	}
}

// TestUprobeLocations: uprobes at FUNC+OFFSET, at an ADDRESS, in a zip
// archive's stored member, at a flat binary's file offset, on a function
// of size 0 (--unsafe), and on a wildcard (one program on two functions)
// fire on every call of a test program.
func TestUprobeLocations(t *testing.T) {
	needRoot(t)
	bin := locationsProgram(t)
	addr, _ := symbolOf(t, bin, "f2")

	dir := t.TempDir()
	archive := filepath.Join(dir, "a.zip")
	writeStoredZip(t, archive, "lib/prog", bin)
	f1Addr, f1Off := symbolOf(t, bin, "f1")
	memberOff := zipDataOffset(t, archive, "lib/prog")
	flat := filepath.Join(dir, "flat.bin")
	if err := os.WriteFile(flat, []byte{0x90, 0x90, 0x90, 0xc3}, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, probe, child string
		unsafe             bool
		warning            string
	}{
		{name: "offset", probe: "uprobe:" + bin + ":f1+2"},
		{name: "offset-ret", probe: "uprobe:" + bin + ":f2+5"},
		{name: "offset0", probe: "uprobe:" + bin + ":f1+0"},
		{name: "address", probe: fmt.Sprintf("uprobe:%s:%#x", bin, addr)},
		{name: "address-inside", probe: fmt.Sprintf("uprobe:%s:%d", bin, f1Addr+3)},
		{name: "zip", probe: "uprobe:" + archive + "!/lib/prog:f1", child: fmt.Sprintf(" %s %d", archive, memberOff+f1Off)},
		{name: "flat", probe: "uprobe:" + flat + ":0", child: " " + flat + " 0", unsafe: true,
			warning: "Could not determine instruction boundary for uprobe:" + flat + ":0 (binary appears stripped)"},
		{name: "zerosize", probe: "uprobe:" + bin + ":zsize", unsafe: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"-q", "-e", tc.probe + " { @n = count(); }", "-c", bin + tc.child}
			if tc.unsafe {
				args = append([]string{"--unsafe"}, args...)
			}
			r := gbt(t, args...)
			expectCode(t, r, 0)
			matchAll(t, "stdout", r.stdout, `^@n: 3$`)
			if tc.warning != "" && !strings.Contains(r.stderr, "WARNING: "+tc.warning) {
				t.Errorf("stderr %q, want warning %q", r.stderr, tc.warning)
			}
		})
	}

	t.Run("where", func(t *testing.T) {
		// Each location fires at its own instruction (a count alone
		// would not see an offset dropped): FUNC+N and an address N
		// bytes into FUNC fire N bytes past FUNC.
		script := fmt.Sprintf(`uprobe:%[1]s:f1 { @f1 = reg("ip"); } uprobe:%[1]s:f1+2 { @a = reg("ip"); } uprobe:%[1]s:%[2]d { @b = reg("ip"); }
uprobe:%[1]s:f2 { @f2 = reg("ip"); } uprobe:%[1]s:f2+5 { @c = reg("ip"); }
END { printf("deltas %%d %%d %%d\n", @a - @f1, @b - @f1, @c - @f2); clear(@f1); clear(@f2); clear(@a); clear(@b); clear(@c); }`, bin, f1Addr+3)
		r := gbt(t, "-q", "-e", script, "-c", bin)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `^deltas 2 3 5$`)
	})

	t.Run("wildcard", func(t *testing.T) {
		// Each wildcard is one program on two functions.
		r := gbt(t, "-e", "uprobe:"+bin+":f? { @u = count(); } uretprobe:"+bin+":f? { @r = count(); }", "-c", bin)
		expectCode(t, r, 0)
		matchAll(t, "stderr", r.stderr, `^Attached 4 probes$`)
		matchAll(t, "stdout", r.stdout, `^@r: 6$`, `^@u: 6$`)
	})

	t.Run("unsafe", func(t *testing.T) {
		// Attached in the middle of f2's MOV (which nothing runs: the
		// breakpoint would change its immediate, not trap).
		r := gbt(t, "--unsafe", "-e", "uprobe:"+bin+":f2+2 { } BEGIN { exit(); }")
		expectCode(t, r, 0)
		matchAll(t, "stderr", r.stderr, `WARNING: Unsafe uprobe in the middle of the instruction: `+regexp.QuoteMeta(bin)+`:f2\+2$`, `^Attached 2 probes$`)
	})

	t.Run("errors", func(t *testing.T) {
		oneError(t, gbt(t, "-e", "uprobe:"+bin+":f1+5 { }"), "Offset outside the function bounds ('f1' size is 5)")
		oneError(t, gbt(t, "-e", "uprobe:"+bin+":f2+2 { }"), "Could not add uprobe into middle of instruction: "+bin+":f2+2\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.")
		oneError(t, gbt(t, "-e", "uprobe:"+bin+":nosuch+1 { }"), "No matches for uprobe "+bin+":nosuch.")
		oneError(t, gbt(t, "-e", "uprobe:"+bin+":10 { }"), "Could not resolve address: "+bin+":0xa")
		oneError(t, gbt(t, "-e", "uprobe:"+bin+":zsize { }"), "Could not determine boundary for zsize (symbol has size 0).\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.")
		// The kernel refuses lockinc's first instruction when it puts
		// the breakpoint in a process that maps the program: a perf
		// uprobe names the function, a uprobe-multi link says what to do.
		waiting := exec.Command(bin, "wait")
		if err := waiting.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			waiting.Process.Kill()
			waiting.Wait()
		}()
		r := gbt(t, "-e", "uprobe:"+bin+":lockinc { }")
		expectCode(t, r, 255)
		matchAll(t, "stderr", r.stderr, `^stdin:1:1-\d+: ERROR: cannot attach uprobe:.*:lockinc: .*possible trap insn`)
		r = gbt(t, "-e", "uprobe:"+bin+":[fl][1o]* { }")
		expectCode(t, r, 255)
		matchAll(t, "stderr", r.stderr, `^stdin:1:1-\d+: ERROR: cannot attach uprobe:.*: uprobe-multi link on 2 functions of .*: operation not supported \(one of them starts with an instruction uprobes refuse`)
		oneError(t, gbt(t, "-e", "uprobe:"+archive+"!/nosuch:f1 { }"), "uprobe target '"+archive+"!/nosuch': zip archive "+archive+" has no member nosuch")
	})
}

// writeStoredZip writes a zip archive at path holding the file src,
// stored uncompressed as member, after a compressed member.
func writeStoredZip(t *testing.T, path, member, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := zip.NewWriter(f)
	for _, m := range []struct {
		name   string
		method uint16
		data   []byte
	}{{"README", zip.Deflate, []byte(strings.Repeat("text ", 200))}, {member, zip.Store, data}} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: m.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// zipDataOffset returns where member's data starts in the zip archive.
func zipDataOffset(t *testing.T, archive, member string) uint64 {
	t.Helper()
	r, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.File {
		if f.Name == member {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return uint64(off)
		}
	}
	t.Fatalf("%s has no member %s", archive, member)
	return 0
}
