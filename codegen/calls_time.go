package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.NsecsFn] = callGen{scalar: genNsecs}
}

// genNsecs reads the clock nsecs() names into R0. sw_tai is the boot
// clock plus the offset of TAI the runtime measured (TAIDeltaMap), as
// bpftrace computes it for kernels without bpf_ktime_get_tai_ns.
func genNsecs(g *gen, call *ast.Call) {
	mode := check.ClockBoot
	if len(call.Args) == 1 {
		mode = check.TimestampMode(g.inst.Consts[call.Args[0]])
	}
	switch mode {
	case check.ClockMonotonic:
		g.e.call(asm.FnKtimeGetNs)
	case check.ClockTAI:
		g.e.call(asm.FnKtimeGetTaiNs)
	case check.ClockSwTAI:
		g.swTAI()
	default:
		g.e.call(asm.FnKtimeGetBootNs)
	}
}

// swTAI reads the sw_tai clock into R0: the boot clock plus the offset of
// TAI the runtime measured (TAIDeltaMap). R1 is clobbered.
func (g *gen) swTAI() {
	if g.c.maps[TAIDeltaMap] == nil {
		g.c.addMap(&MapDef{Name: TAIDeltaMap, Internal: true, Spec: &ebpf.MapSpec{
			Name: "tai_delta", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1}})
	}
	g.e.call(asm.FnKtimeGetBootNs)
	g.e.emit(asm.LoadMapValue(asm.R1, 0, 0).WithReference(TAIDeltaMap))
	g.e.emit(asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord))
	g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
}
