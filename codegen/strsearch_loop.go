package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// String search in a bpf_loop.
//
// strcontains() and strstr() are unrolled over every start position of
// the haystack (calls_strings.go), which is the fastest code for short
// strings but grows with the product of the two capacities: a 1 KiB
// haystack (max_strlen's default) times a 16-byte needle is 16 k
// comparisons, past what one call may cost. Above searchLoopWork the
// search runs in a bpf_loop (Linux 5.17) instead, one iteration per start
// position, and the callback compares the needle at its position. The
// verifier checks the callback once, so the program's size and its
// verification cost no longer depend on the haystack's capacity. Without
// bpf_loop the unrolled search is kept up to check.MaxStrcontainsWork and
// a larger one is a compile error that names the helper.
//
// Both strings are placed in the scratch area (copied there unless they
// already live in it), which the callback reaches through R8 from any
// frame: its prologue reloads R8 from frame 0, whose address it gets as
// bpf_loop's context, as the bodies of for loops do (loops.go). The
// callback leaves the index where the needle starts in a scratch slot
// that the caller set to -1.

// maxUnrolledNeedle is the longest needle compared unrolled in the
// callback; a longer one is compared by a nested bpf_loop. Each unrolled
// byte is up to three conditional jumps, and kernels before 6.8 verify a
// callback in the path of its caller, keeping the branches they have yet
// to explore pending across calls: too many jumps there and the program
// is refused ("The sequence of 8193 jumps is too complex").
const maxUnrolledNeedle = 16

// searchLoopWork is the unrolled work (byte comparisons) above which a
// search runs in a bpf_loop when the kernel has it.
const searchLoopWork = 2048

// searchShape is what decides how a search is compiled: the capacities
// of its operands as the unrolled search sees them (a constant string's
// is its length plus the NUL) and whether the needle is constant.
type searchShape struct {
	hayCap, needleCap int
	constNeedle       bool
}

// searchShape returns the shape of the search call.
func (g *gen) searchShape(call *ast.Call) searchShape {
	capOf := func(x ast.Expr) (int, bool) {
		if s, ok := g.inst.StrConsts[x]; ok {
			return len(cString(s)) + 1, true
		}
		return g.typeOf(x).(*types.String).Cap, false
	}
	var s searchShape
	s.hayCap, _ = capOf(call.Args[0])
	s.needleCap, s.constNeedle = capOf(call.Args[1])
	return s
}

// work is the number of byte comparisons of the unrolled search; a
// needle in memory costs twice (its bytes are loaded and tested for NUL).
func (s searchShape) work() int {
	if s.constNeedle {
		return s.hayCap * s.needleCap
	}
	return 2 * s.hayCap * s.needleCap
}

// searchLoops reports whether the search call runs in a bpf_loop; it
// stops the compilation when the search is too large to unroll and the
// kernel lacks bpf_loop.
func (g *gen) searchLoops(call *ast.Call) bool {
	s := g.searchShape(call)
	w := s.work()
	if w <= searchLoopWork {
		return false
	}
	if g.c.haveHelper(asm.FnLoop) {
		return true
	}
	if w <= check.MaxStrcontainsWork {
		return false
	}
	panic(&compileError{span: call.Span(), code: diag.CodeUnsupported,
		msg: fmt.Sprintf("%s() on strings this long (haystack %d bytes, needle %d) needs the helper bpf_loop, which this kernel lacks (Linux 5.17 or later has it): use shorter strings, e.g. str(ptr, len), or a smaller max_strlen",
			call.Name, s.hayCap, s.needleCap)})
}

// hasSearchLoop reports whether the probe's body contains a search that
// runs in a bpf_loop (its callback needs the frame-0 spill slots).
func (g *gen) hasSearchLoop() bool {
	found := false
	ast.Inspect(g.inst.Probe.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.Call)
		if !ok || found {
			return !found
		}
		if id, ok := g.inst.Calls[call]; ok && (id == stdlib.Strstr || id == stdlib.Strcontains) {
			if _, folded := g.inst.Consts[call]; !folded && g.searchLoops(call) {
				found = true
			}
		}
		return true
	})
	return found
}

// inScratch returns the string operand o in the scratch area: in place
// when it is there already, else a copy.
func (g *gen) inScratch(o strOperand) strOperand {
	if !o.isConst && o.l.base == regScratch {
		return o
	}
	l := g.e.scratchSlot(o.cap)
	if o.isConst {
		g.constString(string(o.b), l, o.cap)
	} else {
		g.e.copyMem(l, o.l, o.cap)
	}
	return strOperand{l: l, cap: o.cap}
}

