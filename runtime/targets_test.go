//go:build linux

package runtime

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/host"
)

// writeELF writes a file that starts like an ELF file of type typ
// (debug/elf's ET_* value) with mode perm.
func writeELF(t *testing.T, p string, typ uint16, perm os.FileMode) {
	t.Helper()
	hdr := make([]byte, 64)
	copy(hdr, "\x7fELF")
	hdr[4], hdr[5], hdr[6] = 2, 1, 1 // 64-bit, little-endian, version 1
	binary.LittleEndian.PutUint16(hdr[16:], typ)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, hdr, perm); err != nil {
		t.Fatal(err)
	}
}

// fakeProc is a fake procfs in a temporary directory: process 100 shares
// our mount namespace, process 200 has its own, whose root is 200/root.
// Both map a program and a library (and lines /proc/PID/maps has that
// name no file: anonymous, special, deleted, not executable).
type fakeProc struct {
	proc procFS
	fs   string // the files of "our" namespace
}

func newFakeProc(t *testing.T) *fakeProc {
	t.Helper()
	dir := t.TempDir()
	f := &fakeProc{proc: procFS(filepath.Join(dir, "proc")), fs: filepath.Join(dir, "fs")}
	mkfile := func(p, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Namespaces: ours and process 100's are one file, process 200's
	// another.
	mkfile(filepath.Join(string(f.proc), "self/ns/mnt"), "ours")
	if err := os.MkdirAll(filepath.Join(string(f.proc), "100/ns"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(string(f.proc), "self/ns/mnt"), filepath.Join(string(f.proc), "100/ns/mnt")); err != nil {
		t.Fatal(err)
	}
	mkfile(filepath.Join(string(f.proc), "200/ns/mnt"), "theirs")

	// Process 100 runs fs/bin/prog with fs/lib/libfoo.so.1.
	prog, lib := filepath.Join(f.fs, "bin/prog"), filepath.Join(f.fs, "lib/libfoo.so.1")
	writeELF(t, prog, 3, 0o755) // ET_DYN
	writeELF(t, lib, 3, 0o644)
	writeELF(t, filepath.Join(f.fs, "lib/libdata.so"), 3, 0o644)
	mkfile(filepath.Join(string(f.proc), "100/maps"), ""+
		"55d0c0000000-55d0c0001000 r--p 00000000 08:01 11 "+prog+"\n"+
		"55d0c0001000-55d0c0002000 r-xp 00001000 08:01 11 "+prog+"\n"+
		"7f0000000000-7f0000001000 r-xp 00000000 08:01 12 "+lib+"\n"+
		"7f0000002000-7f0000003000 r--p 00000000 08:01 13 "+filepath.Join(f.fs, "lib/libdata.so")+"\n"+
		"7f0000004000-7f0000005000 r-xp 00000000 08:01 14 /gone/libold.so (deleted)\n"+
		"7f0000006000-7f0000007000 rw-p 00000000 00:00 0 \n"+
		"7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0 [vdso]\n")
	if err := os.Symlink(prog, filepath.Join(string(f.proc), "100/exe")); err != nil {
		t.Fatal(err)
	}

	// Process 200 runs /app/server with /usr/lib/libbar.so.2, paths of
	// its own namespace, under 200/root.
	root := filepath.Join(string(f.proc), "200/root")
	writeELF(t, filepath.Join(root, "app/server"), 2, 0o755) // ET_EXEC
	writeELF(t, filepath.Join(root, "app/server-old"), 2, 0o644)
	writeELF(t, filepath.Join(root, "usr/lib/libbar.so.2"), 3, 0o644)
	mkfile(filepath.Join(root, "app/README"), "not a program")
	mkfile(filepath.Join(string(f.proc), "200/maps"), ""+
		"00400000-00401000 r-xp 00000000 00:31 21 /app/server\n"+
		"7f0000000000-7f0000001000 r-xp 00000000 00:31 22 /usr/lib/libbar.so.2\n")
	return f
}

// TestProcessFiles: a process's files are its program and the files of
// its executable mappings; another mount namespace's are reached through
// /proc/PID/root.
func TestProcessFiles(t *testing.T) {
	f := newFakeProc(t)
	got, err := f.proc.processFiles(100)
	if err != nil {
		t.Fatal(err)
	}
	prog, lib := filepath.Join(f.fs, "bin/prog"), filepath.Join(f.fs, "lib/libfoo.so.1")
	want := []host.Binary{{Path: prog, Name: prog}, {Path: lib, Name: lib}}
	sortBinaries(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("process 100: got %v, want %v", got, want)
	}

	got, err = f.proc.processFiles(200)
	if err != nil {
		t.Fatal(err)
	}
	root := f.proc.root(200)
	want = []host.Binary{
		{Path: root + "/app/server", Name: root + "/app/server"},
		{Path: root + "/usr/lib/libbar.so.2", Name: root + "/usr/lib/libbar.so.2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("process 200: got %v, want %v", got, want)
	}

	if _, err := f.proc.processFiles(300); err == nil || err.Error() != "process 300 does not exist" {
		t.Errorf("process 300: %v, want that it does not exist", err)
	}
	all, err := f.proc.allProcessFiles()
	if err != nil || len(all) != 4 {
		t.Errorf("every process: %v, %v; want the 4 files of 100 and 200", all, err)
	}
}

// TestUserBinaries: how targets name files, with and without a process.
func TestUserBinaries(t *testing.T) {
	f := newFakeProc(t)
	h := NewHost(nil)
	root := f.proc.root(200)
	prog, lib := filepath.Join(f.fs, "bin/prog"), filepath.Join(f.fs, "lib/libfoo.so.1")
	for _, c := range []struct {
		target string
		pid    int
		want   []host.Binary
	}{
		// The process's files.
		{"*", 100, []host.Binary{{Path: prog, Name: prog}, {Path: lib, Name: lib}}},
		{"", 200, []host.Binary{{Path: root + "/app/server", Name: root + "/app/server"}, {Path: root + "/usr/lib/libbar.so.2", Name: root + "/usr/lib/libbar.so.2"}}},
		// Wildcards in the file system: ELF files only, executables
		// only when executable, named as written.
		{f.fs + "/*/*", 0, []host.Binary{{Path: prog, Name: f.fs + "/bin/prog"}, {Path: f.fs + "/lib/libdata.so", Name: f.fs + "/lib/libdata.so"}, {Path: lib, Name: f.fs + "/lib/libfoo.so.1"}}},
		{f.fs + "/lib/libfoo*", 0, []host.Binary{{Path: lib, Name: f.fs + "/lib/libfoo.so.1"}}},
		{f.fs + "/nothing*", 0, nil},
		// With a process, wildcards also match its files by name.
		{"libfoo*", 100, []host.Binary{{Path: lib, Name: lib}}},
		// In another mount namespace: the process's paths.
		{"/app/*", 200, []host.Binary{{Path: root + "/app/server", Name: "/app/server"}}},
		{"/app/server", 200, []host.Binary{{Path: root + "/app/server", Name: "/app/server"}}},
		// A library short name is the library the process maps.
		{"libbar", 200, []host.Binary{{Path: root + "/usr/lib/libbar.so.2", Name: root + "/usr/lib/libbar.so.2"}}},
		{"libfoo.so.1", 100, []host.Binary{{Path: lib, Name: lib}}},
	} {
		got, err := h.userBinaries(f.proc, c.target, c.pid)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("userBinaries(%q, %d) = %v, %v; want %v", c.target, c.pid, got, err, c.want)
		}
	}
	for _, c := range []struct {
		target string
		pid    int
	}{
		{"", 0},
		{"/app/missing", 200},
		{"/app/server", 0}, // not in our namespace
		{"*", 300},
	} {
		if got, err := h.userBinaries(f.proc, c.target, c.pid); err == nil {
			t.Errorf("userBinaries(%q, %d) = %v, want an error", c.target, c.pid, got)
		}
	}
}

// TestGlobPaths: the written prefix is kept; hidden files need a
// pattern starting with a dot.
func TestGlobPaths(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"d/abc", "d/abd", "d/.hidden", "d/sub/x", "e/abc"} {
		writeELF(t, filepath.Join(root, p), 3, 0o644)
	}
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{"./d/ab*", []string{"./d/abc", "./d/abd"}},
		{"d//a?c", []string{"d/abc"}}, // doubled slashes are one
		{"*/abc", []string{"d/abc", "e/abc"}},
		{"d/*", []string{"d/abc", "d/abd", "d/sub"}},
		{"d/.h*", []string{"d/.hidden"}},
		{"d/*/x", []string{"d/sub/x"}},
		{"/d/[a]b[cd]", []string{"/d/abc", "/d/abd"}},
		{"nothing/*", nil},
	} {
		if got := globPaths(root, c.pattern); !reflect.DeepEqual(got, c.want) {
			t.Errorf("globPaths(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

// TestProbeableELF: shared objects, and executables their owner may run.
func TestProbeableELF(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		typ  uint16
		perm os.FileMode
		want bool
	}{
		{"dyn", 3, 0o644, true},
		{"exec", 2, 0o755, true},
		{"exec-noexec", 2, 0o644, false},
		{"rel", 1, 0o755, false},
	} {
		p := filepath.Join(dir, c.name)
		writeELF(t, p, c.typ, c.perm)
		if got := probeableELF(p); got != c.want {
			t.Errorf("probeableELF(%s) = %v, want %v", c.name, got, c.want)
		}
	}
	text := filepath.Join(dir, "text")
	if err := os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if probeableELF(text) || probeableELF(dir) || probeableELF(filepath.Join(dir, "missing")) {
		t.Error("a script, a directory or a missing file is probeable")
	}
}
