package cfi

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"testing"
)

// realPrefix returns the whole entries in the first ~limit bytes of path's
// .eh_frame, or nil.
func realPrefix(path string, limit int) []byte {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sec := f.Section(".eh_frame")
	if sec == nil {
		return nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil
	}
	s := frameSection{data: data, addr: sec.Addr, eh: true, order: binary.LittleEndian, ptrSize: 8}
	end := uint64(0)
	for end < uint64(limit) && end < uint64(len(data)) {
		e, err := s.readEntry(end)
		if err != nil {
			break
		}
		end = e.next
	}
	return data[:end]
}

// FuzzRows feeds arbitrary bytes to the section parser as .eh_frame (or
// .debug_frame) content: it must not panic, and what it returns must be
// well formed.
func FuzzRows(f *testing.F) {
	b, c := ehCIE()
	b.fde(c, 0x401000, 0x20, nil, advance(1), op(cfaDefCFAOffset, 16), []byte{cfaOffset | regRBP, 2},
		advance(3), op(cfaDefCFARegister, regRBP), op(cfaRememberState), advance(8), op(cfaRestoreState))
	f.Add(b.section().data, false)
	d := &builder{version: 4}
	dc := d.cie("", 4, -8, 16, nil, defCFArsp8, raAtCFA8)
	d.fde(dc, 0x1000, 0x40, nil, []byte{cfaAdvanceLoc2, 1, 0}, op(cfaDefCFAOffset, 24))
	f.Add(d.section().data, true)
	p := &builder{eh: true, addr: 0x3000}
	pc := p.cie("zPLR", 1, -8, 16, []byte{0x9b, 1, 2, 3, 4, 0x1b, 0x1b}, defCFArsp8, raAtCFA8)
	e := append([]byte(nil), pltExpr[:]...)
	e[pltLit] = opLit0 + 11
	p.fde(pc, 0x1020, 0x40, []byte{0, 0, 0, 0}, op(cfaDefCFAOffset, 16), advance(6), append(op(cfaDefCFAExpression, uint64(len(e))), e...))
	f.Add(p.section().data, false)
	if real := realPrefix("/bin/bash", 0x200); real != nil {
		f.Add(real, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, debug bool) {
		rows, err := sectionRows(frameSection{data: data, addr: 0x1000, eh: !debug, order: binary.LittleEndian, ptrSize: 8})
		if err != nil {
			return
		}
		for i, r := range rows {
			if i > 0 && (r.PC <= rows[i-1].PC || r.sameRule(rows[i-1])) {
				t.Fatalf("rows %d, %d: %+v %+v: not sorted or not merged", i-1, i, rows[i-1], r)
			}
			if (r.CFA == CFAUndefined || r.CFA == CFAUnsupported) && (r.RBP != RBPSame || r.CFAOffset != 0 || r.RBPOffset != 0) {
				t.Fatalf("row %d: %+v: stopping row with a rule", i, r)
			}
			if r.CFA > CFAUnsupported || r.RBP > RBPUndefined {
				t.Fatalf("row %d: %+v: unknown kind", i, r)
			}
		}
	})
}

// BenchmarkRowsLibc parses the system C library's .eh_frame.
func BenchmarkRowsLibc(b *testing.B) {
	path := libcPath()
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%s: %v", path, err)
	}
	f, err := elf.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var rows []Row
	b.ReportAllocs()
	for b.Loop() {
		if rows, err = Rows(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)), "rows")
}