// strSearchLoop compiles strcontains (index false: R0 = 1 when found)
// or strstr (index true: R0 = the index, or -1) as a bpf_loop.
func (g *gen) strSearchLoop(call *ast.Call, index bool) {
	m := g.e.mark()
	defer g.e.release(m)
	hay := g.inScratch(g.strOperand(call.Args[0]))
	needle := g.strOperand(call.Args[1])
	var nb []byte
	positions := hay.cap
	if needle.isConst {
		nb = needle.b // not empty: folded by the checker
		positions = hay.cap - len(nb) + 1
	} else {
		needle = g.inScratch(needle)
	}
	if len(nb) > maxUnrolledNeedle {
		// A long constant needle is compared by the inner loop, from
		// memory.
		needle, nb = g.inScratch(needle), nil
	}
	res := g.e.scratchSlot(8)
	g.e.emit(storeImm64(res.base, res.off, -1))
	done := g.e.newLabel("ss_done")
	if !needle.isConst {
		// An empty needle is found at 0.
		g.e.emit(storeImm64(res.base, res.off, 0))
		g.e.emit(asm.LoadMem(asm.R1, needle.l.base, needle.l.off, asm.Byte))
		g.e.emit(asm.JEq.Imm(asm.R1, 0, done))
		g.e.emit(storeImm64(res.base, res.off, -1))
	}
	if positions > 0 {
		cb := g.subprogram("strstr_cb", g.sourceLine(call.Span()), 2, call.Span(), func() {
			if nb == nil && needle.cap > maxUnrolledNeedle {
				g.searchCallbackNested(call, hay, needle, positions, res)
				return
			}
			g.searchCallback(hay, needle, nb, positions, res)
		})
		g.e.emit(asm.Mov.Imm(asm.R1, int32(positions)))
		g.e.emit(funcRef(asm.R2, cb))
		g.e.emit(asm.Mov.Reg(asm.R3, g.frame0Reg()), asm.Mov.Imm(asm.R4, 0))
		g.e.call(asm.FnLoop)
	}
	g.e.place(done)
	g.e.emit(asm.LoadMem(asm.R0, res.base, res.off, asm.DWord))
	if !index {
		end := g.e.newLabel("ss_bool")
		g.e.emit(asm.Mov.Reg(asm.R1, asm.R0), asm.Mov.Imm(asm.R0, 1))
		g.e.emit(asm.JSGE.Imm(asm.R1, 0, end))
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		g.e.place(end)
	}
}

// searchCallback is the body of the bpf_loop callback (R1 the start
// position, R2 frame 0): it stops the loop at the haystack's NUL, and
// when the needle (nb when constant, else in memory) matches at the
// position it stores the position in res and stops the loop.
func (g *gen) searchCallback(hay, needle strOperand, nb []byte, positions int, res loc) {
	e := g.e
	stop := g.searchEntry(hay, positions)
	next, found := e.newLabel("ss_next"), e.newLabel("ss_found")
	at := func(j int) int16 { return hay.l.off + int16(j) }
	if nb != nil {
		e.emit(asm.JNE.Imm(asm.R4, int32(nb[0]), next))
		for j := 1; j < len(nb); j++ {
			e.emit(asm.LoadMem(asm.R4, asm.R3, at(j), asm.Byte))
			e.emit(asm.JNE.Imm(asm.R4, int32(nb[j]), next))
		}
	} else {
		e.emit(asm.LoadMem(asm.R5, needle.l.base, needle.l.off, asm.Byte))
		e.emit(asm.JNE.Reg(asm.R4, asm.R5, next))
		for j := 1; j < needle.cap; j++ {
			e.emit(asm.LoadMem(asm.R5, needle.l.base, needle.l.off+int16(j), asm.Byte))
			e.emit(asm.JEq.Imm(asm.R5, 0, found))
			if j >= hay.cap {
				// The haystack ends (NUL) where the needle goes on.
				e.emit(asm.Ja.Label(next))
				break
			}
			// Past the haystack's capacity the needle cannot match; the
			// pointer is computed again from the bounded position.
			e.emit(asm.JGT.Imm(asm.R1, int32(hay.cap-1-j), next))
			e.emit(asm.Mov.Reg(asm.R3, regScratch), asm.Add.Reg(asm.R3, asm.R1))
			e.emit(asm.LoadMem(asm.R4, asm.R3, at(j), asm.Byte))
			e.emit(asm.JNE.Reg(asm.R4, asm.R5, next))
		}
	}
	e.place(found)
	e.emit(asm.StoreMem(res.base, res.off, asm.R1, asm.DWord))
	e.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
	returnAt(e, next, 0)
	returnAt(e, stop, 1)
}

