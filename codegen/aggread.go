package codegen

import (
	"math"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// maxReadCPUs bounds the loop over CPUs that reads an aggregation map's
// value in a probe when Options.NumCPUs does not give the number of
// possible CPUs. CPUs with higher ids are not counted in such reads;
// printing the map still combines all of them.
const maxReadCPUs = 1024

// aggReadInt reads the value of an aggregation map in a probe into R0 (0
// when the key is absent), combining the per-CPU slots in the kernel the
// way user space does when printing: count and sum add them up, min and
// max pick the extreme of the slots whose "set" flag is non-zero, avg
// divides the summed totals by the summed counts. Each slot is found with
// bpf_map_lookup_percpu_elem (Linux 5.19; without it, which
// Options.PercpuLookup tells, the read is an error at the map) in a loop
// over CPUs 0 to n - 1, n = Options.NumCPUs (or maxReadCPUs; the helper
// returns NULL for ids past the kernel's last CPU).
//
// The bound n is an immediate, so the verifier knows the loop's trip
// count and walks it once, straight through: the loop has no exit whose
// condition it cannot decide (an exit on a run-time CPU count made the
// 6.1 verifier explore the rest of the program once per iteration and
// exceed its budget of a million instructions). All the state lives in
// stack slots (R9 may hold an event record being built, R7/R8 belong to
// the enclosing statement); the body is small and branch-free apart from
// the NULL check, about 40 (count, sum), 55 (avg) or 80 (min, max)
// verified instructions per CPU.
func (g *gen) aggReadInt(m *ast.MapExpr, def *MapDef, agg *types.Agg) {
	if agg.Kind != types.Count && agg.Kind != types.Sum && agg.Kind != types.Min &&
		agg.Kind != types.Max && agg.Kind != types.Avg {
		panic(&compileError{span: m.Span(), msg: "reading the value of aggregation map " + m.Name + " (" + agg.String() + ") in a probe is not supported"})
	}
	mk := g.e.mark()
	g.aggReadAt(m, def, agg, g.keyTo(m, def, 0))
	g.e.release(mk)
}

// aggReadAt is aggReadInt with the key already at k (the element of a
// for loop over the map); m names the map and places errors.
func (g *gen) aggReadAt(m *ast.MapExpr, def *MapDef, agg *types.Agg, k loc) {
	mk := g.e.mark()
	// acc: the sum, total or current extreme; aux: avg's count, or for
	// min/max whether any slot was set.
	acc := g.e.slot(8)
	aux := g.e.slot(8)
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
	var cpu loc // the next CPU
	n := int32(maxReadCPUs)
	if perCPU {
		g.c.requirePercpuLookup(m)
		if c := g.c.opts.NumCPUs; c > 0 && c < maxReadCPUs {
			n = int32(c)
		}
		// The CPU number stays on the stack, where the verifier tracks
		// its value precisely; the loop runs at least once (CPU 0 always
		// exists) and tests for more CPUs at the bottom.
		cpu = g.e.stack(8)
		g.e.emit(storeImm64(cpu.base, cpu.off, 0))
		g.e.place(loop)
		g.e.emit(asm.LoadMem(asm.R3, cpu.base, cpu.off, asm.DWord))
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
		g.minMaxSlot(acc, aux, agg)
	}
	if perCPU {
		g.e.place(next)
		g.e.emit(asm.LoadMem(asm.R1, cpu.base, cpu.off, asm.DWord))
		g.e.emit(asm.JLT.Imm(asm.R1, n, loop))
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
		// No slot set (aux 0): 0, without a branch.
		g.e.emit(asm.LoadMem(asm.R1, aux.base, aux.off, asm.DWord))
		g.e.emit(asm.Neg.Imm(asm.R1, 0), asm.And.Reg(asm.R0, asm.R1))
	}
	g.e.release(mk)
}

// requirePercpuLookup stops the compilation with an error at m when the
// kernel lacks bpf_map_lookup_percpu_elem: a probe cannot see the other
// CPUs' slots of a per-CPU map without it.
func (c *compiler) requirePercpuLookup(m *ast.MapExpr) {
	if c.opts.PercpuLookup == nil {
		return
	}
	if c.percpuLookup == nil {
		v := c.opts.PercpuLookup()
		c.percpuLookup = &v
	}
	if !*c.percpuLookup {
		panic(&compileError{span: m.Span(), code: diag.CodeUnsupported,
			msg: "reading the value of aggregation map " + m.Name + " in a probe needs the helper bpf_map_lookup_percpu_elem, which this kernel lacks (Linux 5.19 or later has it)"})
	}
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

// minMaxSlot merges the min/max slot at R0 into acc without branches
// (data-dependent branches in the CPU loop multiply the states the
// verifier explores): with lt = "slot beats acc" computed from the sign
// bit of a borrow (Hacker's Delight 2-12) and s = "slot is set",
// acc ^= (acc ^ v) & -(lt & s) and aux |= s.
func (g *gen) minMaxSlot(acc, aux loc, agg *types.Agg) {
	g.e.emit(asm.LoadMem(asm.R2, asm.R0, 0, asm.DWord))         // v
	g.e.emit(asm.LoadMem(asm.R1, acc.base, acc.off, asm.DWord)) // a
	// R3 = x < y with (x, y) = (v, a) for min, (a, v) for max.
	x, y := asm.R2, asm.R1
	if agg.Kind == types.Max {
		x, y = y, x
	}
	if agg.Signed {
		// (d ^ ((x ^ y) & (d ^ x))) >> 63 with d = x - y.
		g.e.emit(asm.Mov.Reg(asm.R4, x), asm.Sub.Reg(asm.R4, y))
		g.e.emit(asm.Mov.Reg(asm.R3, asm.R4), asm.Xor.Reg(asm.R3, x))
		g.e.emit(asm.Mov.Reg(asm.R5, x), asm.Xor.Reg(asm.R5, y))
		g.e.emit(asm.And.Reg(asm.R3, asm.R5), asm.Xor.Reg(asm.R3, asm.R4))
	} else {
		// ((~x & y) | ((~x | y) & (x - y))) >> 63.
		g.e.emit(asm.Mov.Reg(asm.R3, x), asm.Xor.Imm(asm.R3, -1))
		g.e.emit(asm.Mov.Reg(asm.R4, asm.R3), asm.And.Reg(asm.R4, y))
		g.e.emit(asm.Or.Reg(asm.R3, y))
		g.e.emit(asm.Mov.Reg(asm.R5, x), asm.Sub.Reg(asm.R5, y))
		g.e.emit(asm.And.Reg(asm.R3, asm.R5), asm.Or.Reg(asm.R3, asm.R4))
	}
	g.e.emit(asm.RSh.Imm(asm.R3, 63))
	// R4 = set flag != 0.
	g.e.emit(asm.LoadMem(asm.R4, asm.R0, 8, asm.DWord))
	g.e.emit(asm.Mov.Reg(asm.R5, asm.R4), asm.Neg.Imm(asm.R5, 0))
	g.e.emit(asm.Or.Reg(asm.R4, asm.R5), asm.RSh.Imm(asm.R4, 63))
	g.e.emit(asm.LoadMem(asm.R5, aux.base, aux.off, asm.DWord))
	g.e.emit(asm.Or.Reg(asm.R5, asm.R4))
	g.e.emit(asm.StoreMem(aux.base, aux.off, asm.R5, asm.DWord))
	// acc ^= (acc ^ v) & -(lt & set).
	g.e.emit(asm.And.Reg(asm.R3, asm.R4), asm.Neg.Imm(asm.R3, 0))
	g.e.emit(asm.Xor.Reg(asm.R2, asm.R1), asm.And.Reg(asm.R2, asm.R3))
	g.e.emit(asm.Xor.Reg(asm.R1, asm.R2))
	g.e.emit(asm.StoreMem(acc.base, acc.off, asm.R1, asm.DWord))
}
