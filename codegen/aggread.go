package codegen

import (
	"math"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// maxReadCPUs bounds the loop over CPUs that reads an aggregation map's
// value in a probe: the verifier walks every iteration of a bounded loop,
// so the bound is a compile-time constant (the runtime count of possible
// CPUs, SlotNcpus, ends the loop earlier). CPUs with higher ids are not
// counted in such reads; printing the map still combines all of them.
const maxReadCPUs = 1024

// aggReadInt reads the value of an aggregation map in a probe into R0 (0
// when the key is absent), combining the per-CPU slots in the kernel the
// way user space does when printing: count and sum add them up, min and
// max pick the extreme of the slots whose "set" flag is non-zero, avg
// divides the summed totals by the summed counts. Each slot is found with
// bpf_map_lookup_percpu_elem (Linux 5.19) in a loop over CPUs 0 to
// min(ncpus, maxReadCPUs) - 1.
//
// All the state lives in stack slots (R9 may hold an event record being
// built, R7/R8 belong to the enclosing statement), and the loop body is
// small: the verifier explores each iteration.
func (g *gen) aggReadInt(m *ast.MapExpr, def *MapDef, agg *types.Agg) {
	if agg.Kind != types.Count && agg.Kind != types.Sum && agg.Kind != types.Min &&
		agg.Kind != types.Max && agg.Kind != types.Avg {
		panic(&compileError{span: m.Span(), msg: "reading the value of aggregation map " + m.Name + " (" + agg.String() + ") in a probe is not supported"})
	}
	mk := g.e.mark()
	k := g.keyTo(m, def, 0)
	// acc: the sum, total or current extreme; aux: avg's count, or for
	// min/max whether any slot was set; cpu: the next CPU; lim: ncpus.
	acc := stackLoc(g.e.alloc(8))
	aux := stackLoc(g.e.alloc(8))
	cpu := stackLoc(g.e.alloc(8))
	lim := stackLoc(g.e.alloc(8))
	minMax := agg.Kind == types.Min || agg.Kind == types.Max
	if minMax {
		// Start from the identity of the comparison so that the loop
		// needs no "first value" branch.
		g.loadConst(asm.R0, minMaxIdentity(agg))
		g.e.emit(asm.StoreMem(acc.base, acc.off, asm.R0, asm.DWord))
	} else {
		g.e.emit(storeImm64(acc.base, acc.off, 0))
	}
	g.e.emit(storeImm64(aux.base, aux.off, 0))

	loop, next, out := g.e.newLabel("arloop"), g.e.newLabel("arnext"), g.e.newLabel("arout")
	perCPU := def.Spec.Type == ebpf.PerCPUHash || def.Spec.Type == ebpf.LRUCPUHash
	if perCPU {
		g.e.emit(storeImm64(cpu.base, cpu.off, 0))
		g.stateSlot(asm.R0, SlotNcpus)
		g.e.emit(asm.StoreMem(lim.base, lim.off, asm.R0, asm.DWord))
		g.e.place(loop)
		g.e.emit(asm.LoadMem(asm.R3, cpu.base, cpu.off, asm.DWord))
		g.e.emit(asm.JGE.Imm(asm.R3, maxReadCPUs, out))
		g.e.emit(asm.LoadMem(asm.R1, lim.base, lim.off, asm.DWord))
		g.e.emit(asm.JGE.Reg(asm.R3, asm.R1, out))
		g.e.emit(asm.Mov.Reg(asm.R1, asm.R3))
		g.e.emit(asm.Add.Imm(asm.R1, 1))
		g.e.emit(asm.StoreMem(cpu.base, cpu.off, asm.R1, asm.DWord))
		// bpf_map_lookup_percpu_elem(map, key, cpu): cpu is in R3.
		g.e.mapPtr(asm.R1, m.Name)
		g.e.addr(asm.R2, k)
		g.e.call(asm.FnMapLookupPercpuElem)
	} else {
		// A map declared with a shared (not per-CPU) kind holds one slot.
		g.lookup(m.Name, k)
		next = out
	}
	g.e.emit(asm.JEq.Imm(asm.R0, 0, next))
	switch agg.Kind {
	case types.Count, types.Sum:
		g.addTo(acc, 0, &loc{asm.R0, 0})
	case types.Avg:
		g.addTo(acc, 0, &loc{asm.R0, 0})
		g.addTo(aux, 0, &loc{asm.R0, 8})
	default:
		// Skip unset slots; keep acc when it beats (or ties) the slot.
		g.e.emit(asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord))
		g.e.emit(asm.JEq.Imm(asm.R1, 0, next))
		g.e.emit(storeImm64(aux.base, aux.off, 1))
		g.e.emit(asm.LoadMem(asm.R1, acc.base, acc.off, asm.DWord))
		g.e.emit(asm.LoadMem(asm.R2, asm.R0, 0, asm.DWord))
		g.e.emit(minMaxKeep(agg).Reg(asm.R1, asm.R2, next))
		g.e.emit(asm.StoreMem(acc.base, acc.off, asm.R2, asm.DWord))
	}
	if perCPU {
		g.e.place(next)
		g.e.emit(asm.Ja.Label(loop))
	}

	g.e.place(out)
	g.e.emit(asm.LoadMem(asm.R0, acc.base, acc.off, asm.DWord))
	switch {
	case agg.Kind == types.Avg:
		// BPF division by zero yields 0: an absent key or a zero count
		// reads as 0.
		g.e.emit(asm.LoadMem(asm.R1, aux.base, aux.off, asm.DWord))
		g.binop("/", agg.Signed)
	case minMax:
		// No slot set: 0.
		done := g.e.newLabel("ardone")
		g.e.emit(asm.LoadMem(asm.R1, aux.base, aux.off, asm.DWord))
		g.e.emit(asm.JNE.Imm(asm.R1, 0, done))
		g.e.emit(asm.Mov.Imm(asm.R0, 0))
		g.e.place(done)
	}
	g.e.release(mk)
}

// minMaxIdentity is the starting value of a min/max read: every value
// beats or ties it.
func minMaxIdentity(agg *types.Agg) int64 {
	switch {
	case agg.Kind == types.Min && agg.Signed:
		return math.MaxInt64
	case agg.Kind == types.Min:
		return -1 // the largest uint64
	case agg.Signed:
		return math.MinInt64
	default:
		return 0
	}
}

// minMaxKeep is the jump taken when the current extreme (left operand)
// should be kept over a slot's value (right operand).
func minMaxKeep(agg *types.Agg) asm.JumpOp {
	switch {
	case agg.Kind == types.Min && agg.Signed:
		return asm.JSLE
	case agg.Kind == types.Min:
		return asm.JLE
	case agg.Signed:
		return asm.JSGE
	default:
		return asm.JGE
	}
}
