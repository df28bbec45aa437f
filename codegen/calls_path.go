package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Path] = callGen{mem: genPath}
}

// genPath writes path(p[, size]) at dst: the string zeroed, then
// bpf_d_path(p, dst, size). The pointer must reach the helper as the
// kernel typed it: an fentry/fexit/iter argument, or a member's address
// computed from one (probedAddr adds the offset to the loaded pointer,
// which keeps its type). The call instruction carries the call's own
// source comment, so that the verifier's refusal of the helper in a
// function outside its allowlist is reported at the call.
func genPath(g *gen, call *ast.Call, dst loc, dt types.Type) {
	size := dt.(*types.String).Cap
	g.e.zero(dst, size)
	if _, isPtr := g.typeOf(call.Args[0]).(*types.Pointer); isPtr {
		g.intExpr(call.Args[0])
	} else {
		g.probedAddr(call.Args[0])
	}
	g.e.emit(asm.Mov.Reg(asm.R1, asm.R0))
	g.e.addr(asm.R2, dst)
	g.e.emit(asm.Mov.Imm(asm.R3, int32(size)))
	g.e.comment = g.sourceLine(call.Span())
	g.e.call(asm.FnDPath)
}
