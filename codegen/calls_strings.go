package codegen

import (
	"strings"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// strncmp, strcontains and strstr compare strings with loops unrolled over the
// capacities of their operands (long searches run in a bpf_loop instead:
// strsearch_loop.go). Both arguments constant is folded by the
// checker, so at least one operand is in memory.

func init() {
	callGens[stdlib.Strncmp] = callGen{scalar: genStrncmp}
	callGens[stdlib.Strcontains] = callGen{scalar: genStrcontains}
	callGens[stdlib.Strstr] = callGen{scalar: genStrstr}
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
		s = cString(s)
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

// cString is s up to its first NUL (a string constant as C reads it).
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
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
	if g.searchLoops(call) {
		g.strSearchLoop(call, false)
		return
	}
	m := g.e.mark()
	defer g.e.release(m)
	const notFound, found = 0, 1
	res := g.newOutcome()
	g.strSearch(call, res.label(notFound), func(int) string { return res.label(found) })
	res.finish(notFound)
}

// genStrstr: R0 = the index of the first occurrence of the needle in the
// haystack, or -1.
func genStrstr(g *gen, call *ast.Call) {
	if g.searchLoops(call) {
		g.strSearchLoop(call, true)
		return
	}
	m := g.e.mark()
	defer g.e.release(m)
	notFound, end := g.e.newLabel("ss_none"), g.e.newLabel("ss_end")
	var at []string // at[i]: the needle starts at i
	g.strSearch(call, notFound, func(i int) string {
		for len(at) <= i {
			at = append(at, "")
		}
		if at[i] == "" {
			at[i] = g.e.newLabel("ss_at")
		}
		return at[i]
	})
	g.e.place(notFound)
	g.e.emit(asm.Mov.Imm(asm.R0, -1), asm.Ja.Label(end))
	for i, l := range at {
		if l != "" {
			g.e.place(l)
			g.e.emit(asm.Mov.Imm(asm.R0, int32(i)), asm.Ja.Label(end))
		}
	}
	g.e.place(end)
}

// strSearch searches call's first argument (the haystack) for its second
// (the needle), unrolled over their capacities: it jumps to foundAt(i)
// when the needle starts at index i; when it finds none it jumps to
// notFound or falls through (the caller places notFound right after).
func (g *gen) strSearch(call *ast.Call, notFound string, foundAt func(i int) string) {
	hay := g.strOperand(call.Args[0])
	needle := g.strOperand(call.Args[1])
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
			g.e.emit(asm.JEq.Imm(asm.R1, 0, notFound))
			g.e.emit(asm.JNE.Imm(asm.R1, int32(nb[0]), next))
			for j := 1; j < len(nb); j++ {
				g.loadStrByte(asm.R1, &hay, i+j)
				g.e.emit(asm.JNE.Imm(asm.R1, int32(nb[j]), next))
			}
			g.e.emit(asm.Ja.Label(foundAt(i)))
			g.e.place(next)
		}
		return
	}
	// Both in memory: an empty needle is found at once.
	g.loadStrByte(asm.R2, &needle, 0)
	g.e.emit(asm.JEq.Imm(asm.R2, 0, foundAt(0)))
	for i := 0; i < hay.cap; i++ {
		next := g.e.newLabel("sc_next")
		g.loadStrByte(asm.R1, &hay, i)
		g.e.emit(asm.JEq.Imm(asm.R1, 0, notFound))
		matched := true
		for j := 0; j < needle.cap; j++ {
			if j > 0 {
				g.loadStrByte(asm.R2, &needle, j)
				g.e.emit(asm.JEq.Imm(asm.R2, 0, foundAt(i)))
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
			g.e.emit(asm.Ja.Label(foundAt(i)))
		}
		g.e.place(next)
	}
}
