package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// builtinGen generates a builtin variable: scalar ones into R0, the others
// (comm) into memory.
type builtinGen struct {
	scalar func(g *gen, b check.Builtin)
	mem    func(g *gen, b check.Builtin, dst loc, dt types.Type)
}

// builtinGens is indexed by VarID; every implemented variable has an entry
// (enforced by a test).
var builtinGens = [stdlib.NumVars]builtinGen{
	stdlib.Pid: {scalar: func(g *gen, _ check.Builtin) {
		g.e.call(asm.FnGetCurrentPidTgid)
		g.e.emit(asm.RSh.Imm(asm.R0, 32))
	}},
	stdlib.Tid: {scalar: func(g *gen, _ check.Builtin) {
		g.e.call(asm.FnGetCurrentPidTgid)
		g.e.emit(asm.Mov.Reg32(asm.R0, asm.R0))
	}},
	stdlib.Uid: {scalar: func(g *gen, _ check.Builtin) {
		g.e.call(asm.FnGetCurrentUidGid)
		g.e.emit(asm.Mov.Reg32(asm.R0, asm.R0))
	}},
	stdlib.Gid: {scalar: func(g *gen, _ check.Builtin) {
		g.e.call(asm.FnGetCurrentUidGid)
		g.e.emit(asm.RSh.Imm(asm.R0, 32))
	}},
	stdlib.CPU:     {scalar: helperScalar(asm.FnGetSmpProcessorId)},
	stdlib.Nsecs:   {scalar: helperScalar(asm.FnKtimeGetBootNs)},
	stdlib.Rand:    {scalar: helperScalar(asm.FnGetPrandomU32)},
	stdlib.Cgroup:  {scalar: helperScalar(asm.FnGetCurrentCgroupId)},
	stdlib.Numaid:  {scalar: helperScalar(asm.FnGetNumaNodeId)},
	stdlib.Jiffies: {scalar: helperScalar(asm.FnJiffies64)},
	stdlib.Elapsed: {scalar: func(g *gen, _ check.Builtin) {
		g.e.call(asm.FnKtimeGetBootNs)
		g.stateSlot(asm.R1, SlotStartNs)
		g.e.emit(asm.Sub.Reg(asm.R0, asm.R1))
	}},
	stdlib.Cpid:  {scalar: func(g *gen, _ check.Builtin) { g.stateSlot(asm.R0, SlotCpid) }},
	stdlib.Ncpus: {scalar: func(g *gen, _ check.Builtin) { g.stateSlot(asm.R0, SlotNcpus) }},
	stdlib.ProbeVar: {scalar: func(g *gen, _ check.Builtin) {
		g.loadConst(asm.R0, int64(g.c.probeID(g.inst.Attach.Name)))
	}},
	stdlib.Comm: {mem: func(g *gen, _ check.Builtin, dst loc, dt types.Type) {
		capacity := dt.(*types.String).Cap
		n := min(capacity, 16)
		if capacity > n {
			g.e.zero(dst.plus(n), capacity-n)
		}
		g.e.addr(asm.R1, dst)
		g.e.emit(asm.Mov.Imm(asm.R2, int32(n)))
		g.e.call(asm.FnGetCurrentComm)
	}},
	stdlib.Args: {scalar: func(g *gen, _ check.Builtin) {
		g.e.emit(asm.Mov.Reg(asm.R0, regCtx))
	}},
}

func helperScalar(fn asm.BuiltinFunc) func(*gen, check.Builtin) {
	return func(g *gen, _ check.Builtin) { g.e.call(fn) }
}

// stateSlot loads a word of the runtime-filled state map into dst with a
// direct map value load (no helper call).
func (g *gen) stateSlot(dst asm.Register, slot StateSlot) {
	g.e.emit(asm.LoadMapValue(asm.R1, 0, 0).WithReference(StateMap))
	g.e.emit(asm.LoadMem(dst, asm.R1, int16(slot)*8, asm.DWord))
}
