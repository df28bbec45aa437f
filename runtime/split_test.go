package runtime

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// splitProg is a second compilation unit for the split DWARF tests.
const splitProg = `struct Other { short s; };
int __attribute__((noinline)) other(struct Other *o, char c)
{
	return o->s + c;
}
`

// buildSplit builds the program of two units of the split DWARF tests
// with -gsplit-dwarf; it returns its path and its .dwo files'.
func buildSplit(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	bin := buildC(t, lookCC(t), dir, "p", map[string]string{"p.c": pairProg, "o.c": splitProg}, "-g", "-gdwarf-5", "-O0", "-gsplit-dwarf")
	dwos, _ := filepath.Glob(filepath.Join(dir, "*.dwo"))
	if len(dwos) != 2 {
		t.Fatalf(".dwo files: %q", dwos)
	}
	return bin, dwos
}

// TestSplitDWARF reads a program built with -gsplit-dwarf: parameters and
// types from its .dwo files (where the skeleton names them, or next to the
// program once both moved), source lines from the skeleton's line
// table, which is all that is left when the .dwo files are gone.
func TestSplitDWARF(t *testing.T) {
	bin, dwos := buildSplit(t)
	check := func(what, bin string, withDwo bool) {
		t.Helper()
		f, err := openDWARF(bin, nil, true)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got, err := paramDecls(bin, nil, "fn")
		got2, err2 := paramDecls(bin, nil, "other")
		_, terr := f.userType("struct Other")
		if withDwo && (got != "pair_t* p, int n" || err != nil || got2 != "struct Other* o, char c" || err2 != nil || terr != nil) {
			t.Errorf("%s: fn(%s) %v, other(%s) %v, struct Other: %v", what, got, err, got2, err2, terr)
		}
		if !withDwo && (err == nil || err2 == nil || terr == nil) {
			t.Errorf("%s: DWARF found without the .dwo files: fn(%s), other(%s)", what, got, got2)
		}
		// The error says what is missing, as bpftrace's warning does.
		if note := "(Unable to find split debug file 'p-"; !withDwo && (err == nil || !strings.Contains(err.Error(), note) ||
			!strings.Contains(err.Error(), "' or 'p.dwp' for '"+bin+"', debugging information may be incomplete!; and 1 more)")) {
			t.Errorf("%s: %v", what, err)
		}
		if addr, err := f.lineAddr("p.c", 4, 0); err != nil || addr != symbolAddr(t, bin, "fn") {
			t.Errorf("%s: p.c:4 is %#x, %v; want fn's address", what, addr, err)
		}
	}
	check("built", bin, true)
	moved := t.TempDir()
	for _, f := range append(dwos, bin) {
		moveFile(t, f, filepath.Join(moved, filepath.Base(f)))
	}
	bin = filepath.Join(moved, "p")
	check("moved with its .dwo files", bin, true)
	for _, f := range dwos {
		os.Remove(filepath.Join(moved, filepath.Base(f)))
	}
	check("without .dwo files", bin, false)
}

// TestSplitDWARF4 reports split units of DWARF 4 (GNU split DWARF, whose
// forms debug/dwarf does not decode) as not supported.
func TestSplitDWARF4(t *testing.T) {
	dir := t.TempDir()
	bin := buildC(t, lookCC(t), dir, "p", map[string]string{"p.c": pairProg}, "-g", "-gdwarf-4", "-O0", "-gsplit-dwarf")
	if _, err := paramDecls(bin, nil, "fn"); err == nil || !strings.Contains(err.Error(), "is DWARF 4 (GNU split DWARF), which is not supported: build with -gdwarf-5") {
		t.Errorf("fn: %v", err)
	}
}