// searchCallbackNested is the body of the outer callback for a long
// needle in memory: it stores its position in pos and compares the needle
// there with an inner bpf_loop over the needle's bytes (compareCallback),
// which sets miss when a byte differs.
func (g *gen) searchCallbackNested(call *ast.Call, hay, needle strOperand, positions int, res loc) {
	e := g.e
	stop := g.searchEntry(hay, positions)
	pos, miss := e.scratchSlot(8), e.scratchSlot(8)
	e.emit(asm.StoreMem(pos.base, pos.off, asm.R1, asm.DWord))
	e.emit(storeImm64(miss.base, miss.off, 0))
	inner := g.subprogram("strcmp_cb", g.sourceLine(call.Span()), 2, call.Span(), func() {
		g.compareCallback(hay, needle, pos, miss)
	})
	e.emit(asm.Mov.Imm(asm.R1, int32(needle.cap)))
	e.emit(funcRef(asm.R2, inner))
	e.emit(asm.Mov.Reg(asm.R3, regCtx), asm.Mov.Imm(asm.R4, 0))
	e.call(asm.FnLoop)
	next := e.newLabel("ss_next")
	e.emit(asm.LoadMem(asm.R1, miss.base, miss.off, asm.DWord))
	e.emit(asm.JNE.Imm(asm.R1, 0, next))
	e.emit(asm.LoadMem(asm.R1, pos.base, pos.off, asm.DWord))
	e.emit(asm.StoreMem(res.base, res.off, asm.R1, asm.DWord))
	e.emit(asm.Mov.Imm(asm.R0, 1), asm.Return())
	returnAt(e, next, 0)
	returnAt(e, stop, 1)
}

// searchEntry begins an outer search callback (R1 the start position, R2
// frame 0): it keeps frame 0 in regCtx (for the prologue's R8 reload),
// bounds the position for the verifier, points R3 at it in the haystack
// (R3 + hay.l.off) with its byte in R4, and returns the label that stops
// the loop, where the position is past the last or at the haystack's NUL.
func (g *gen) searchEntry(hay strOperand, positions int) (stop string) {
	e := g.e
	stop = e.newLabel("ss_stop")
	e.emit(asm.Mov.Reg(regCtx, asm.R2))
	e.emit(asm.JGE.Imm(asm.R1, int32(positions), stop))
	e.emit(asm.Mov.Reg(asm.R3, regScratch), asm.Add.Reg(asm.R3, asm.R1))
	e.emit(asm.LoadMem(asm.R4, asm.R3, hay.l.off, asm.Byte))
	e.emit(asm.JEq.Imm(asm.R4, 0, stop))
	return stop
}

// returnAt places label and returns v from the callback there (0: go on
// with the loop, 1: stop it).
func returnAt(e *emitter, label string, v int32) {
	e.place(label)
	e.emit(asm.Mov.Imm(asm.R0, v), asm.Return())
}

// compareCallback is the body of the inner callback (R1 the needle's
// byte index j, R2 frame 0): the needle's NUL ends the comparison (a
// match so far); a haystack byte at pos+j past its capacity or different
// from the needle's sets miss and stops.
func (g *gen) compareCallback(hay, needle strOperand, pos, miss loc) {
	e := g.e
	e.emit(asm.Mov.Reg(regCtx, asm.R2))
	done, differ := e.newLabel("sc_done"), e.newLabel("sc_differ")
	e.emit(asm.JGE.Imm(asm.R1, int32(needle.cap), done))
	e.emit(asm.Mov.Reg(asm.R3, regScratch), asm.Add.Reg(asm.R3, asm.R1))
	e.emit(asm.LoadMem(asm.R5, asm.R3, needle.l.off, asm.Byte))
	e.emit(asm.JEq.Imm(asm.R5, 0, done))
	e.emit(asm.LoadMem(asm.R3, pos.base, pos.off, asm.DWord))
	e.emit(asm.Add.Reg(asm.R3, asm.R1))
	e.emit(asm.JGT.Imm(asm.R3, int32(hay.cap-1), differ))
	e.emit(asm.Add.Reg(asm.R3, regScratch))
	e.emit(asm.LoadMem(asm.R4, asm.R3, hay.l.off, asm.Byte))
	e.emit(asm.JNE.Reg(asm.R4, asm.R5, differ))
	e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	e.place(differ)
	e.emit(storeImm64(miss.base, miss.off, 1))
	returnAt(e, done, 1)
}
