package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	builtinGens[stdlib.Usermode] = builtinGen{scalar: genUsermode}
}

// ptRegsCS is the offset of the code segment register in x86_64's struct
// pt_regs (after r15 … di, orig_ax and ip); perf events' context starts
// with the same registers.
const ptRegsCS = 17 * 8

// genUsermode: 1 when the interrupted code ran in user mode, as bpftrace
// computes it: the privilege level in the low two bits of CS is 3. Probes
// with a register context read it; begin, end and self run in the tracer
// (user mode, as in bpftrace where they are uprobes on the tracer); every other
// probe runs in the kernel.
func genUsermode(g *gen, _ check.Builtin) {
	if g.c.opts.Arch != "amd64" {
		panic(&compileError{span: g.e.span, msg: "'usermode' builtin is only supported on x86_64"})
	}
	kind := g.inst.Attach.Kind
	switch {
	case stdlib.Probes[kind].RunOnce:
		g.e.emit(asm.Mov.Imm(asm.R0, 1))
	case stdlib.Probes[kind].Regs:
		g.e.emit(asm.LoadMem(asm.R0, regCtx, ptRegsCS, asm.DWord))
		g.e.emit(asm.And.Imm(asm.R0, 3))
		g.boolOf(func(t string) { g.e.emit(asm.JEq.Imm(asm.R0, 3, t)) })
	default:
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
	}
}
