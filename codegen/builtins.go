package codegen

import (
	"fmt"

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
	stdlib.Pid: {scalar: func(g *gen, _ check.Builtin) { g.pidTgid(check.PidCurrNS, false) }},
	stdlib.Tid: {scalar: func(g *gen, _ check.Builtin) { g.pidTgid(check.PidCurrNS, true) }},
	stdlib.Uid: {scalar: func(g *gen, _ check.Builtin) {
		g.e.call(asm.FnGetCurrentUidGid)
		g.e.emit(asm.Mov.Reg32(asm.R0, asm.R0))
	}},
	stdlib.Username: {scalar: func(g *gen, _ check.Builtin) {
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
		// The whole buffer is zeroed first: Linux 5.19 to 6.x copy the
		// name with strscpy, which leaves the bytes after its NUL as
		// they were, and comm keys must compare equal.
		capacity := dt.(*types.String).Cap
		n := min(capacity, 16)
		g.e.zero(dst, capacity)
		g.e.addr(asm.R1, dst)
		g.e.emit(asm.Mov.Imm(asm.R2, int32(n)))
		g.e.call(asm.FnGetCurrentComm)
	}},
	stdlib.Args: {scalar: func(g *gen, _ check.Builtin) {
		g.e.emit(asm.Mov.Reg(asm.R0, regCtx))
	}},
	stdlib.Curtask: {scalar: helperScalar(asm.FnGetCurrentTask)},
	stdlib.ArgN: {scalar: func(g *gen, b check.Builtin) {
		if g.inst.Attach.Kind == stdlib.RawTracepoint {
			// struct bpf_raw_tracepoint_args: u64 args[].
			g.e.emit(asm.LoadMem(asm.R0, regCtx, int16(8*b.N), asm.DWord))
			return
		}
		regs := ptRegsOf(g)
		if b.N >= len(regs.args) {
			panic(&compileError{span: g.e.span, msg: fmt.Sprintf("%s doesn't support arg%d (arguments passed on the stack)", g.c.opts.Arch, b.N)})
		}
		g.e.emit(asm.LoadMem(asm.R0, regCtx, regs.args[b.N], asm.DWord))
	}},
	stdlib.Ctx: {scalar: func(g *gen, _ check.Builtin) {
		g.e.emit(asm.Mov.Reg(asm.R0, regCtx))
	}},
	stdlib.Retval: {scalar: func(g *gen, _ check.Builtin) {
		if g.inst.Attach.Kind == stdlib.Fexit {
			g.fexitRetval()
			return
		}
		g.e.emit(asm.LoadMem(asm.R0, regCtx, ptRegsOf(g).ret, asm.DWord))
	}},
}

// ptRegs locates function arguments and the return value in the pt_regs
// context of kprobe-type programs (uprobes), per architecture.
type ptRegs struct {
	args []int16 // offsets of the argument registers
	ret  int16   // offset of the return-value register
}

var ptRegsByArch = map[string]ptRegs{
	// struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di …
	"amd64": {args: []int16{112, 104, 96, 88, 72, 64}, ret: 80},
	// struct user_pt_regs: regs[31] sp pc pstate
	"arm64": {args: []int16{0, 8, 16, 24, 32, 40, 48, 56}, ret: 0},
}

func ptRegsOf(g *gen) ptRegs {
	regs, ok := ptRegsByArch[g.c.opts.Arch]
	if !ok {
		panic(&compileError{span: g.e.span, msg: "function arguments are not supported on " + g.c.opts.Arch})
	}
	return regs
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
