package cfi

import (
	"fmt"
	"math"
)

// DW_CFA_* opcodes (DWARF 5, 6.4.2, and the GNU extensions GCC emits).
const (
	cfaAdvanceLoc       = 0x40 // high 2 bits
	cfaOffset           = 0x80 // high 2 bits
	cfaRestore          = 0xc0 // high 2 bits
	cfaNop              = 0x00
	cfaSetLoc           = 0x01
	cfaAdvanceLoc1      = 0x02
	cfaAdvanceLoc2      = 0x03
	cfaAdvanceLoc4      = 0x04
	cfaOffsetExtended   = 0x05
	cfaRestoreExtended  = 0x06
	cfaUndefined        = 0x07
	cfaSameValue        = 0x08
	cfaRegister         = 0x09
	cfaRememberState    = 0x0a
	cfaRestoreState     = 0x0b
	cfaDefCFA           = 0x0c
	cfaDefCFARegister   = 0x0d
	cfaDefCFAOffset     = 0x0e
	cfaDefCFAExpression = 0x0f
	cfaExpression       = 0x10
	cfaOffsetExtendedSF = 0x11
	cfaDefCFASF         = 0x12
	cfaDefCFAOffsetSF   = 0x13
	cfaValOffset        = 0x14
	cfaValOffsetSF      = 0x15
	cfaValExpression    = 0x16
	cfaGNUArgsSize      = 0x2e
	cfaGNUNegOffsetExt  = 0x2f
)

// x86-64 DWARF register numbers (System V psABI, figure 3.36).
const (
	regRBP = 6
	regRSP = 7
)

// maxStack bounds DW_CFA_remember_state nesting; deeper is unsupported.
const maxStack = 64

// ruleKind is the kind of a register rule, reduced to what the unwinder can
// tell apart.
type ruleKind uint8

const (
	ruleUnspecified ruleKind = iota // no rule (callee-saved: same value)
	ruleUndefined
	ruleSame
	ruleOffset // saved at CFA+off
	ruleOther  // register, expression, val_offset, val_expression: not followed
)

// regRule is the rule of one tracked register column.
type regRule struct {
	kind ruleKind
	off  int64
}

// cfaKind is the kind of a CFA rule.
type cfaKind uint8

const (
	cfaNone cfaKind = iota // no CFA rule yet
	cfaReg                 // register + off
	cfaPLT                 // the PLT expression, threshold in off
	cfaBad                 // any other expression, or an offset rule without a register rule
)

// cfaRule is the CFA rule of a row.
type cfaRule struct {
	kind cfaKind
	reg  uint64
	off  int64
}

// regs is one row of the CFA table, for the columns Rows keeps.
type regs struct {
	cfa     cfaRule
	rbp, ra regRule
}

// cieState is the table row a CIE's initial instructions leave, computed once
// per CIE.
type cieState struct {
	done        bool
	err         error // malformed initial instructions
	unsupported bool  // an opcode or state the interpreter cannot follow
	regs        regs
	stack       []regs
}

// machine interprets the CFA instructions of one CIE/FDE pair.
type machine struct {
	s           *frameSection
	c           *cie
	cur, init   regs
	stack       []regs
	loc, end    uint64
	cieMode     bool // running the CIE's initial instructions: advances are ignored
	unsupported bool
}

// set gives a register its new rule when it is a tracked column.
func (m *machine) set(reg uint64, r regRule) {
	if reg == regRBP {
		m.cur.rbp = r
	}
	if reg == m.c.raReg {
		m.cur.ra = r
	}
}

// restore gives a register its rule from the CIE's initial instructions.
func (m *machine) restore(reg uint64) {
	if reg == regRBP {
		m.cur.rbp = m.init.rbp
	}
	if reg == m.c.raReg {
		m.cur.ra = m.init.ra
	}
}

// row classifies the current rules into a Row at pc.
func (m *machine) row(pc uint64) Row {
	if m.unsupported {
		return Row{PC: pc, CFA: CFAUnsupported}
	}
	return classify(pc, &m.cur)
}

