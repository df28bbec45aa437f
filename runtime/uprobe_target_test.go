//go:build linux

package runtime

import (
	"archive/zip"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// fileSymbol returns the first symbol named name of the ELF file at
// path, from .symtab or .dynsym (version suffix removed).
func fileSymbol(t *testing.T, path, name string) elf.Symbol {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	defer f.Close()
	for _, read := range []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, _ := read()
		for _, s := range syms {
			if n, _, _ := strings.Cut(s.Name, "@"); n == name && s.Value != 0 {
				s.Name = n
				return s
			}
		}
	}
	t.Skipf("%s has no symbol %s", path, name)
	return elf.Symbol{}
}

// uprobeTestProgram builds testdata/uprobe_locations.c, whose functions
// f1, f2 and zsize (a symbol of size 0) main calls three times.
func uprobeTestProgram(t *testing.T) string {
	t.Helper()
	if goruntime.GOARCH != "amd64" {
		t.Skip("the test program's functions are x86-64 assembly")
	}
	cc := lookCC(t)
	bin := filepath.Join(t.TempDir(), "prog")
	if out, err := exec.Command(cc, "-O1", "-o", bin, filepath.Join("testdata", "uprobe_locations.c")).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cc, err, out)
	}
	return bin
}

// plainFileOffset converts addr to a file offset of the ELF file at path
// through its executable segments, independently of targetInfo.
func plainFileOffset(t *testing.T, path string, addr uint64) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && addr >= p.Vaddr && addr < p.Vaddr+p.Filesz {
			return addr - p.Vaddr + p.Off
		}
	}
	t.Fatalf("%#x is in no executable segment of %s", addr, path)
	return 0
}

// writeZip writes a zip archive with the given members.
func writeZip(t *testing.T, path string, members []zipEntry) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := zip.NewWriter(out)
	for _, m := range members {
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

type zipEntry struct {
	name   string
	method uint16
	data   []byte
}

// TestUprobeZipMember: a stored member of a zip archive resolves like the
// file it holds, its offsets moved by the member's data offset; a
// compressed or missing member is an error naming it.
func TestUprobeZipMember(t *testing.T) {
	exe, err := NewHost(nil).ResolveBinary("libc")
	if err != nil {
		t.Skipf("no libc: %v", err)
	}
	sym := fileSymbol(t, exe, "getpid")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "a.zip")
	writeZip(t, archive, []zipEntry{
		{"notes.txt", zip.Deflate, []byte(strings.Repeat("padding ", 100))},
		{"lib/prog", zip.Store, data},
		{"packed", zip.Deflate, data[:4096]},
	})
	r, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	dataOff, err := r.File[1].DataOffset()
	r.Close()
	if err != nil {
		t.Fatal(err)
	}

	h := NewHost(nil)
	name := "lib/prog"
	target, err := h.ResolveBinary(archive + "!/" + name)
	if err != nil || target != archive+"!/"+name {
		t.Fatalf("ResolveBinary = %q, %v", target, err)
	}
	got, ok, err := h.UprobeSymbol(target, "getpid")
	if err != nil || !ok || got.Addr != sym.Value || got.Size != sym.Size {
		t.Fatalf("UprobeSymbol = %+v, %v, %v; want %#x size %d", got, ok, err, sym.Value, sym.Size)
	}
	if funcs, err := h.FuncSymbols(target, "getpid"); err != nil || len(funcs) != 1 {
		t.Errorf("FuncSymbols in the member = %v, %v", funcs, err)
	}
	prog := &codegen.Program{Kind: stdlib.Uprobe, Target: codegen.Target{Binary: target, Func: "getpid", Offset: 1}}
	path, offs, err := uprobeSites(prog)
	want := uint64(dataOff) + plainFileOffset(t, exe, sym.Value) + 1
	if err != nil || path != archive || len(offs) != 1 || offs[0] != want {
		t.Errorf("uprobeSites = %q, %#x, %v; want %q, [%#x]", path, offs, err, archive, want)
	}
	// The bytes there are the function's.
	if offs != nil {
		fh, _ := os.Open(archive)
		defer fh.Close()
		var b [8]byte
		if _, err := fh.ReadAt(b[:], int64(offs[0]-1)); err != nil {
			t.Fatal(err)
		}
		self := data[plainFileOffset(t, exe, sym.Value):][:8]
		if string(b[:]) != string(self) {
			t.Errorf("archive bytes at the offset % x, want the function's % x", b, self)
		}
	}

	for _, tc := range []struct{ member, want string }{
		{"packed", "member packed of " + archive + " is compressed: only stored (uncompressed) members can be probed"},
		{"nosuch", "zip archive " + archive + " has no member nosuch"},
	} {
		_, err := h.ResolveBinary(archive + "!/" + tc.member)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ResolveBinary(%s) = %v, want %q", tc.member, err, tc.want)
		}
	}
	if _, err := h.ResolveBinary(archive + ".missing!/x"); err == nil || !strings.Contains(err.Error(), "not found: no such file") {
		t.Errorf("ResolveBinary of a missing archive = %v", err)
	}
}

