//go:build linux

package runtime

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/asm"
	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime/cfi"
)

// TestRangePrefixes: the blocks of a range are aligned, in order,
// adjacent, and cover exactly the range; a page-aligned range needs at
// most two blocks per bit.
func TestRangePrefixes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	cases := [][2]uint64{{0, 1 << 12}, {0x1000, 0x3000}, {0x7f0000001000, 0x7f0000200000}, {1<<63 - 4096, 1 << 63}, {0xfffffffffffff000, 0xffffffffffffffff}}
	for range 1000 {
		a := r.Uint64() >> uint(r.Intn(40)) &^ 0xfff
		cases = append(cases, [2]uint64{a, a + (r.Uint64()>>uint(20+r.Intn(40)))&^0xfff + 0x1000})
	}
	for _, c := range cases {
		ps := rangePrefixes(c[0], c[1])
		at := c[0]
		for _, p := range ps {
			size := uint64(1) << (64 - p.bits)
			if p.addr != at || p.addr&(size-1) != 0 {
				t.Fatalf("[%#x, %#x): block %#x/%d at %#x", c[0], c[1], p.addr, p.bits, at)
			}
			at += size
		}
		if at != c[1] || len(ps) > 2*52+1 {
			t.Fatalf("[%#x, %#x): %d blocks end at %#x", c[0], c[1], len(ps), at)
		}
	}
}

// TestLoadBias: a mapping's bias places the file's virtual addresses of
// the segment that holds its offset.
func TestLoadBias(t *testing.T) {
	loads := []elf.ProgHeader{{Off: 0, Vaddr: 0, Filesz: 0x1000}, {Off: 0x1000, Vaddr: 0x1000, Filesz: 0x5000}, {Off: 0x6000, Vaddr: 0x7000, Filesz: 0x1000}}
	for _, c := range []struct {
		m    userMapping
		bias uint64
		ok   bool
	}{
		{userMapping{start: 0x555555555000, off: 0x1000}, 0x555555554000, true},
		{userMapping{start: 0x400000 + 0x7000, off: 0x6000}, 0x400000, true},
		{userMapping{start: 0x1000, off: 0x9000}, 0, false},
	} {
		bias, ok := loadBias(loads, c.m)
		if bias != c.bias || ok != c.ok {
			t.Errorf("%+v: bias %#x %v, want %#x %v", c.m, bias, ok, c.bias, c.ok)
		}
	}
}