// classify maps the rules of a row to what the eBPF unwinder can do.
func classify(pc uint64, st *regs) Row {
	unsupported := Row{PC: pc, CFA: CFAUnsupported}
	switch {
	case st.ra.kind == ruleUndefined:
		return Row{PC: pc, CFA: CFAUndefined}
	case st.ra.kind != ruleOffset || st.ra.off != -8:
		return unsupported
	}
	r := Row{PC: pc}
	switch st.rbp.kind {
	case ruleUnspecified, ruleSame:
		r.RBP = RBPSame
	case ruleUndefined:
		r.RBP = RBPUndefined
	case ruleOffset:
		if st.rbp.off < math.MinInt32 || st.rbp.off > math.MaxInt32 {
			return unsupported
		}
		r.RBP, r.RBPOffset = RBPAtCFA, int32(st.rbp.off)
	default:
		return unsupported
	}
	switch st.cfa.kind {
	case cfaReg:
		switch st.cfa.reg {
		case regRSP:
			r.CFA = CFARSP
		case regRBP:
			r.CFA = CFARBP
		default:
			return unsupported
		}
	case cfaPLT:
		r.CFA = CFAPLT
	default:
		return unsupported
	}
	if st.cfa.off < math.MinInt32 || st.cfa.off > math.MaxInt32 {
		return unsupported
	}
	r.CFAOffset = int32(st.cfa.off)
	return r
}

// pltExpr is the CFA expression of every x86-64 PLT entry, with the literal
// threshold at pltLit:
// DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN;
// DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus.
var pltExpr = [...]byte{0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x30, 0x2a, 0x33, 0x24, 0x22}

const (
	pltLit   = 6
	opLit0   = 0x30
	opLit31  = 0x4f
	opConst1 = 0x08 // DW_OP_const1u
)

// cfaExpr classifies a DW_CFA_def_cfa_expression block.
func cfaExpr(b []byte) cfaRule {
	// Also accept DW_OP_const1u N in place of DW_OP_litN.
	if len(b) == len(pltExpr)+1 && b[pltLit] == opConst1 {
		n := b[pltLit+1]
		b2 := append(append(append([]byte(nil), b[:pltLit]...), opLit0), b[pltLit+2:]...)
		if r := cfaExpr(b2); r.kind == cfaPLT {
			return cfaRule{kind: cfaPLT, off: int64(n)}
		}
		return cfaRule{kind: cfaBad}
	}
	if len(b) != len(pltExpr) {
		return cfaRule{kind: cfaBad}
	}
	for i, c := range b {
		if i == pltLit {
			if c < opLit0 || c > opLit31 {
				return cfaRule{kind: cfaBad}
			}
			continue
		}
		if c != pltExpr[i] {
			return cfaRule{kind: cfaBad}
		}
	}
	return cfaRule{kind: cfaPLT, off: int64(b[pltLit] - opLit0)}
}

// initialState runs c's initial instructions once and caches the result.
func (s *frameSection) initialState(c *cie) *cieState {
	st := &c.state
	if st.done {
		return st
	}
	st.done = true
	m := machine{s: s, c: c, cieMode: true}
	if err := m.run(c.initial, c.initBase, nil); err != nil {
		st.err = fmt.Errorf("CIE initial instructions: %w", err)
	}
	st.unsupported, st.regs, st.stack = m.unsupported, m.cur, m.stack
	return st
}

// fdeRows appends the rows of f to out. Rows at or past f.end are dropped;
// an opcode the interpreter cannot follow makes the rest of the range
// CFAUnsupported. The error is for truncated instructions.
func (s *frameSection) fdeRows(f *fde, out []Row) ([]Row, error) {
	st := s.initialState(f.cie)
	if st.err != nil {
		return out, st.err
	}
	if st.unsupported {
		return append(out, Row{PC: f.begin, CFA: CFAUnsupported}), nil
	}
	m := machine{s: s, c: f.cie, cur: st.regs, init: st.regs, loc: f.begin, end: f.end}
	m.stack = append(s.stack[:0], st.stack...) // reuse the previous FDE's stack
	err := m.run(f.instr, f.instrBase, &out)
	s.stack = m.stack
	if err != nil {
		return out, fmt.Errorf("instructions: %w", err)
	}
	if m.loc < m.end {
		out = append(out, m.row(m.loc))
	}
	return out, nil
}