// TestUprobeSymbols: name and address lookups follow bpftrace (first
// symbol of a name; an address at a symbol's start or inside it), and a
// file that is not ELF has no symbols but can be probed by offset.
func TestUprobeSymbols(t *testing.T) {
	info := &targetInfo{
		segs: []elf.ProgHeader{{Vaddr: 0x1000, Off: 0x400, Filesz: 0x1000}},
		base: 0x10,
	}
	for _, s := range []check.UprobeSym{
		{Name: "_init", Addr: 0x1000, Size: 0},
		{Name: "f", Addr: 0x1100, Size: 0x20},
		{Name: "f", Addr: 0x1200, Size: 0x40}, // a second local f
		{Name: "g", Addr: 0x1120, Size: 0x10},
	} {
		info.addSymbol(s)
	}
	if s, ok := info.symbol("f"); !ok || s.Addr != 0x1100 {
		t.Errorf("symbol(f) = %+v, %v; want the first f", s, ok)
	}
	for _, tc := range []struct {
		addr uint64
		want string
	}{
		{0x1000, "_init"}, {0x1001, ""}, {0x1100, "f"}, {0x111f, "f"}, {0x1120, "g"}, {0x1130, ""}, {0x1234, "f"}, {0x5000, ""},
	} {
		s, ok := info.symbolAt(tc.addr)
		if ok != (tc.want != "") || s.Name != tc.want {
			t.Errorf("symbolAt(%#x) = %+v, %v; want %q", tc.addr, s, ok, tc.want)
		}
	}
	if off, ok := info.fileOffset(0x1120); !ok || off != 0x10+0x400+0x120 {
		t.Errorf("fileOffset(0x1120) = %#x, %v", off, ok)
	}
	if _, ok := info.fileOffset(0x2000); ok {
		t.Error("fileOffset past the segment resolved")
	}

	flat := filepath.Join(t.TempDir(), "flat.bin")
	if err := os.WriteFile(flat, []byte{0x90, 0x90, 0xc3}, 0o644); err != nil {
		t.Fatal(err)
	}
	h := NewHost(nil)
	if _, ok, err := h.UprobeSymbolAt(flat, 0); ok || err != nil {
		t.Errorf("UprobeSymbolAt(flat) = %v, %v; want none", ok, err)
	}
	if _, err := h.FuncSymbols(flat, "*"); !errors.Is(err, errNotELF) {
		t.Errorf("FuncSymbols(flat) = %v, want errNotELF", err)
	}
	path, offs, err := uprobeSites(&codegen.Program{Kind: stdlib.Uprobe, Target: codegen.Target{Binary: flat, Addr: 2}})
	if err != nil || path != flat || len(offs) != 1 || offs[0] != 2 {
		t.Errorf("uprobeSites(flat:2) = %q, %v, %v", path, offs, err)
	}
}

// TestAttachUprobeMulti attaches one program to two functions of a test
// program: with one uprobe-multi link where the kernel has them, and with
// a perf uprobe per function when told it has not; both count every call.
func TestAttachUprobeMulti(t *testing.T) {
	requireRoot(t)
	bin := uprobeTestProgram(t)
	for _, multi := range []bool{true, false} {
		t.Run(map[bool]string{true: "multi", false: "perf"}[multi], func(t *testing.T) {
			if multi && features.HaveBPFLinkUprobeMulti() != nil {
				t.Skip("kernel has no uprobe-multi links (Linux 6.6)")
			}
			if !multi {
				noUprobeMulti = true
				t.Cleanup(func() { noUprobeMulti = false })
			}
			prog := &codegen.Program{Name: "upm", Kind: stdlib.Uprobe, Probe: "uprobe:prog:f*",
				Target:    codegen.Target{Binary: bin, Func: "f1"},
				MoreFuncs: []string{"f2"},
				Type:      ebpf.Kprobe, Insns: counterInsns("@n")}
			l := load(t, &codegen.Object{Maps: []*codegen.MapDef{counterDef("@n")}, Programs: []*codegen.Program{prog}}, nil)
			if err := l.Attach(nil); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 2}[multi]; len(l.attachments) != want {
				t.Errorf("%d attachments, want %d", len(l.attachments), want)
			}
			if multi {
				lk, ok := l.attachments[0].(link.Link)
				if !ok {
					t.Fatalf("attachment is a %T, want a link", l.attachments[0])
				}
				info, err := lk.Info()
				if err != nil || info.Type != link.UprobeMultiType {
					t.Errorf("link info %+v, %v; want an uprobe-multi link", info, err)
				}
			}
			if out, err := exec.Command(bin).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", bin, err, out)
			}
			if err := l.Detach(); err != nil {
				t.Fatal(err)
			}
			if n := readCounter(t, l, "@n"); n != 6 {
				t.Errorf("uprobes fired %d times, want 6 (f1 and f2 three times each)", n)
			}
		})
	}
}

// TestInstructionBoundary decodes the test program's f2 (a five-byte MOV
// and a RET), in the file and as a stored zip member.
func TestInstructionBoundary(t *testing.T) {
	bin := uprobeTestProgram(t)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "a.zip")
	writeZip(t, archive, []zipEntry{{"pad", zip.Deflate, []byte("padding")}, {"prog", zip.Store, data}})
	h := NewHost(nil)
	for _, path := range []string{bin, archive + "!/prog"} {
		sym, ok, err := h.UprobeSymbol(path, "f2")
		if err != nil || !ok || sym.Size != 6 {
			t.Fatalf("%s: f2 = %+v, %v, %v", path, sym, ok, err)
		}
		for off, want := range map[uint64]bool{1: false, 2: false, 4: false, 5: true} {
			if got, err := h.InstructionBoundary(path, sym, off); err != nil || got != want {
				t.Errorf("%s: f2+%d boundary %v, %v; want %v", path, off, got, err, want)
			}
		}
	}
}
