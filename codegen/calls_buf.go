package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Buf] = callGen{mem: genBuf}
}

// genBuf reads buf(ptr[, len]) into a Buffer: a uint32 length (len clamped
// to the capacity) followed by the bytes. buf() of a string or an array
// copies the value's bytes with the same helper from where the value is.
func genBuf(g *gen, call *ast.Call, dst loc, dt types.Type) {
	capacity := dt.(*types.Buffer).Cap
	m := g.e.mark()
	ptr := g.e.stack(8)
	user := g.userSpace(call.Args[0])
	if check.BufOfValue(g.typeOf(call.Args[0])) {
		// The value's own bytes, read from where it is.
		src := g.valueLoc(call.Args[0])
		g.e.addr(asm.R0, src)
		user = false
	} else {
		g.intExpr(call.Args[0])
	}
	g.e.emit(asm.StoreMem(ptr.base, ptr.off, asm.R0, asm.DWord))
	if len(call.Args) == 2 {
		g.intExpr(call.Args[1])
		ok, neg := g.e.newLabel("buflen"), g.e.newLabel("bufneg")
		g.e.emit(asm.JSLT.Imm(asm.R0, 0, neg))
		g.e.emit(asm.JLE.Imm(asm.R0, int32(capacity), ok))
		g.e.emit(asm.Mov.Imm(asm.R0, int32(capacity)), asm.Ja.Label(ok))
		g.e.place(neg)
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		g.e.place(ok)
	} else {
		g.e.emit(asm.Mov.Imm(asm.R0, int32(capacity)))
	}
	g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.Word))
	g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
	g.e.addr(asm.R1, dst.plus(4))
	g.e.emit(asm.LoadMem(asm.R3, ptr.base, ptr.off, asm.DWord))
	g.e.call(probeRead(user))
	g.e.release(m)
}
