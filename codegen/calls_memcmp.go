package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Memcmp] = callGen{scalar: genMemcmp}
}

// genMemcmp compares the values' bytes one by one, unrolled over the
// smaller value (or a constant count): R0 is 0 when the first count bytes
// are equal, else the difference of the first differing bytes read as
// signed chars, as bpftrace's __memcmp. A run-time count is kept on the
// stack and ends the comparison when reached.
func genMemcmp(g *gen, call *ast.Call) {
	lt, rt := argType(g.typeOf(call.Args[0])), argType(g.typeOf(call.Args[1]))
	n := min(lt.Size(), rt.Size())
	m := g.e.mark()
	defer g.e.release(m)
	left, right := g.e.slot(lt.Size()), g.e.slot(rt.Size())
	g.valueTo(call.Args[0], left, lt)
	g.valueTo(call.Args[1], right, rt)
	count, isConst := g.inst.Consts[call.Args[2]]
	var cnt loc
	if isConst {
		n = min(n, int(count))
	} else {
		cnt = g.e.stack(8)
		g.intExpr(call.Args[2])
		g.e.emit(asm.StoreMem(cnt.base, cnt.off, asm.R0, asm.DWord))
	}
	equal, differ, end := g.e.newLabel("mc_eq"), g.e.newLabel("mc_diff"), g.e.newLabel("mc_end")
	for i := 0; i < n; i++ {
		if !isConst {
			g.e.emit(asm.LoadMem(asm.R2, cnt.base, cnt.off, asm.DWord))
			g.e.emit(asm.JLE.Imm(asm.R2, int32(i), equal))
		}
		g.e.emit(asm.LoadMem(asm.R0, left.base, left.off+int16(i), asm.Byte))
		g.e.emit(asm.LoadMem(asm.R1, right.base, right.off+int16(i), asm.Byte))
		g.e.emit(asm.JNE.Reg(asm.R0, asm.R1, differ))
	}
	g.e.place(equal)
	g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Ja.Label(end))
	g.e.place(differ)
	g.e.signExtend(asm.R0, 1)
	g.e.signExtend(asm.R1, 1)
	g.e.emit(asm.Sub.Reg(asm.R0, asm.R1))
	g.e.place(end)
}