// TestAddUnwindProcess stores the tables of two processes running the
// same program: every executable mapping with call frame information
// leads to its file's rows, stored once, an address outside them to the
// process's empty entry, and another process to nothing.
func TestAddUnwindProcess(t *testing.T) {
	requireRoot(t)
	if !HaveHelper(asm.FnLoop) {
		t.Skip("no bpf_loop (Linux 5.17): dw_ustack is refused at compile time (cmd/gobpftrace's TestGuestDwUstack checks the error)")
	}
	obj := compileWithTargets(t, `uprobe:libc:nanosleep { @[dw_ustack()] = count(); }`)
	l, err := Load(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.UsesUnwindTables() {
		t.Fatal("UsesUnwindTables false for a dw_ustack script")
	}
	var pids []int
	for range 2 {
		cmd := exec.Command("/bin/sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		// Wait for the exec: the mappings are sleep's once libc is there.
		waitMapped(t, cmd.Process.Pid, "libc")
		pids = append(pids, cmd.Process.Pid)
	}
	if err := l.AddUnwindProcess(pids[0]); err != nil {
		t.Fatal(err)
	}
	chunks := l.unwind.nextChunk
	if err := l.AddUnwindProcess(pids[1]); err != nil {
		t.Fatal(err)
	}
	if l.unwind.nextChunk != chunks {
		t.Errorf("the second process stored rows again: %d chunks, then %d", chunks, l.unwind.nextChunk)
	}
	maps, err := readProcMaps(uint64(pids[1]))
	if err != nil {
		t.Fatal(err)
	}
	mapsMap, rowsMap := l.Map(codegen.DwMapsMap), l.Map(codegen.DwRowsMap)
	lookup := func(pid int, addr uint64) ([]byte, bool) {
		val := make([]byte, codegen.DwMapsValueSize)
		err := mapsMap.Lookup(dwMapsKey(pid, codegen.DwMapsPidBits+64, addr), &val)
		return val, err == nil
	}
	checked := 0
	for _, m := range maps {
		ef, err := elf.Open(m.file)
		if err != nil {
			continue
		}
		rows, rerr := cfi.Rows(ef)
		ef.Close()
		val, ok := lookup(pids[1], m.start+(m.end-m.start)/2)
		if !ok {
			t.Errorf("%s: no entry", m.path)
			continue
		}
		first, count := binary.NativeEndian.Uint32(val[8:]), binary.NativeEndian.Uint32(val[12:])
		if rerr != nil || len(rows) == 0 {
			if count != 0 {
				t.Errorf("%s has no rows (%v) but its entry has %d", m.path, rerr, count)
			}
			continue
		}
		if int(count) != len(rows) || first%codegen.DwChunkRows != 0 {
			t.Errorf("%s: rows %d at %d, want %d at a chunk boundary", m.path, count, first, len(rows))
			continue
		}
		chunk := make([]byte, codegen.DwRowSize*codegen.DwChunkRows)
		if err := rowsMap.Lookup(first/codegen.DwChunkRows, &chunk); err != nil {
			t.Errorf("%s: first chunk: %v", m.path, err)
			continue
		}
		want := make([]byte, codegen.DwRowSize)
		encodeRow(want, rows[0])
		if string(chunk[:codegen.DwRowSize]) != string(want) {
			t.Errorf("%s: first row % x, want % x", m.path, chunk[:codegen.DwRowSize], want)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("%d mappings with rows checked, want sleep's and libc's at least", checked)
	}
	if val, ok := lookup(pids[1], 0x1000); !ok || string(val) != string(make([]byte, codegen.DwMapsValueSize)) {
		t.Errorf("address outside the mappings: %x %v, want the process's empty entry", val, ok)
	}
	if _, ok := lookup(1<<22+1, maps[0].start); ok {
		t.Errorf("a process without tables has an entry")
	}
}

// waitMapped waits until process pid maps a file whose path contains
// name.
func waitMapped(t testing.TB, pid int, name string) {
	t.Helper()
	for range 2000 {
		maps, _ := readProcMaps(uint64(pid))
		for _, m := range maps {
			if strings.Contains(m.path, name) {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("process %d does not map %s", pid, name)
}

// TestEntryOffset: the entry point of /bin/true is its _start, the first
// instruction of which clears rbp (after endbr64 where the file has CET
// markers); a "#!" script runs its interpreter.
func TestEntryOffset(t *testing.T) {
	off, err := entryOffset("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := make([]byte, 6)
	if _, err := f.ReadAt(code, int64(off)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(code, []byte{0x31, 0xed}) && !bytes.HasPrefix(code, []byte{0xf3, 0x0f, 0x1e, 0xfa, 0x31, 0xed}) {
		t.Errorf("code at the entry offset %#x: % x, want xor %%ebp,%%ebp", off, code)
	}
	script := filepath.Join(t.TempDir(), "s")
	if err := os.WriteFile(script, []byte("#!/bin/sh -e\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{script: "/bin/sh", "/bin/true": "/bin/true"} {
		if got, err := programFile(path); got != want || err != nil {
			t.Errorf("programFile(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := entryOffset(script); err == nil {
		t.Errorf("entryOffset of a script: no error")
	}
}

// compileWithTargets compiles text for the running kernel as a run that
// names target processes (so dw_ustack is allowed).
func compileWithTargets(t testing.TB, text string) *codegen.Object {
	t.Helper()
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatal(src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: NewHost(nil), UnwindTargets: true, StrLen: DefaultMaxStrlen()})
	if cd.HasErrors() {
		t.Fatal(src.Render(cd))
	}
	obj, gd := codegen.Compile(info, KernelOptions(&codegen.Options{Source: src}))
	if gd.HasErrors() {
		t.Fatal(src.Render(gd))
	}
	return obj
}
