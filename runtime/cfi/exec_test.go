package cfi

import (
	"reflect"
	"testing"
)

// Unit tests of the CFA interpreter and of the row assembly, on hand-built
// sections.

func rsp(pc uint64, off int32) Row { return Row{PC: pc, CFA: CFARSP, CFAOffset: off} }
func rbp(pc uint64, off int32) Row { return Row{PC: pc, CFA: CFARBP, CFAOffset: off} }
func undef(pc uint64) Row          { return Row{PC: pc, CFA: CFAUndefined} }
func unsup(pc uint64) Row          { return Row{PC: pc, CFA: CFAUnsupported} }

// savedRBP returns r with rbp saved at CFA+off.
func (r Row) savedRBP(off int32) Row {
	r.RBP, r.RBPOffset = RBPAtCFA, off
	return r
}

func checkRows(t *testing.T, s frameSection, want ...Row) {
	t.Helper()
	got, err := sectionRows(s)
	if err != nil {
		t.Fatalf("sectionRows: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", got, want)
	}
}

func TestFramePointerPrologue(t *testing.T) {
	b, c := ehCIE()
	// push %rbp; mov %rsp,%rbp; ...; leave; ret
	b.fde(c, 0x401000, 0x20, nil,
		advance(1), op(cfaDefCFAOffset, 16), []byte{cfaOffset | regRBP, 2},
		advance(3), op(cfaDefCFARegister, regRBP),
		advance(0x10), op(cfaDefCFA, regRSP, 8),
		advance(1), nop)
	checkRows(t, b.section(),
		rsp(0x401000, 8),
		rsp(0x401001, 16).savedRBP(-16),
		rbp(0x401004, 16).savedRBP(-16),
		rsp(0x401014, 8).savedRBP(-16),
		undef(0x401020))
}

func TestRememberRestoreState(t *testing.T) {
	b, c := ehCIE()
	// An early return in the middle of a function: the CFA rule is part of
	// the remembered state.
	b.fde(c, 0x2000, 0x40, nil,
		advance(1), op(cfaDefCFAOffset, 16), []byte{cfaOffset | regRBP, 2},
		advance(1), op(cfaRememberState),
		op(cfaDefCFAOffset, 8), op(cfaRestore|regRBP),
		advance(1), op(cfaRestoreState),
		advance(1), op(cfaRememberState), op(cfaRememberState),
		op(cfaDefCFA, regRBP, 32), op(cfaSameValue, regRBP),
		advance(1), op(cfaRestoreState),
		advance(1), op(cfaRestoreState),
		advance(1), op(cfaRestoreState)) // one too many: the rest is unsupported
	checkRows(t, b.section(),
		rsp(0x2000, 8),
		rsp(0x2001, 16).savedRBP(-16),
		rsp(0x2002, 8),
		rsp(0x2003, 16).savedRBP(-16),
		rbp(0x2004, 32),
		rsp(0x2005, 16).savedRBP(-16),
		unsup(0x2007),
		undef(0x2040))
}

func TestRestoreToCIERule(t *testing.T) {
	b := &builder{eh: true, addr: 0x1000}
	// The CIE says rbp is saved at CFA-16 (unusual, but it is what restore
	// must go back to).
	c := b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8, []byte{cfaOffset | regRBP, 2})
	b.fde(c, 0x3000, 0x10, nil,
		advance(1), op(cfaSameValue, regRBP), []byte{cfaOffset | 16, 2}, // ra at CFA-16
		advance(1), op(cfaRestoreExtended, 16),
		advance(1), op(cfaRestore|regRBP),
		advance(1), op(cfaUndefined, regRBP))
	rbpUndefined := rsp(0x3004, 8)
	rbpUndefined.RBP = RBPUndefined
	checkRows(t, b.section(),
		rsp(0x3000, 8).savedRBP(-16),
		unsup(0x3001),
		rsp(0x3002, 8),
		rsp(0x3003, 8).savedRBP(-16),
		rbpUndefined,
		undef(0x3010))
}