// run interprets instrs (at section offset base). In FDE mode each advance
// appends the row of the location it leaves to *out; it stops early once the
// location reaches the FDE's end or the machine becomes unsupported. Only
// truncated operands are errors.
func (m *machine) run(instrs []byte, base uint64, out *[]Row) error {
	c := m.c
	r := reader{b: instrs, base: base, order: m.s.order}
	da := c.dataAlign
	for r.left() > 0 && !m.unsupported {
		op := r.u8()
		var advance uint64
		isAdvance := false
		switch op & 0xc0 {
		case cfaAdvanceLoc:
			advance, isAdvance = uint64(op&0x3f)*c.codeAlign, true
		case cfaOffset:
			m.set(uint64(op&0x3f), regRule{ruleOffset, int64(r.uleb()) * da})
		case cfaRestore:
			m.restore(uint64(op & 0x3f))
		default:
			switch op {
			case cfaNop:
			case cfaSetLoc:
				var to uint64
				if m.s.eh {
					var err error
					to, err = r.pointer(c.fdeEnc, m.s.ptrSize, m.s.addr, false)
					if err == errTruncated {
						return err
					}
					if err != nil {
						m.unsupported = true
						break
					}
				} else {
					to = r.uint(c.addrSize)
				}
				if r.bad {
					return errTruncated
				}
				if !m.cieMode && to < m.loc {
					m.unsupported = true // DWARF wants set_loc to move forward
					break
				}
				advance, isAdvance = to-m.loc, true
			case cfaAdvanceLoc1:
				advance, isAdvance = uint64(r.u8())*c.codeAlign, true
			case cfaAdvanceLoc2:
				advance, isAdvance = uint64(r.u16())*c.codeAlign, true
			case cfaAdvanceLoc4:
				advance, isAdvance = uint64(r.u32())*c.codeAlign, true
			case cfaOffsetExtended:
				reg := r.uleb()
				m.set(reg, regRule{ruleOffset, int64(r.uleb()) * da})
			case cfaRestoreExtended:
				m.restore(r.uleb())
			case cfaUndefined:
				m.set(r.uleb(), regRule{kind: ruleUndefined})
			case cfaSameValue:
				m.set(r.uleb(), regRule{kind: ruleSame})
			case cfaRegister:
				reg := r.uleb()
				r.uleb()
				m.set(reg, regRule{kind: ruleOther})
			case cfaRememberState:
				if len(m.stack) >= maxStack {
					m.unsupported = true
					break
				}
				m.stack = append(m.stack, m.cur)
			case cfaRestoreState:
				if len(m.stack) == 0 {
					m.unsupported = true
					break
				}
				m.cur = m.stack[len(m.stack)-1]
				m.stack = m.stack[:len(m.stack)-1]
			case cfaDefCFA:
				reg := r.uleb()
				m.cur.cfa = cfaRule{kind: cfaReg, reg: reg, off: int64(r.uleb())}
			case cfaDefCFASF:
				reg := r.uleb()
				m.cur.cfa = cfaRule{kind: cfaReg, reg: reg, off: r.sleb() * da}
			case cfaDefCFARegister:
				reg := r.uleb()
				if m.cur.cfa.kind == cfaReg {
					m.cur.cfa.reg = reg
				} else {
					m.cur.cfa = cfaRule{kind: cfaBad}
				}
			case cfaDefCFAOffset:
				m.defCFAOffset(int64(r.uleb()))
			case cfaDefCFAOffsetSF:
				m.defCFAOffset(r.sleb() * da)
			case cfaDefCFAExpression:
				m.cur.cfa = cfaExpr(r.take(r.uleb()))
			case cfaExpression, cfaValExpression:
				reg := r.uleb()
				r.take(r.uleb())
				m.set(reg, regRule{kind: ruleOther})
			case cfaOffsetExtendedSF:
				reg := r.uleb()
				m.set(reg, regRule{ruleOffset, r.sleb() * da})
			case cfaValOffset:
				reg := r.uleb()
				r.uleb()
				m.set(reg, regRule{kind: ruleOther})
			case cfaValOffsetSF:
				reg := r.uleb()
				r.sleb()
				m.set(reg, regRule{kind: ruleOther})
			case cfaGNUArgsSize:
				r.uleb()
			case cfaGNUNegOffsetExt:
				reg := r.uleb()
				m.set(reg, regRule{ruleOffset, -int64(r.uleb()) * da})
			default:
				m.unsupported = true
			}
		}
		if r.bad {
			return errTruncated
		}
		if !isAdvance || m.cieMode {
			continue
		}
		if m.loc+advance < m.loc {
			m.unsupported = true // wraps around the address space
			break
		}
		if m.loc < m.end {
			*out = append(*out, m.row(m.loc))
		}
		m.loc += advance
		if m.loc >= m.end {
			return nil // the rest of the instructions cannot be reached
		}
	}
	return nil
}

// defCFAOffset changes the offset of a register CFA rule; for any other rule
// the result is not something the unwinder can follow.
func (m *machine) defCFAOffset(off int64) {
	if m.cur.cfa.kind == cfaReg {
		m.cur.cfa.off = off
	} else {
		m.cur.cfa = cfaRule{kind: cfaBad}
	}
}
