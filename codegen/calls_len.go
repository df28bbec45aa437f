package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Len] = callGen{scalar: genLen}
}

// kfuncMapElemCount sums a map's per-CPU element counters (Linux 6.6).
const kfuncMapElemCount = "bpf_map_sum_elem_count"

// genLen counts the keys of a map with the kernel's element counters, as
// bpftrace does where the kernel has them (Linux 6.6); elsewhere it walks
// the map with bpf_for_each_map_elem (Linux 5.13), whose result is the
// number of elements it visited, with a callback that goes on at every
// one. A map never assigned has none.
func genLen(g *gen, call *ast.Call) {
	if st, ok := g.typeOf(call.Args[0]).(*types.Stack); ok {
		g.stackLen(st)
		return
	}
	m := call.Args[0].(*ast.MapExpr)
	def := g.c.maps[m.Name]
	if def == nil {
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		return
	}
	if def.Array {
		panic(&compileError{span: call.Span(), code: diag.CodeUnsupported, msg: "len() of an array map is not supported"})
	}
	if g.c.haveKfunc(kfuncMapElemCount) {
		g.e.mapPtr(asm.R1, m.Name)
		g.e.emit(kfuncCall(kfuncMapElemCount))
		return
	}
	if !g.c.haveHelper(asm.FnForEachMapElem) {
		panic(&compileError{span: call.Span(), code: diag.CodeUnsupported,
			msg: "len() of a map: this kernel lacks the kernel function " + kfuncMapElemCount + " (Linux 6.6) and the helper bpf_for_each_map_elem (Linux 5.13)"})
	}
	cb := g.subprogram("len_cb", g.sourceLine(call.Span()), 4, call.Span(), func() {
		g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return()) // go on
	})
	g.e.mapPtr(asm.R1, m.Name)
	g.e.emit(funcRef(asm.R2, cb))
	g.e.emit(asm.Mov.Imm(asm.R3, 0), asm.Mov.Imm(asm.R4, 0))
	g.e.call(asm.FnForEachMapElem)
}

// stackLen puts in R0 the number of frames (at most the limit of st) of
// the stack st records here: bpf_get_stack copies them into a buffer and
// returns their size (the checker allows len() only of stacks recorded by
// the same probe run; see checkLen). 0 when the stack cannot be read.
func (g *gen) stackLen(st *types.Stack) {
	m := g.e.mark()
	defer g.e.release(m)
	limit := st.Limit
	if limit <= 0 || limit > stackFrames {
		limit = stackFrames
	}
	buf := g.e.slot(limit * 8)
	var flags int32
	if st.User {
		flags = bpfUserStack
	}
	g.ctxTo(asm.R1)
	g.e.addr(asm.R2, buf)
	g.e.emit(asm.Mov.Imm(asm.R3, int32(limit*8)), asm.Mov.Imm(asm.R4, flags))
	g.e.call(asm.FnGetStack)
	ok := g.e.newLabel("stacklen")
	g.e.emit(asm.JSGE.Imm(asm.R0, 0, ok), asm.Mov.Imm(asm.R0, 0))
	g.e.place(ok)
	g.e.emit(asm.RSh.Imm(asm.R0, 3))
}
