package cfi

import (
	"encoding/binary"
	"strings"
	"testing"
)

// Tests of the CIE/FDE framing, the augmentations and the pointer
// encodings, on hand-built sections.

func TestDebugFrame(t *testing.T) {
	instrs := cat(advance(1), op(cfaDefCFAOffset, 16), []byte{cfaOffset | regRBP, 2},
		[]byte{cfaSetLoc}, binary.LittleEndian.AppendUint64(nil, 0x401010), op(cfaDefCFAOffset, 8))
	want := []Row{rsp(0x401000, 8), rsp(0x401001, 16).savedRBP(-16), rsp(0x401010, 8).savedRBP(-16), undef(0x401020)}
	for _, tc := range []struct {
		name string
		b    builder
	}{
		{"v1", builder{}},
		{"v3", builder{version: 3}},
		{"v4", builder{version: 4}},
		{"v4-segment", builder{version: 4, seg: []byte{0, 0}}},
		{"dwarf64", builder{dwarf64: true, version: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The FDE comes first: .debug_frame CIE pointers are plain
			// section offsets, in any direction.
			probe := tc.b
			probe.fde(0, 0x401000, 0x20, nil, instrs)
			b := tc.b
			b.fde(uint64(len(probe.buf)), 0x401000, 0x20, nil, instrs)
			b.cie("", 1, -8, 16, nil, defCFArsp8, raAtCFA8)
			checkRows(t, b.section(), want...)
		})
	}
}

func TestEhFrame64(t *testing.T) {
	b := &builder{eh: true, dwarf64: true, addr: 0x1000}
	c := b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8)
	b.fde(c, 0x2000, 0x10, nil, advance(1), op(cfaDefCFAOffset, 16))
	checkRows(t, b.section(), rsp(0x2000, 8), rsp(0x2001, 16), undef(0x2010))
}

func TestAugmentations(t *testing.T) {
	fdeInstrs := cat(advance(2), op(cfaDefCFAOffset, 16))
	for _, tc := range []struct {
		name    string
		aug     string
		augData []byte
		fdeAug  []byte
		skipped bool
	}{
		{"zR pcrel sdata4", "zR", []byte{0x1b}, nil, false},
		{"zR udata4", "zR", []byte{0x03}, nil, false},
		{"z absptr", "z", nil, nil, false},
		{"no augmentation", "", nil, nil, false},
		{"zPLR", "zPLR", []byte{0x9b, 1, 2, 3, 4, 0x1b, 0x1b}, []byte{9, 9, 9, 9}, false},
		{"zPLR uleb personality", "zPLR", []byte{0x01, 0x80, 0x01, 0x1b, 0x1b}, []byte{9, 9, 9, 9}, false},
		{"zRS signal frame", "zSR", []byte{0x1b}, nil, false},
		{"zBR", "zBR", []byte{0x1b}, nil, false},
		{"zR datarel", "zR", []byte{0x3b}, nil, true},
		{"zR textrel", "zR", []byte{0x2b}, nil, true},
		{"zR indirect", "zR", []byte{0x9b}, nil, true},
		{"zR unknown format", "zR", []byte{0x17}, nil, true},
		{"zPR unknown personality format", "zPR", []byte{0x07, 0x1b}, nil, true},
		{"unknown letter", "zXR", []byte{0x1b}, nil, true},
		{"eh", "eh", nil, nil, true},
		{"no z", "R", nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &builder{eh: true, addr: 0x1000}
			// The FDE after the skipped one must still be read.
			good := b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8)
			c := b.cie(tc.aug, 1, -8, 16, tc.augData, defCFArsp8, raAtCFA8)
			switch {
			case strings.HasPrefix(tc.aug, "e"):
				b.fdeEnc = 0
			case tc.skipped:
				b.fdeEnc = 0x1b // how the builder writes it; the parser must not accept it
			}
			b.fde(c, 0x2000, 0x10, tc.fdeAug, fdeInstrs)
			b.fdeEnc, b.augZ = 0x1b, true
			b.fde(good, 0x3000, 0x10, nil, fdeInstrs)
			want := []Row{rsp(0x3000, 8), rsp(0x3002, 16), undef(0x3010)}
			if !tc.skipped {
				want = append([]Row{rsp(0x2000, 8), rsp(0x2002, 16), undef(0x2010)}, want...)
			}
			checkRows(t, b.section(), want...)
		})
	}
}

