package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.PercpuKaddr] = callGen{scalar: genPercpuKaddr}
}

// ksymKey is the instruction metadata key of the kernel variable a
// typed-ksym load names (see KsymName).
type ksymKey struct{}

// pseudoBTFID is BPF_PSEUDO_BTF_ID: a 64-bit immediate load of the
// address of the kernel variable whose BTF ID is the immediate.
const pseudoBTFID = asm.R3

// ksymLoad loads the address of the kernel variable name into dst; the
// loader fills in the variable's BTF ID.
func ksymLoad(dst asm.Register, name string) asm.Instruction {
	ins := asm.LoadImm(dst, 0, asm.DWord)
	ins.Src = pseudoBTFID
	ins.Metadata.Set(ksymKey{}, name)
	return ins.WithSource(asm.Comment("ksym " + name))
}

// KsymName returns the kernel variable an instruction loads the address
// of, or "" when it is not such a load. The loader sets the instruction's
// Constant to the variable's BTF ID in the kernel's BTF.
func KsymName(ins *asm.Instruction) string {
	name, _ := ins.Metadata.Get(ksymKey{}).(string)
	return name
}

// genPercpuKaddr: bpf_this_cpu_ptr or bpf_per_cpu_ptr of the per-CPU
// variable, as bpftrace generates it. The result is NULL for a cpu out of
// range: fields read through it must be behind a NULL check, as bpftrace
// documents.
func genPercpuKaddr(g *gen, call *ast.Call) {
	name := g.inst.StrConsts[call.Args[0]]
	if len(call.Args) == 2 {
		g.intExpr(call.Args[1])
		g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
		g.e.emit(ksymLoad(asm.R1, name))
		g.e.call(asm.FnPerCpuPtr)
		return
	}
	g.e.emit(ksymLoad(asm.R1, name))
	g.e.call(asm.FnThisCpuPtr)
}
