package codegen

import (
	"strings"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// strncmp and strcontains compare strings with loops unrolled over the
// capacities of their operands. Both arguments constant is folded by the
// checker, so at least one operand is in memory.

func init() {
	callGens[stdlib.Strncmp] = callGen{scalar: genStrncmp}
	callGens[stdlib.Strcontains] = callGen{scalar: genStrcontains}
}

// strOperand is a string argument: either constant bytes (the C string,
// without its NUL) or a value in memory of capacity cap. Bytes beyond the
// capacity read as NUL.
type strOperand struct {
	isConst bool
	b       []byte
	l       loc
	cap     int
}

// strOperand materialises the string x (a variable is used in place).
func (g *gen) strOperand(x ast.Expr) strOperand {
	if s, ok := g.inst.StrConsts[x]; ok {
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return strOperand{isConst: true, b: []byte(s), cap: len(s) + 1}
	}
	if v, ok := x.(*ast.Var); ok {
		sym := g.inst.Vars[v]
		if st, ok := sym.Type.(*types.String); ok {
			return strOperand{l: g.vars[sym], cap: st.Cap}
		}
	}
	t := g.typeOf(x)
	l := g.e.slot(t.Size())
	g.valueTo(x, l, t)
	return strOperand{l: l, cap: t.(*types.String).Cap}
}

// static returns the byte at i when it is known at compile time.
func (o *strOperand) static(i int) (byte, bool) {
	if o.isConst {
		if i < len(o.b) {
			return o.b[i], true
		}
		return 0, true
	}
	if i >= o.cap {
		return 0, true
	}
	return 0, false
}

// loadStrByte puts the byte at i (which must not be static) in r.
func (g *gen) loadStrByte(r asm.Register, o *strOperand, i int) {
	g.e.emit(asm.LoadMem(r, o.l.base, o.l.off+int16(i), asm.Byte))
}

// outcome is a two-way result: code jumps to the labels of the outcomes
// it reaches, then finish sets R0.
type outcome struct {
	g      *gen
	labels [2]string // R0 = 0, R0 = 1
	used   [2]bool
}

func (g *gen) newOutcome() *outcome {
	return &outcome{g: g, labels: [2]string{g.e.newLabel("res0"), g.e.newLabel("res1")}}
}

// label returns the label of the outcome v, marking it used.
func (o *outcome) label(v int) string {
	o.used[v] = true
	return o.labels[v]
}

// finish ends the code: the fall-through goes to outcome fall; R0 is set.
func (o *outcome) finish(fall int) {
	e := o.g.e
	other := 1 - fall
	if o.used[fall] {
		e.place(o.labels[fall])
	}
	e.emit(asm.Mov.Imm(asm.R0, int32(fall)))
	if o.used[other] {
		end := e.newLabel("res_end")
		e.emit(asm.Ja.Label(end))
		e.place(o.labels[other])
		e.emit(asm.Mov.Imm(asm.R0, int32(other)))
		e.place(end)
	}
}

// genStrncmp: R0 = 0 when the first n bytes are equal (up to a NUL), else 1.
func genStrncmp(g *gen, call *ast.Call) {
	n := g.inst.Consts[call.Args[2]] // a constant (checked)
	m := g.e.mark()
	defer g.e.release(m)
	a := g.strOperand(call.Args[0])
	b := g.strOperand(call.Args[1])
	limit := int(min(n, int64(max(a.cap, b.cap))))
	res := g.newOutcome()
	const same, differ = 0, 1
	fall := same
loop:
	for i := 0; i < limit; i++ {
		va, sa := a.static(i)
		vb, sb := b.static(i)
		switch {
		case sa && sb:
			if va != vb {
				fall = differ
				break loop
			}
			if va == 0 {
				break loop
			}
		case sa || sb:
			v, dyn := va, &b
			if sb {
				v, dyn = vb, &a
			}
			g.loadStrByte(asm.R1, dyn, i)
			g.e.emit(asm.JNE.Imm(asm.R1, int32(v), res.label(differ)))
			if v == 0 {
				break loop
			}
		default:
			g.loadStrByte(asm.R1, &a, i)
			g.loadStrByte(asm.R2, &b, i)
			g.e.emit(asm.JNE.Reg(asm.R1, asm.R2, res.label(differ)))
			g.e.emit(asm.JEq.Imm(asm.R1, 0, res.label(same)))
		}
	}
	res.finish(fall)
}

// genStrcontains: R0 = 1 when the needle occurs in the haystack, else 0.
func genStrcontains(g *gen, call *ast.Call) {
	m := g.e.mark()
	defer g.e.release(m)
	hay := g.strOperand(call.Args[0])
	needle := g.strOperand(call.Args[1])
	const notFound, found = 0, 1
	res := g.newOutcome()
	if hay.isConst {
		// A constant haystack with a needle in memory: search in a copy.
		l := g.e.slot(hay.cap)
		g.constString(string(hay.b), l, hay.cap)
		hay = strOperand{l: l, cap: hay.cap}
	}
	if needle.isConst {
		nb := needle.b // not empty: folded by the checker
		for i := 0; i+len(nb) <= hay.cap; i++ {
			next := g.e.newLabel("sc_next")
			g.loadStrByte(asm.R1, &hay, i)
			g.e.emit(asm.JEq.Imm(asm.R1, 0, res.label(notFound)))
			g.e.emit(asm.JNE.Imm(asm.R1, int32(nb[0]), next))
			for j := 1; j < len(nb); j++ {
				g.loadStrByte(asm.R1, &hay, i+j)
				g.e.emit(asm.JNE.Imm(asm.R1, int32(nb[j]), next))
			}
			g.e.emit(asm.Ja.Label(res.label(found)))
			g.e.place(next)
		}
		res.finish(notFound)
		return
	}
	// Both in memory: an empty needle is found at once.
	g.loadStrByte(asm.R2, &needle, 0)
	g.e.emit(asm.JEq.Imm(asm.R2, 0, res.label(found)))
	for i := 0; i < hay.cap; i++ {
		next := g.e.newLabel("sc_next")
		g.loadStrByte(asm.R1, &hay, i)
		g.e.emit(asm.JEq.Imm(asm.R1, 0, res.label(notFound)))
		matched := true
		for j := 0; j < needle.cap; j++ {
			if j > 0 {
				g.loadStrByte(asm.R2, &needle, j)
				g.e.emit(asm.JEq.Imm(asm.R2, 0, res.label(found)))
			} else {
				g.loadStrByte(asm.R2, &needle, 0)
			}
			if i+j >= hay.cap {
				// The haystack ends (NUL) where the needle goes on.
				g.e.emit(asm.Ja.Label(next))
				matched = false
				break
			}
			if j > 0 {
				g.loadStrByte(asm.R1, &hay, i+j)
			}
			g.e.emit(asm.JNE.Reg(asm.R1, asm.R2, next))
		}
		if matched {
			// The needle has no NUL within its capacity and all of it
			// matched.
			g.e.emit(asm.Ja.Label(res.label(found)))
		}
		g.e.place(next)
	}
	res.finish(notFound)
}