func TestPointerEncodings(t *testing.T) {
	const secAddr, base = 0x10000, 0x100
	for _, tc := range []struct {
		enc   uint8
		bytes []byte
		want  uint64
		err   error
	}{
		{peAbsptr, []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0x0807060504030201, nil},
		{peUleb128, []byte{0xe5, 0x8e, 0x26}, 624485, nil},
		{peUdata2, []byte{0xfe, 0xff}, 0xfffe, nil},
		{peUdata4, []byte{0xfe, 0xff, 0xff, 0xff}, 0xfffffffe, nil},
		{peUdata8, []byte{1, 0, 0, 0, 0, 0, 0, 0x80}, 0x8000000000000001, nil},
		{peSleb128, []byte{0xc0, 0xbb, 0x78}, ^uint64(123455), nil},
		{peSdata2, []byte{0xfe, 0xff}, ^uint64(1), nil},
		{peSdata4, []byte{0xfe, 0xff, 0xff, 0xff}, ^uint64(1), nil},
		{peSdata8, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ^uint64(1), nil},
		{pePcrel | peSdata4, []byte{0xf0, 0xff, 0xff, 0xff}, secAddr + base + 2 - 16, nil},
		{pePcrel | peUdata2, []byte{0x10, 0}, secAddr + base + 2 + 16, nil},
		{0x30 | peSdata4, []byte{0, 0, 0, 0}, 0, errEncoding}, // datarel
		{0x20 | peSdata4, []byte{0, 0, 0, 0}, 0, errEncoding}, // textrel
		{0x40 | peSdata4, []byte{0, 0, 0, 0}, 0, errEncoding}, // funcrel
		{0x50 | peSdata4, []byte{0, 0, 0, 0}, 0, errEncoding}, // aligned
		{peIndirect | pePcrel | peSdata4, []byte{0, 0, 0, 0}, 0, errEncoding},
		{0x05, []byte{0, 0, 0, 0}, 0, errFormat},
		{peSdata4, []byte{0, 0, 0}, 0, errTruncated},
		{peUleb128, []byte{0x80, 0x80}, 0, errTruncated},
		{peOmit, nil, 0, nil},
	} {
		r := reader{b: append([]byte{0xaa, 0xbb}, tc.bytes...), pos: 2, base: base, order: binary.LittleEndian}
		got, err := r.pointer(tc.enc, 8, secAddr, false)
		if got != tc.want || err != tc.err {
			t.Errorf("encoding 0x%02x % x: got 0x%x, %v; want 0x%x, %v", tc.enc, tc.bytes, got, err, tc.want, tc.err)
		}
		if err == nil && r.pos != len(r.b) {
			t.Errorf("encoding 0x%02x % x: read %d bytes", tc.enc, tc.bytes, r.pos-2)
		}
	}
}

func TestMalformed(t *testing.T) {
	withFDE := func(edit func(b []byte) []byte) []byte {
		b, c := ehCIE()
		b.fde(c, 0x2000, 0x10, nil, advance(1), op(cfaDefCFAOffset, 16))
		return edit(b.section().data)
	}
	cieLen := func() int { b, _ := ehCIE(); return len(b.buf) }()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"length past the end", withFDE(func(b []byte) []byte { b[cieLen] = 0xff; return b }), "runs past the end"},
		{"truncated length", []byte{1, 0}, "truncated"},
		{"truncated 64-bit length", []byte{0xff, 0xff, 0xff, 0xff, 1, 0}, "truncated"},
		{"CIE pointer before the section", withFDE(func(b []byte) []byte { b[cieLen+5] = 0x10; return b }), "points before the section"},
		{"CIE pointer at an FDE", withFDE(func(b []byte) []byte {
			// A second FDE whose CIE pointer points at the first FDE.
			n := len(b) - 4
			fde := append([]byte(nil), b[cieLen:n]...)
			binary.LittleEndian.PutUint32(fde[4:], uint32(n+4-cieLen))
			return append(append(b[:n:n], fde...), 0, 0, 0, 0)
		}), "does not point at a CIE"},
		{"truncated CIE", []byte{
			6, 0, 0, 0, 0, 0, 0, 0, 1, 'z', // CIE: augmentation string without its NUL
			12, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // FDE using it
		}, "CIE at 0x0: header: truncated"},
		{"truncated instruction", func() []byte {
			b, c := ehCIE()
			b.fde(c, 0x2000, 0x10, nil, []byte{cfaDefCFA, regRSP, 0x80}) // uleb without its end
			return b.section().data
		}(), "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sectionRows(frameSection{data: tc.data, addr: 0x1000, eh: true, order: binary.LittleEndian, ptrSize: 8})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}