func TestAdvanceLocVariants(t *testing.T) {
	b := &builder{eh: true, addr: 0x1000}
	c := b.cie("zR", 4, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8)
	b.fde(c, 0x10000, 0x100000, nil,
		advance(1), op(cfaDefCFAOffset, 16), // +1*4
		[]byte{cfaAdvanceLoc1, 2}, op(cfaDefCFAOffset, 24), // +2*4
		[]byte{cfaAdvanceLoc2, 0x00, 0x01}, op(cfaDefCFAOffset, 32), // +0x100*4
		[]byte{cfaAdvanceLoc4, 0x00, 0x00, 0x01, 0x00}, op(cfaDefCFAOffset, 40)) // +0x10000*4
	checkRows(t, b.section(),
		rsp(0x10000, 8),
		rsp(0x10004, 16),
		rsp(0x1000c, 24),
		rsp(0x1040c, 32),
		rsp(0x5040c, 40),
		undef(0x110000))
}

func TestSetLoc(t *testing.T) {
	b := &builder{eh: true, addr: 0x1000}
	c := b.cie("zR", 1, -8, 16, []byte{0x03}, defCFArsp8, raAtCFA8) // udata4
	b.fde(c, 0x5000, 0x100, nil,
		[]byte{cfaSetLoc, 0x10, 0x50, 0, 0}, op(cfaDefCFAOffset, 16),
		advance(4), op(cfaDefCFAOffset, 24),
		[]byte{cfaSetLoc, 0x08, 0x50, 0, 0}, op(cfaDefCFAOffset, 32)) // backwards: unsupported
	checkRows(t, b.section(), rsp(0x5000, 8), rsp(0x5010, 16), unsup(0x5014), undef(0x5100))
}

func TestFactoredOffsets(t *testing.T) {
	b, c := ehCIE()
	b.fde(c, 0x100, 0x10, nil,
		advance(1), op(cfaDefCFAOffsetSF), sleb(-3), // -3 * -8 = 24
		advance(1), op(cfaDefCFASF, regRBP), sleb(-2), // rbp + 16
		op(cfaOffsetExtendedSF, regRBP), sleb(2), // rbp at 2 * -8 = -16
		advance(1), op(cfaGNUNegOffsetExt, regRBP, 3), // rbp at -(3 * -8) = +24
		advance(1), op(cfaOffsetExtended, regRBP, 4), // rbp at 4 * -8 = -32
		op(cfaGNUArgsSize, 16), nop)
	checkRows(t, b.section(),
		rsp(0x100, 8),
		rsp(0x101, 24),
		rbp(0x102, 16).savedRBP(-16),
		rbp(0x103, 16).savedRBP(24),
		rbp(0x104, 16).savedRBP(-32),
		undef(0x110))
}

func TestUnfollowableRules(t *testing.T) {
	b := &builder{eh: true, addr: 0x1000}
	// _start: the return address is undefined, the stack ends here.
	start := b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, op(cfaUndefined, 16))
	b.fde(start, 0x1000, 0x10, nil)
	c := b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8)
	b.fde(c, 0x1010, 0x10, nil,
		advance(1), []byte{cfaOffset | 16, 2}, // ra at CFA-16
		advance(1), []byte{cfaOffset | 16, 1}, op(cfaDefCFA, 10, 0), // CFA = r10
		advance(1), op(cfaDefCFA, regRSP, 8), op(cfaRegister, regRBP, 3), // rbp in rbx
		advance(1), op(cfaExpression, regRBP, 2, 0x76, 0x00), // rbp at *(rbp+0)
		advance(1), op(cfaValOffset, regRBP, 1),
		advance(1), op(cfaValOffsetSF, regRBP), sleb(-1),
		advance(1), op(cfaValExpression, regRBP, 1, 0x30),
		advance(1), op(cfaOffset, 0), op(cfaSameValue, regRBP), // rax: ignored
		advance(1), op(cfaValOffset, 16, 1), // ra value CFA-8: not "saved at"
		advance(1), op(cfaOffsetExtended, 16, 1), op(cfaDefCFAExpression, 2, 0x77, 0x08), // DW_OP_breg7 8
		advance(1), op(cfaDefCFA, regRSP, 0x80000000)) // does not fit in int32
	checkRows(t, b.section(),
		undef(0x1000),
		rsp(0x1010, 8),
		unsup(0x1011),
		rsp(0x1018, 8),
		unsup(0x1019),
		undef(0x1020))
}

