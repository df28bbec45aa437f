package codegen

import (
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Fused syscall tracepoints.
//
// Every syscalls:sys_enter_NAME and sys_exit_NAME tracepoint is its own
// perf event; attaching hundreds is quick, but closing each one waits for
// RCU grace periods under a global mutex in the kernel (about 50 ms each,
// in sequence: 15 s for the 360 of `sys_enter_*`). Both kinds are fired
// from the same two hooks, the raw tracepoints raw_syscalls:sys_enter and
// sys_exit, which give the registers and the system call number (or the
// return value). So many syscall probes are compiled onto those two hooks
// instead: a dispatcher program per hook tail-calls, through a program
// array indexed by the system call number, the probe's program (a raw
// tracepoint program), which rebuilds the tracepoint's record on its
// stack exactly as the kernel builds it — the common header (zeros: the
// common_* fields are not arguments, and a probe reading one is not
// fused), __syscall_nr, then the six argument registers of the x86-64
// system call convention (di, si, dx, r10, r8, r9) as unsigned longs, or
// the return value — and runs the unchanged body with R6 (regCtx)
// pointing at it; the real context, which helpers such as
// perf_event_output and get_stackid take, stays in the ctxSpill slot.
// Several probes on one system call run in script order: the first
// program sits at the system call's slot, each tail-calls the next from
// its exit (slots after the table's numbers). Attaching and detaching
// are two raw tracepoint links and program array updates: milliseconds
// for any number of probes.
//
// The syscall tracepoints ignore 32-bit (ia32) system calls, whose
// numbers differ; raw_syscalls reports them too, so a fused program
// returns when the task's code segment is the 32-bit one (a 64-bit
// process making a 32-bit system call through int $0x80 is not told
// apart: the tracepoint ignores it, a fused probe sees it).
//
// The dispatchers cost every system call on the machine something (a
// program run and a missed tail call; on sys_exit also a read of the
// system call number from the registers), where untraced system calls
// cost the per-syscall tracepoints nothing beyond the slow path any
// syscall tracepoint already imposes; so the form is chosen by the
// number of probes (FuseThreshold, measured: see the README).

// TracepointMode says when syscall tracepoints are fused (Options.Tracepoints).
type TracepointMode int

// Fuse modes.
const (
	// TracepointsAuto fuses the syscall tracepoints of a script that has
	// FuseThreshold of them or more.
	TracepointsAuto TracepointMode = iota
	// TracepointsFused fuses every syscall tracepoint that can be.
	TracepointsFused
	// TracepointsPerf attaches every syscall tracepoint as itself.
	TracepointsPerf
)

// FuseThreshold is the number of fusable syscall tracepoints from which
// TracepointsAuto fuses them.
const FuseThreshold = 16

// Fused describes a probe compiled onto a raw_syscalls hook
// (Program.Fused): the runtime "attaches" it by storing it in the hook's
// program array.
type Fused struct {
	// Hook is the raw tracepoint: "sys_enter" or "sys_exit".
	Hook string
	// Map is the program array the hook's dispatcher tail-calls through.
	Map string
	// Slot is the program's index in Map: its system call's number, or
	// a slot after the table's numbers when it follows another probe on
	// the same system call.
	Slot int
	// Nr is the system call number.
	Nr int
}

// Program arrays of the dispatchers, by hook.
const (
	FusedEnterMap = "fused_enter"
	FusedExitMap  = "fused_exit"
)

// fusedHook is a raw_syscalls hook.
type fusedHook struct {
	// prefix begins the names of the syscall events it fires.
	prefix string
	// name is the raw tracepoint; mapName its dispatcher's program array.
	name, mapName string
	// exit is set for sys_exit, whose record holds the return value
	// instead of the arguments, and whose second argument is that value
	// (the number is in the registers).
	exit bool
}

// fusedHooks are the raw_syscalls hooks.
var fusedHooks = [...]fusedHook{
	{prefix: "sys_enter_", name: "sys_enter", mapName: FusedEnterMap},
	{prefix: "sys_exit_", name: "sys_exit", mapName: FusedExitMap, exit: true},
}

// userCS32 is __USER32_CS, the code segment of 32-bit tasks.
const userCS32 = 0x23

// fusedArgRegs are the system call argument registers of x86-64, in
// argument order (stdlib's register table gives their place in struct
// pt_regs).
var fusedArgRegs = [6]string{"rdi", "rsi", "rdx", "r10", "r8", "r9"}

// ptRegOff is the offset of register name in x86-64's struct pt_regs.
func ptRegOff(name string) int32 {
	off, _, ok := stdlib.RegOffset(name)
	if !ok {
		panic("codegen: no register " + name) // a fixed name of this file
	}
	return int32(off)
}

// fusedProbe is what the code generator knows of a fused instance.
type fusedProbe struct {
	Fused
	hook *fusedHook
	// next is the slot of the next probe on the same system call, -1
	// for none.
	next int
	// record is set when the body reads the tracepoint's record.
	record bool
}

// fusionPlan is the fused form of a script's instances.
type fusionPlan struct {
	probes map[*check.Instance]*fusedProbe
	// size is the number of slots of each hook's program array.
	size map[string]int
}

// planFusion picks the instances to fuse and gives them their slots;
// nil when none is fused. Instances in skip are left alone (their fused
// program did not compile).
func (c *compiler) planFusion(skip map[*check.Instance]bool) *fusionPlan {
	mode := c.opts.Tracepoints
	nsys := stdlib.NumSyscalls(c.opts.Arch)
	if mode == TracepointsPerf || nsys == 0 {
		return nil
	}
	type cand struct {
		inst *check.Instance
		fp   *fusedProbe
	}
	var cands []cand
	for _, inst := range c.info.Instances {
		if skip[inst] {
			continue
		}
		if fp := fusable(inst, c.opts.Arch); fp != nil {
			cands = append(cands, cand{inst, fp})
		}
	}
	if len(cands) == 0 || mode == TracepointsAuto && len(cands) < FuseThreshold {
		return nil
	}
	plan := &fusionPlan{probes: map[*check.Instance]*fusedProbe{}, size: map[string]int{}}
	type call struct {
		hook *fusedHook
		nr   int
	}
	last := map[call]*fusedProbe{} // the last probe of each system call's chain
	for _, cd := range cands {
		fp := cd.fp
		if plan.size[fp.Map] == 0 {
			plan.size[fp.Map] = nsys
		}
		fp.Slot = fp.Nr
		if prev := last[call{fp.hook, fp.Nr}]; prev != nil {
			fp.Slot = plan.size[fp.Map]
			plan.size[fp.Map]++
			prev.next = fp.Slot
		}
		last[call{fp.hook, fp.Nr}] = fp
		plan.probes[cd.inst] = fp
	}
	return plan
}

// fusable returns the fused form of inst, or nil when it must stay a
// tracepoint: not a syscall tracepoint, a system call the table does not
// know, a record laid out otherwise than the fused programs build it, or
// a body that depends on the tracepoint itself (its common_* fields, the
// ctx pointer, a kernel stack, which starts elsewhere).
func fusable(inst *check.Instance, arch string) *fusedProbe {
	a := inst.Attach
	if a.Kind != stdlib.Tracepoint || a.Category != "syscalls" || a.Args == nil {
		return nil
	}
	var fp *fusedProbe
	for i := range fusedHooks {
		h := &fusedHooks[i]
		name, ok := strings.CutPrefix(a.Event, h.prefix)
		if !ok {
			continue
		}
		nr, ok := stdlib.SyscallNumber(arch, name)
		if !ok {
			return nil
		}
		fp = &fusedProbe{Fused: Fused{Hook: h.name, Map: h.mapName, Nr: nr}, hook: h, next: -1}
	}
	if fp == nil || !standardRecord(a.Args, fp.hook.exit) {
		return nil
	}
	record, ok := recordUse(inst)
	if !ok {
		return nil
	}
	fp.record = record
	return fp
}

// recordUse reports whether a tracepoint probe's body reads the
// tracepoint's record (args), and ok false when it depends on the
// tracepoint itself, which a fused or raw tracepoint program cannot
// reproduce: a common_* field, the ctx pointer, a kernel stack (which
// starts elsewhere).
func recordUse(inst *check.Instance) (record, ok bool) {
	for x := range inst.Fields {
		if _, isCtx := inst.Types[x.X].(*types.Ctx); !isCtx {
			continue
		}
		if strings.HasPrefix(inst.Fields[x].Name, "common_") {
			return false, false
		}
		record = true
	}
	ok = true
	ast.Inspect(inst.Probe, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			b, isBuiltin := inst.Builtins[n]
			if !isBuiltin {
				break
			}
			switch b.ID {
			case stdlib.Ctx, stdlib.Kstack:
				ok = false
			case stdlib.Args:
				record = true
			}
		case *ast.Call:
			if inst.Calls[n] == stdlib.KstackFn {
				ok = false
			}
		}
		return ok
	})
	return record, ok
}

