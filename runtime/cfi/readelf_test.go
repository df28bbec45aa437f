package cfi

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// This file checks Rows against binutils' own interpretation of the same
// tables: readelf --debug-dump=frames-interp.

// refRow is one line of a readelf frames-interp table: the rules by column
// name ("" when readelf prints no column for the register).
type refRow struct {
	pc           uint64
	cfa, rbp, ra string
}

// refFDE is an FDE as readelf prints it.
type refFDE struct {
	off, cie   uint64
	begin, end uint64
	rows       []refRow
}

// refDump is readelf's view of one section.
type refDump struct {
	cies map[uint64][]refRow
	fdes []refFDE
}

var (
	reSection = regexp.MustCompile(`^Contents of the (\S+) section:`)
	reCIE     = regexp.MustCompile(`^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ CIE`)
	reFDE     = regexp.MustCompile(`^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)`)
	reRegOff  = regexp.MustCompile(`^([a-z0-9]+)([+-][0-9]+)$`)
	// A register rule prints as "r9 (r9)": the only value with a space.
	reRegName = regexp.MustCompile(`(r[0-9]+) \(([a-z0-9]+)\)`)
	reLoc     = regexp.MustCompile(`^[0-9a-f]{16} `)
)

func hex(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		t.Fatalf("readelf output: %q: %v", s, err)
	}
	return v
}

// readelfFrames runs readelf on path and parses the table of section.
func readelfFrames(t *testing.T, path, section string) refDump {
	t.Helper()
	// -wN: do not follow .gnu_debuglink to a separate debug file (whose
	// .eh_frame is NOBITS).
	out, err := exec.Command("readelf", "-wN", "--debug-dump=frames-interp", path).Output()
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			t.Skipf("readelf is not available: %v", err)
		}
		t.Fatalf("readelf %s: %v", path, err)
	}
	d := refDump{cies: map[uint64][]refRow{}}
	var (
		inSection bool
		cols      []string
		cur       []refRow
		cieOff    = int64(-1) // the entry cur belongs to: a CIE ...
		fdeIndex  = -1        // ... or an FDE
	)
	flush := func() {
		switch {
		case cieOff >= 0:
			d.cies[uint64(cieOff)] = cur
		case fdeIndex >= 0:
			d.fdes[fdeIndex].rows = cur
		}
		cur, cieOff, fdeIndex = nil, -1, -1
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := reSection.FindStringSubmatch(line); m != nil {
			flush()
			inSection = m[1] == section
			continue
		}
		if !inSection {
			continue
		}
		if m := reCIE.FindStringSubmatch(line); m != nil {
			flush()
			cieOff = int64(hex(t, m[1]))
			continue
		}
		if m := reFDE.FindStringSubmatch(line); m != nil {
			flush()
			d.fdes = append(d.fdes, refFDE{off: hex(t, m[1]), cie: hex(t, m[2]), begin: hex(t, m[3]), end: hex(t, m[4])})
			fdeIndex = len(d.fdes) - 1
			continue
		}
		f := strings.Fields(reRegName.ReplaceAllString(line, "$1($2)"))
		if len(f) > 0 && f[0] == "LOC" {
			cols = f
			continue
		}
		if !reLoc.MatchString(line) {
			continue
		}
		if len(f) != len(cols) {
			t.Fatalf("readelf %s: cannot split %q into the columns %q", path, line, cols)
		}
		pc := hex(t, f[0])
		r := refRow{pc: pc}
		for i, c := range cols {
			switch c {
			case "CFA":
				r.cfa = f[i]
			case "rbp":
				r.rbp = f[i]
			case "ra":
				r.ra = f[i]
			}
		}
		cur = append(cur, r)
	}
	flush()
	if len(d.fdes) == 0 {
		t.Fatalf("readelf printed no FDE in %s of %s", section, path)
	}
	return d
}

// pltRanges returns the address ranges of .plt and .plt.sec.
func pltRanges(f *elf.File) [][2]uint64 {
	var r [][2]uint64
	for _, name := range []string{".plt", ".plt.sec"} {
		if s := f.Section(name); s != nil {
			r = append(r, [2]uint64{s.Addr, s.Addr + s.Size})
		}
	}
	return r
}