func TestPLTExpression(t *testing.T) {
	b, c := ehCIE()
	plt := func(lit byte) []byte {
		e := append([]byte(nil), pltExpr[:]...)
		e[pltLit] = lit
		return append(op(cfaDefCFAExpression, uint64(len(e))), e...)
	}
	// GCC/ld's .plt FDE: the PLT0 push, then the expression for the
	// 16-byte entries.
	b.fde(c, 0x1020, 0x40, nil,
		op(cfaDefCFAOffset, 16), advance(6), op(cfaDefCFAOffset, 24),
		advance(10), plt(opLit0+11),
		advance(16), plt(opLit0+10),
		advance(16), cat(op(cfaDefCFAExpression, 12), pltExpr[:pltLit], []byte{opConst1, 9}, pltExpr[pltLit+1:]),
		advance(8), plt(0x2b)) // not a literal
	checkRows(t, b.section(),
		rsp(0x1020, 16),
		rsp(0x1026, 24),
		Row{PC: 0x1030, CFA: CFAPLT, CFAOffset: 11},
		Row{PC: 0x1040, CFA: CFAPLT, CFAOffset: 10},
		Row{PC: 0x1050, CFA: CFAPLT, CFAOffset: 9},
		unsup(0x1058),
		undef(0x1060))
}

func TestUnknownOpcode(t *testing.T) {
	b, c := ehCIE()
	b.fde(c, 0x100, 0x20, nil,
		advance(4), op(cfaDefCFAOffset, 16),
		advance(4), []byte{0x3c}, // DW_CFA_hi_user, unknown
		advance(4), op(cfaDefCFAOffset, 8))
	b.fde(c, 0x120, 0x10, nil, op(cfaDefCFAOffset, 8))
	// A CIE with an unknown opcode makes its FDEs unsupported throughout.
	bad := b.cie("zR", 1, -8, 16, []byte{0x1b}, defCFArsp8, raAtCFA8, []byte{0x2d})
	b.fde(bad, 0x200, 0x10, nil, advance(1), op(cfaDefCFAOffset, 16))
	checkRows(t, b.section(),
		rsp(0x100, 8),
		rsp(0x104, 16),
		unsup(0x108),
		rsp(0x120, 8),
		undef(0x130),
		unsup(0x200),
		undef(0x210))
}

func TestFDEAssembly(t *testing.T) {
	b, c := ehCIE()
	grow := func(n uint64) []byte { return cat(advance(1), op(cfaDefCFAOffset, n)) }
	// Out of order, adjacent, overlapping, empty and identical FDEs.
	b.fde(c, 0x300, 0x10, nil, grow(16))
	b.fde(c, 0x100, 0x10, nil, grow(16))
	b.fde(c, 0x110, 0x10, nil, grow(24)) // adjacent to the previous: no undefined row between
	b.fde(c, 0x200, 0x40, nil, grow(32))
	b.fde(c, 0x220, 0x08, nil, grow(40))                            // inside 0x200's range: wins from 0x220 on
	b.fde(c, 0x280, 0x00, nil, grow(48))                            // empty: ignored
	b.fde(c, 0x300, 0x10, nil, grow(56))                            // same start as the first: the later one wins
	b.fde(c, 0x400, 0x04, nil, advance(8), op(cfaDefCFAOffset, 64)) // advances past its end
	checkRows(t, b.section(),
		rsp(0x100, 8),
		rsp(0x101, 16),
		rsp(0x110, 8),
		rsp(0x111, 24),
		undef(0x120),
		rsp(0x200, 8),
		rsp(0x201, 32),
		rsp(0x220, 8),
		rsp(0x221, 40),
		undef(0x228),
		rsp(0x300, 8),
		rsp(0x301, 56),
		undef(0x310),
		rsp(0x400, 8),
		undef(0x404))
	rows, _ := sectionRows(b.section())
	for _, tc := range []struct {
		pc   uint64
		want Row
	}{
		{0x50, undef(0x50)},
		{0x100, rsp(0x100, 8)},
		{0x10f, rsp(0x101, 16)},
		{0x11f, rsp(0x111, 24)},
		{0x120, undef(0x120)},
		{0x1ff, undef(0x120)},
		{0x230, undef(0x228)},
		{0xffffffff, undef(0x404)},
	} {
		if got := Find(rows, tc.pc); got != tc.want {
			t.Errorf("Find(0x%x) = %+v, want %+v", tc.pc, got, tc.want)
		}
	}
}
