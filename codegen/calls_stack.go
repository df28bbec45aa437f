package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.KstackFn] = callGen{scalar: func(g *gen, _ *ast.Call) { g.kernelStack() }}
	builtinGens[stdlib.Kstack] = builtinGen{scalar: func(g *gen, _ check.Builtin) { g.kernelStack() }}
	callGens[stdlib.UstackFn] = callGen{mem: func(g *gen, _ *ast.Call, dst loc, dt types.Type) { g.userStack(dst, dt) }}
	builtinGens[stdlib.Ustack] = builtinGen{mem: func(g *gen, _ check.Builtin, dst loc, dt types.Type) { g.userStack(dst, dt) }}
	callGens[stdlib.Usym] = callGen{mem: genUsym}
}

// bpfUserStack is BPF_F_USER_STACK: bpf_get_stackid records the user
// stack.
const bpfUserStack = 1 << 8

// StackMap is the stack trace map kernel stacks are recorded in; a stack
// value is its id there. User stacks in build_id mode are recorded in
// BuildIDStackMap, whose entries are struct bpf_stack_build_id (a status,
// the 20-byte build id of the file and the offset in it, or the address
// when the build id could not be read).
const (
	StackMap        = "stacks"
	BuildIDStackMap = "stacks_build_id"
)

// BuildIDFrameSize is the size of struct bpf_stack_build_id.
const BuildIDFrameSize = 32

// bpfStackBuildID is BPF_F_STACK_BUILD_ID, the stack map flag of build_id
// stacks.
const bpfStackBuildID = 1 << 5

// stackFrames is the depth of the stacks recorded.
const stackFrames = 127

// kernelStack records the current kernel stack with bpf_get_stackid and
// leaves its id in R0 (negative when it could not be recorded).
func (g *gen) kernelStack() {
	g.c.useStacks()
	g.ctxTo(asm.R1)
	g.e.mapPtr(asm.R2, StackMap)
	g.e.emit(asm.Mov.Imm(asm.R3, 0))
	g.e.call(asm.FnGetStackid)
}

// userStack records the current user stack and writes a ustack value of
// type dt: the stack id (negative when it could not be recorded), then the
// process id its addresses belong to.
func (g *gen) userStack(dst loc, dt types.Type) {
	name := StackMap
	if st, ok := dt.(*types.Stack); ok && st.Mode == types.StackBuildID {
		name = BuildIDStackMap
		g.c.useBuildIDStacks()
	} else {
		g.c.useStacks()
	}
	g.ctxTo(asm.R1)
	g.e.mapPtr(asm.R2, name)
	g.e.emit(asm.Mov.Imm(asm.R3, bpfUserStack))
	g.e.call(asm.FnGetStackid)
	g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.DWord))
	g.storeTgid(dst.plus(8))
}

// genUsym writes a usym value: the address, then the process id.
func genUsym(g *gen, call *ast.Call, dst loc, _ types.Type) {
	g.intExpr(call.Args[0])
	g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.DWord))
	g.storeTgid(dst.plus(8))
}

// storeTgid writes the current process id (the tgid) at dst, as
// gobpftrace's PID namespace sees it: the runtime finds the process's
// mappings in its /proc.
func (g *gen) storeTgid(dst loc) {
	g.pidTgid(check.PidCurrNS, false)
	g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.DWord))
}

// useStacks adds the stack trace map to the object once.
func (c *compiler) useStacks() {
	if c.maps[StackMap] != nil {
		return
	}
	c.addMap(&MapDef{Name: StackMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "stacks", Type: ebpf.StackTrace, KeySize: 4, ValueSize: 8 * stackFrames, MaxEntries: 4096}})
}

// useBuildIDStacks adds the build_id stack trace map to the object once.
func (c *compiler) useBuildIDStacks() {
	if c.maps[BuildIDStackMap] != nil {
		return
	}
	c.addMap(&MapDef{Name: BuildIDStackMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "stacks_bid", Type: ebpf.StackTrace, KeySize: 4, ValueSize: BuildIDFrameSize * stackFrames, MaxEntries: 4096, Flags: bpfStackBuildID}})
}
