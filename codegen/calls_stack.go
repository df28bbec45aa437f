package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.KstackFn] = callGen{scalar: func(g *gen, _ *ast.Call) { g.kernelStack() }}
	builtinGens[stdlib.Kstack] = builtinGen{scalar: func(g *gen, _ check.Builtin) { g.kernelStack() }}
}

// StackMap is the stack trace map kernel stacks are recorded in; a stack
// value is its id there.
const StackMap = "stacks"

// stackFrames is the depth of the stacks recorded.
const stackFrames = 127

// kernelStack records the current kernel stack with bpf_get_stackid and
// leaves its id in R0 (negative when it could not be recorded).
func (g *gen) kernelStack() {
	g.c.useStacks()
	g.e.emit(asm.Mov.Reg(asm.R1, regCtx))
	g.e.mapPtr(asm.R2, StackMap)
	g.e.emit(asm.Mov.Imm(asm.R3, 0))
	g.e.call(asm.FnGetStackid)
}

// useStacks adds the stack trace map to the object once.
func (c *compiler) useStacks() {
	if c.maps[StackMap] != nil {
		return
	}
	c.addMap(&MapDef{Name: StackMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "stacks", Type: ebpf.StackTrace, KeySize: 4, ValueSize: 8 * stackFrames, MaxEntries: 4096}})
}