// standardRecord reports whether a syscall tracepoint's record is laid
// out as the fused programs build it: the 8-byte common header,
// __syscall_nr at 8, then 8-byte arguments from 16 on (at most six), or
// the 8-byte return value at 16.
func standardRecord(s *types.Struct, exit bool) bool {
	args := 0
	for _, f := range s.Fields {
		switch {
		case strings.HasPrefix(f.Name, "common_"):
			if f.Offset+f.Type.Size() > 8 {
				return false
			}
		case f.Name == "__syscall_nr":
			if f.Offset != 8 || f.Type.Size() != 4 {
				return false
			}
		default:
			if f.Offset != 16+8*args || f.Type.Size() != 8 || f.BitSize != 0 || f.DataLoc {
				return false
			}
			args++
		}
	}
	if exit {
		return args == 1
	}
	return args <= len(fusedArgRegs)
}

// fusedSpill saves the context of a fused program whose body reads the
// record in the ctxSpill slot (unless the loops' prologue did), before
// anything can jump to the exit, whose tail call reads it.
func (g *gen) fusedSpill() {
	if g.fused == nil || !g.fused.record || g.ctxSpill != (loc{}) {
		return
	}
	g.ctxSpill = g.e.stack(8)
	g.e.emit(asm.StoreMem(g.ctxSpill.base, g.ctxSpill.off, regCtx, asm.DWord))
}

