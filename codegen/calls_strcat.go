package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Strcap] = callGen{scalar: genStrcap}
	callGens[stdlib.StrConcat] = callGen{mem: genStrConcat}
}

// genStrcap of a char pointer (strings and arrays are constants): the
// length of the string it points to, read into a temporary of max_strlen
// bytes.
func genStrcap(g *gen, call *ast.Call) {
	n := g.c.info.StrLen
	m := g.e.mark()
	defer g.e.release(m)
	tmp := g.e.slot(n)
	g.intExpr(call.Args[0])
	g.e.emit(asm.Mov.Reg(asm.R3, asm.R0), asm.Mov.Imm(asm.R2, int32(n)))
	g.e.addr(asm.R1, tmp)
	readStr := asm.FnProbeReadKernelStr
	if g.userSpace(call.Args[0]) {
		readStr = asm.FnProbeReadUserStr
	}
	g.e.call(readStr)
	// The helper counts the NUL; an error reads as the empty string.
	ok := g.e.newLabel("strcap_ok")
	g.e.emit(asm.JSGT.Imm(asm.R0, 0, ok), asm.Mov.Imm(asm.R0, 1))
	g.e.place(ok)
	g.e.emit(asm.Sub.Imm(asm.R0, 1))
}

// genStrConcat writes a followed by b at dst (capacity cap(a)+cap(b)-1):
// dst is cleared and a copied, then b is copied after a's end, with one
// unrolled copy for each place a may end (a without a NUL ends at its
// capacity; the last byte of dst stays a NUL).
func genStrConcat(g *gen, call *ast.Call, dst loc, dt types.Type) {
	capacity := dt.(*types.String).Cap
	m := g.e.mark()
	defer g.e.release(m)
	a := g.strOperand(call.Args[0])
	b := g.strOperand(call.Args[1])
	g.e.clearMem(dst, capacity)
	if a.isConst {
		g.constString(string(a.b), dst, len(a.b)+1)
		g.appendStr(dst, len(a.b), &b, capacity)
		return
	}
	g.e.copyMem(dst, a.l, a.cap)
	end := g.e.newLabel("cat_end")
	at := make([]string, a.cap+1)
	for i := range at {
		at[i] = g.e.newLabel("cat_at")
	}
	for i := 0; i < a.cap; i++ {
		g.loadStrByte(asm.R1, &a, i)
		g.e.emit(asm.JEq.Imm(asm.R1, 0, at[i]))
	}
	for i := a.cap; i >= 0; i-- {
		g.e.place(at[i])
		g.appendStr(dst, i, &b, capacity)
		if i > 0 {
			g.e.emit(asm.Ja.Label(end))
		}
	}
	g.e.place(end)
}

// appendStr copies the bytes of b to dst+at, stopping before the last
// byte of dst's capacity (which stays NUL).
func (g *gen) appendStr(dst loc, at int, b *strOperand, capacity int) {
	for j := 0; at+j < capacity-1 && j < b.cap; j++ {
		if v, ok := b.static(j); ok {
			if v == 0 && b.isConst {
				return // dst is cleared: the rest is NULs
			}
			g.e.emit(asm.StoreImm(dst.base, dst.off+int16(at+j), int64(v), asm.Byte))
			continue
		}
		g.loadStrByte(asm.R1, b, j)
		g.e.emit(asm.StoreMem(dst.base, dst.off+int16(at+j), asm.R1, asm.Byte))
	}
}