// TestSplitDWARFPackage reads split units from a DWARF package
// (PROGRAM.dwp) of two units: one packed here (the units' sections
// concatenated, their string offsets moved, a version 5 unit index, put
// in an ELF file by objcopy), and one packed by llvm-dwp when it is
// installed.
func TestSplitDWARFPackage(t *testing.T) {
	bin, dwos := buildSplit(t)
	// The .dwo files move away: only the package is found.
	stash := t.TempDir()
	for i, f := range dwos {
		dwos[i] = filepath.Join(stash, filepath.Base(f))
		moveFile(t, f, dwos[i])
	}
	packers := map[string]func(){"packed here": func() { packDwp(t, dwos, bin+".dwp") }}
	if dwp, err := exec.LookPath("llvm-dwp"); err == nil {
		packers["llvm-dwp"] = func() {
			cmd := exec.Command(dwp, "-o", bin+".dwp", dwos[0], dwos[1])
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("llvm-dwp: %v\n%s", err, out)
			}
		}
	}
	for name, pack := range packers {
		pack()
		for fn, want := range map[string]string{"fn": "pair_t* p, int n", "other": "struct Other* o, char c"} {
			if got, err := paramDecls(bin, nil, fn); err != nil || got != want {
				t.Errorf("%s: %s: %q, %v; want %q", name, fn, got, err, want)
			}
		}
		os.Remove(bin + ".dwp")
	}
}

// packDwp writes a DWARF package of the .dwo files dwos at out: the first
// .dwo file's ELF with its sections replaced by the concatenation of all
// files' and a .debug_cu_index added.
func packDwp(t *testing.T, dwos []string, out string) {
	t.Helper()
	objcopy := lookTool(t, "objcopy")
	secs := map[string][]byte{}
	names := map[uint32]string{sectInfo: ".debug_info.dwo", sectAbbrev: ".debug_abbrev.dwo", sectStrOffsets: ".debug_str_offsets.dwo"}
	type row struct {
		id   uint64
		off  [3]uint32
		size [3]uint32
	}
	var rows []row
	cols := []uint32{sectInfo, sectAbbrev, sectStrOffsets}
	for _, path := range dwos {
		ef, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r := row{id: splitUnitID(sectionData(ef, ".debug_info.dwo"), binary.LittleEndian)}
		str := sectionData(ef, ".debug_str.dwo")
		for i, c := range cols {
			b := append([]byte(nil), sectionData(ef, names[c])...)
			if c == sectStrOffsets {
				// The offsets (after the 8-byte header) move by the
				// strings before this file's.
				for o := 8; o+4 <= len(b); o += 4 {
					binary.LittleEndian.PutUint32(b[o:], binary.LittleEndian.Uint32(b[o:])+uint32(len(secs[".debug_str.dwo"])))
				}
			}
			r.off[i], r.size[i] = uint32(len(secs[names[c]])), uint32(len(b))
			secs[names[c]] = append(secs[names[c]], b...)
		}
		secs[".debug_str.dwo"] = append(secs[".debug_str.dwo"], str...)
		ef.Close()
		rows = append(rows, r)
	}
	const slots = 4
	le := binary.LittleEndian
	idx := le.AppendUint32(nil, 5)
	idx = le.AppendUint32(idx, uint32(len(cols)))
	idx = le.AppendUint32(idx, uint32(len(rows)))
	idx = le.AppendUint32(idx, slots)
	table := make([]uint32, slots)
	sigs := make([]uint64, slots)
	for i, r := range rows {
		s := r.id & (slots - 1)
		for table[s] != 0 {
			s = (s + 1) & (slots - 1)
		}
		table[s], sigs[s] = uint32(i+1), r.id
	}
	for _, s := range sigs {
		idx = le.AppendUint64(idx, s)
	}
	for _, x := range table {
		idx = le.AppendUint32(idx, x)
	}
	for _, c := range cols {
		idx = le.AppendUint32(idx, c)
	}
	for _, r := range rows {
		for _, o := range r.off {
			idx = le.AppendUint32(idx, o)
		}
	}
	for _, r := range rows {
		for _, n := range r.size {
			idx = le.AppendUint32(idx, n)
		}
	}
	secs[".debug_cu_index"] = idx
	tmp := t.TempDir()
	args := []string{}
	for name, b := range secs {
		file := filepath.Join(tmp, strings.TrimPrefix(name, "."))
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if name == ".debug_cu_index" {
			args = append(args, "--add-section", name+"="+file)
		} else {
			args = append(args, "--update-section", name+"="+file)
		}
	}
	args = append(args, dwos[0], out)
	if b, err := exec.Command(objcopy, args...).CombinedOutput(); err != nil {
		t.Fatalf("objcopy %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}