// fusedPrologue begins a fused program, once the context is saved in
// regCtx (and in ctxSpill: fusedSpill): it returns at once for a 32-bit
// system call, and when the body reads the record, builds it on the
// stack and points regCtx at it, ctxTo then reading the real context
// from ctxSpill.
func (g *gen) fusedPrologue() {
	fp := g.fused
	if fp == nil {
		return
	}
	e := g.e
	// The registers from the lowest argument register to cs when the
	// record needs the arguments, else cs alone; then the 32-bit check.
	cs := ptRegOff("cs")
	from := cs
	if fp.record && !fp.hook.exit {
		for _, r := range fusedArgRegs {
			from = min(from, ptRegOff(r))
		}
	}
	n := int(cs + 8 - from)
	size := n
	switch {
	case fp.record && !fp.hook.exit:
		size = max(n, 16+8*len(fusedArgRegs))
	case fp.record:
		size = max(n, 24) // header, __syscall_nr, ret
	}
	buf := e.stack(size)
	e.emit(asm.LoadMem(asm.R3, regCtx, 0, asm.DWord)) // struct pt_regs *
	e.emit(asm.Add.Imm(asm.R3, from))
	e.addr(asm.R1, buf)
	e.emit(asm.Mov.Imm(asm.R2, int32(n)))
	e.call(asm.FnProbeReadKernel)
	e.emit(asm.JNE.Imm(asm.R0, 0, "exit"))
	e.emit(asm.LoadMem(asm.R0, buf.base, buf.off+int16(cs-from), asm.DWord))
	e.emit(asm.And.Imm(asm.R0, 0xffff))
	e.emit(asm.JEq.Imm(asm.R0, userCS32, "exit"))
	if !fp.record {
		return
	}
	if !fp.hook.exit {
		// Load the six arguments, then lay the record over the buffer.
		for i, r := range fusedArgRegs {
			e.emit(asm.LoadMem(asm.R0+asm.Register(i), buf.base, buf.off+int16(ptRegOff(r)-from), asm.DWord))
		}
		for i := range fusedArgRegs {
			e.emit(asm.StoreMem(buf.base, buf.off+16+int16(8*i), asm.R0+asm.Register(i), asm.DWord))
		}
	} else {
		e.emit(asm.LoadMem(asm.R0, regCtx, 8, asm.DWord)) // the return value
		e.emit(asm.StoreMem(buf.base, buf.off+16, asm.R0, asm.DWord))
	}
	e.emit(storeImm64(buf.base, buf.off, 0))
	e.emit(storeImm64(buf.base, buf.off+8, int64(fp.Nr)))
	e.addr(regCtx, buf)
	g.recordCtx = true
}

