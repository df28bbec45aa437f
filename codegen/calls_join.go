package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Join] = callGen{stmt: genJoin}
}

// JoinMaxArgs is the number of array elements join() reads, as bpftrace.
const JoinMaxArgs = 16

// genJoin compiles join(argv[, sep]) into an EventJoin record: a uint64
// count of the elements read, then JoinMaxArgs strings of the object's
// string capacity. Elements are read until a NULL pointer.
func genJoin(g *gen, call *ast.Call) {
	sep := " "
	if len(call.Args) == 2 {
		sep = g.inst.StrConsts[call.Args[1]]
	}
	user := g.userSpace(call.Args[0])
	str := &types.String{Cap: g.c.info.StrLen}
	args := []eventArg{{x: call.Args[0], t: types.Uint64}}
	ev := &EventDef{Kind: EventJoin, Format: sep, Span: call.Span()}
	g.emitEventWith(ev, args, false, func(base loc) {
		// base holds argv (the pointer); the strings follow the count.
		argv := g.e.slot(8)
		g.e.copyMem(argv, base, 8)
		g.e.emit(storeImm64(base.base, base.off, 0))
		done := g.e.newLabel("joindone")
		for i := 0; i < JoinMaxArgs; i++ {
			elem := g.e.slot(8)
			g.e.emit(asm.LoadMem(asm.R3, argv.base, argv.off, asm.DWord))
			g.e.emit(asm.Add.Imm(asm.R3, int32(8*i)))
			g.e.addr(asm.R1, elem)
			g.e.emit(asm.Mov.Imm(asm.R2, 8))
			g.e.call(probeRead(user))
			g.e.emit(asm.JNE.Imm(asm.R0, 0, done))
			g.e.emit(asm.LoadMem(asm.R3, elem.base, elem.off, asm.DWord))
			g.e.emit(asm.JEq.Imm(asm.R3, 0, done))
			g.recordAddr(asm.R1, base, 8+i*str.Cap)
			g.e.emit(asm.Mov.Imm(asm.R2, int32(str.Cap)))
			if user {
				g.e.call(asm.FnProbeReadUserStr)
			} else {
				g.e.call(asm.FnProbeReadKernelStr)
			}
			g.e.emit(storeImm64(base.base, base.off, int64(i+1)))
		}
		g.e.place(done)
	}, 8+JoinMaxArgs*str.Cap)
}