// pltThreshold reads the first lazy-binding entry of .plt (the second
// 16-byte slot) and returns the offset just past its "push $index"
// (opcode 0x68, 5 bytes): from there on the entry has pushed 8 more bytes,
// which is what the PLT CFA expression's threshold encodes. -1 if not found.
func pltThreshold(f *elf.File) int32 {
	sec := f.Section(".plt")
	if sec == nil || sec.Size < 32 {
		return -1
	}
	data, err := sec.Data()
	if err != nil {
		return -1
	}
	entry := data[16:32]
	// Skip an endbr64 (f3 0f 1e fa) and a jmp *disp(%rip) (ff 25 + 4 bytes,
	// maybe with a bnd prefix f2), whose bytes could contain 0x68.
	i := 0
	if bytes.HasPrefix(entry, []byte{0xf3, 0x0f, 0x1e, 0xfa}) {
		i = 4
	}
	if entry[i] == 0xf2 {
		i++
	}
	if entry[i] == 0xff && entry[i+1] == 0x25 {
		i += 6
	}
	if entry[i] != 0x68 {
		return -1
	}
	return int32(i + 5)
}

func inRanges(pc uint64, rs [][2]uint64) bool {
	for _, r := range rs {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

// mismatch says how got differs from what readelf's row means, or "".
// pltThreshold is the PLT expression's threshold that the code in .plt
// implies, -1 if unknown.
func mismatch(got Row, ref refRow, inPLT bool, pltThreshold int32) string {
	kindIs := func(want CFAKind) string {
		if got.CFA != want {
			return "CFA kind " + got.CFA.String() + ", want " + want.String()
		}
		return ""
	}
	switch {
	case ref.ra == "u":
		return kindIs(CFAUndefined)
	case ref.ra != "c-8":
		return kindIs(CFAUnsupported)
	}
	var rbp RBPRule
	var rbpOff int64
	switch m := reRegOff.FindStringSubmatch(ref.rbp); {
	case ref.rbp == "" || ref.rbp == "s":
		rbp = RBPSame
	case ref.rbp == "u":
		// readelf prints "u" both for DW_CFA_undefined and for a register
		// with no rule yet (no rule: same value for callee-saved rbp).
		rbp = RBPSame
		if got.RBP == RBPUndefined {
			rbp = RBPUndefined
		}
	case m != nil && m[1] == "c":
		rbp = RBPAtCFA
		rbpOff, _ = strconv.ParseInt(m[2], 10, 64)
	default:
		return kindIs(CFAUnsupported)
	}
	m := reRegOff.FindStringSubmatch(ref.cfa)
	switch {
	case ref.cfa == "exp" && inPLT:
		if s := kindIs(CFAPLT); s != "" {
			return s
		}
		if (pltThreshold >= 0 && got.CFAOffset != pltThreshold) || got.CFAOffset < 0 || got.CFAOffset > 15 {
			return "PLT threshold " + strconv.Itoa(int(got.CFAOffset)) + ", want " + strconv.Itoa(int(pltThreshold))
		}
	case ref.cfa == "exp":
		if got.CFA != CFAPLT && got.CFA != CFAUnsupported {
			return "CFA kind " + got.CFA.String() + ", want plt or unsupported"
		}
		if got.CFA == CFAUnsupported {
			return ""
		}
	case m != nil && (m[1] == "rsp" || m[1] == "rbp"):
		want := CFARSP
		if m[1] == "rbp" {
			want = CFARBP
		}
		if s := kindIs(want); s != "" {
			return s
		}
		off, _ := strconv.ParseInt(m[2], 10, 64)
		if int64(got.CFAOffset) != off {
			return "CFA offset " + strconv.Itoa(int(got.CFAOffset)) + ", want " + m[2]
		}
	default:
		return kindIs(CFAUnsupported)
	}
	if got.RBP != rbp || (rbp == RBPAtCFA && int64(got.RBPOffset) != rbpOff) {
		return "rbp " + got.RBP.String() + strconv.Itoa(int(got.RBPOffset)) + ", want " + rbp.String() + strconv.FormatInt(rbpOff, 10)
	}
	return ""
}

// compareWithReadelf checks Rows(path) against readelf's interpretation of
// section, at every row readelf prints and just past every FDE.
func compareWithReadelf(t *testing.T, path, section string) []Row {
	t.Helper()
	f, err := elf.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s does not exist", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := Rows(f)
	if err != nil {
		t.Fatalf("Rows(%s): %v", path, err)
	}
	if !sort.SliceIsSorted(rows, func(i, j int) bool { return rows[i].PC < rows[j].PC }) {
		t.Fatalf("Rows(%s) is not sorted", path)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].PC == rows[i-1].PC || rows[i].sameRule(rows[i-1]) {
			t.Fatalf("rows %d and %d are not merged: %+v %+v", i-1, i, rows[i-1], rows[i])
		}
	}
	plt := pltRanges(f)
	threshold := pltThreshold(f)
	for _, r := range rows {
		if r.CFA == CFAPLT && !inRanges(r.PC, plt) {
			t.Errorf("CFAPLT row at 0x%x outside .plt/.plt.sec", r.PC)
		}
	}

	d := readelfFrames(t, path, section)
	// Which FDE owns which pc, the way Rows resolves overlaps: sorted by
	// start (section order among equal starts), each cut at the next start.
	var fdes []refFDE
	for _, fd := range d.fdes {
		if fd.end > fd.begin {
			fdes = append(fdes, fd)
		}
	}
	sort.SliceStable(fdes, func(i, j int) bool { return fdes[i].begin < fdes[j].begin })
	checked, skipped, bad := 0, 0, 0
	for i, fd := range fdes {
		cut := fd.end
		if i+1 < len(fdes) && fdes[i+1].begin < cut {
			cut = fdes[i+1].begin
		}
		refs := fd.rows
		if len(refs) == 0 {
			// No instructions: the CIE's initial row covers the FDE.
			cie := d.cies[fd.cie]
			if len(cie) == 0 {
				t.Fatalf("FDE at 0x%x: readelf printed no rows and no CIE 0x%x rows", fd.off, fd.cie)
			}
			r := cie[len(cie)-1]
			r.pc = fd.begin
			refs = []refRow{r}
		}
		for j, ref := range refs {
			if j+1 < len(refs) && refs[j+1].pc == ref.pc {
				continue // the last row at a location is the one in effect
			}
			if ref.pc < fd.begin || ref.pc >= fd.end {
				continue
			}
			if ref.pc >= cut {
				skipped++
				continue
			}
			checked++
			got := Find(rows, ref.pc)
			if s := mismatch(got, ref, inRanges(ref.pc, plt), threshold); s != "" {
				bad++
				if bad <= 20 {
					t.Errorf("%s: FDE at 0x%x, pc 0x%x: readelf CFA=%s rbp=%q ra=%q; Rows %+v: %s",
						filepath.Base(path), fd.off, ref.pc, ref.cfa, ref.rbp, ref.ra, got, s)
				}
			}
		}
	}
	// Rows changes rule only where readelf does (or where an FDE begins or
	// ends): no row in between.
	allowed := map[uint64]bool{}
	for _, fd := range d.fdes {
		allowed[fd.begin], allowed[fd.end] = true, true
		for _, r := range fd.rows {
			allowed[r.pc] = true
		}
	}
	for _, r := range rows {
		if !allowed[r.PC] {
			t.Errorf("%s: row %+v at a pc where readelf has no row", filepath.Base(path), r)
		}
	}
	gaps := 0
	for _, fd := range fdes {
		covered := false
		for _, o := range fdes {
			if o.begin <= fd.end && fd.end < o.end {
				covered = true
				break
			}
		}
		if covered {
			continue
		}
		gaps++
		if got := Find(rows, fd.end); got.CFA != CFAUndefined {
			t.Errorf("%s: pc 0x%x just past FDE at 0x%x (no FDE covers it): Rows %+v, want CFAUndefined",
				filepath.Base(path), fd.end, fd.off, got)
		}
	}
	if bad > 20 {
		t.Errorf("%d mismatches in all", bad)
	}
	if checked < len(fdes) {
		t.Errorf("checked only %d rows for %d FDEs", checked, len(fdes))
	}
	kinds := map[CFAKind]int{}
	for _, r := range rows {
		kinds[r.CFA]++
	}
	t.Logf("%s (%s): %d rows %v; %d FDEs, %d readelf rows checked, %d skipped (overlapping FDEs), %d gaps checked",
		path, section, len(rows), kinds, len(d.fdes), checked, skipped, gaps)
	return rows
}

// libcPath finds the C library /bin/true is linked with.
func libcPath() string {
	if out, err := exec.Command("ldd", "/bin/true").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && strings.HasPrefix(f[0], "libc.so") && f[1] == "=>" {
				return f[2]
			}
		}
	}
	return "/lib/x86_64-linux-gnu/libc.so.6"
}

func TestReadelfSystemFiles(t *testing.T) {
	for _, path := range []string{"/bin/bash", libcPath(), "/lib64/ld-linux-x86-64.so.2"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			compareWithReadelf(t, path, ".eh_frame")
		})
	}
}