// fusedEpilogue ends a fused program that has a successor on its system
// call: a tail call to it (which does not return when it succeeds).
func (g *gen) fusedEpilogue() {
	fp := g.fused
	if fp == nil || fp.next < 0 {
		return
	}
	g.ctxTo(asm.R1)
	g.e.mapPtr(asm.R2, fp.Map)
	g.e.emit(asm.Mov.Imm(asm.R3, int32(fp.next)))
	g.e.call(asm.FnTailCall)
}

// dispatchers appends the programs of the hooks plan uses and their
// program arrays.
func (c *compiler) dispatchers(plan *fusionPlan) {
	for i := range fusedHooks {
		h := &fusedHooks[i]
		size := plan.size[h.mapName]
		if size == 0 {
			continue
		}
		c.addMap(&MapDef{Name: h.mapName, Internal: true, Spec: &ebpf.MapSpec{
			Name: h.mapName, Type: ebpf.ProgramArray, KeySize: 4, ValueSize: 4, MaxEntries: uint32(size)}})
		p := &Program{
			Name:     "fuse_" + h.name,
			Kind:     stdlib.RawTracepoint,
			Probe:    "tracepoint:raw_syscalls:" + h.name,
			Type:     ebpf.RawTracepoint,
			Target:   Target{Category: "raw_syscalls", Event: h.name},
			Internal: true,
			Insns:    dispatcher(h),
		}
		c.obj.Programs = append(c.obj.Programs, withFuncInfo(p))
	}
}

// dispatcher is the program of a raw_syscalls hook: a tail call to the
// program at the system call's slot (a miss, for a system call no probe
// traces, falls through to return). The sys_enter hook has the number as
// its second argument; sys_exit has the return value there, so its
// number is read from the registers' orig_ax.
func dispatcher(h *fusedHook) asm.Instructions {
	var insns asm.Instructions
	if !h.exit {
		insns = asm.Instructions{asm.LoadMem(asm.R3, asm.R1, 8, asm.DWord)}
	} else {
		insns = asm.Instructions{
			asm.Mov.Reg(asm.R6, asm.R1),
			asm.LoadMem(asm.R3, asm.R1, 0, asm.DWord),
			asm.Add.Imm(asm.R3, ptRegOff("orig_ax")),
			asm.Mov.Reg(asm.R1, asm.R10),
			asm.Add.Imm(asm.R1, -8),
			asm.Mov.Imm(asm.R2, 8),
			asm.FnProbeReadKernel.Call(),
			asm.JNE.Imm(asm.R0, 0, "out"),
			asm.LoadMem(asm.R3, asm.R10, -8, asm.DWord),
			asm.Mov.Reg(asm.R1, asm.R6),
		}
	}
	insns = append(insns,
		asm.LoadMapPtr(asm.R2, 0).WithReference(h.mapName),
		asm.FnTailCall.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
	out, err := layoutJumps(insns, nil)
	if err != nil {
		panic("codegen: laying out the dispatcher: " + err.Error()) // a short, fixed program
	}
	return out
}

// probe returns the fused form of inst, nil when it is not fused.
func (p *fusionPlan) probe(inst *check.Instance) *fusedProbe {
	if p == nil {
		return nil
	}
	return p.probes[inst]
}

// DropUnusedDispatchers removes the dispatchers whose program array no
// fused program uses any more (after probes were filtered out).
func (o *Object) DropUnusedDispatchers() {
	used := map[string]bool{}
	for _, p := range o.Programs {
		if p.Fused != nil {
			used[p.Fused.Map] = true
		}
	}
	kept := o.Programs[:0]
	for _, p := range o.Programs {
		if p.Internal && !used[dispatcherMap(p)] {
			continue
		}
		kept = append(kept, p)
	}
	o.Programs = kept
}

// dispatcherMap is the program array of a dispatcher program.
func dispatcherMap(p *Program) string {
	for _, h := range fusedHooks {
		if p.Target.Event == h.name {
			return h.mapName
		}
	}
	return ""
}
