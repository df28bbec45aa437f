package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// genAgg compiles `@m[k] = agg(args)`. The argument is evaluated first into
// a stack slot, the key (plus the bucket index for hist/lhist) next, then
// the per-CPU value is found or inserted and updated in place: per-CPU
// values need no atomic operations.
func genAgg(g *gen, call *ast.Call, target *ast.MapExpr) {
	def := g.mapDef(target)
	agg := def.Value.(*types.Agg)
	arg := g.e.slot(8)
	if len(call.Args) > 0 {
		g.intExpr(call.Args[0])
		g.e.emit(asm.StoreMem(arg.base, arg.off, asm.R0, asm.DWord))
	}
	extra := 0
	isHist := agg.Kind == types.Hist || agg.Kind == types.LHist
	if isHist && !def.Array {
		extra = HistKeySize(def.Key) - keySize(def)
	}
	key := g.keyTo(target, def, extra)
	if isHist {
		// The bucket index follows the user key, or is the whole key of
		// an array-backed scalar histogram.
		keySize := HistKeySize(def.Key) - 8
		size := asm.DWord
		if def.Array {
			keySize, size = 0, asm.Word
		}
		g.e.emit(asm.LoadMem(asm.R0, arg.base, arg.off, asm.DWord))
		if agg.Kind == types.Hist {
			g.histBucket(agg.Bits)
		} else {
			g.lhistBucket(agg)
		}
		g.e.emit(asm.StoreMem(key.base, key.off+int16(keySize), asm.R0, size))
	}
	skip := g.e.newLabel("aggskip")
	if def.Array {
		// Array slots always exist: no insertion path.
		g.lookup(target.Name, key)
		g.e.emit(asm.JEq.Imm(asm.R0, 0, skip))
		g.e.emit(asm.Mov.Reg(regTmp, asm.R0))
	} else {
		g.lookupOrInsert(target.Name, key, agg.Size(), skip, func(v loc) { g.initialAgg(v, arg, agg) })
	}
	v := loc{regTmp, 0}
	switch agg.Kind {
	case types.Count, types.Hist, types.LHist:
		g.addTo(v, 1, nil)
	case types.Sum:
		g.addTo(v, 0, &arg)
	case types.Avg, types.Stats:
		g.addTo(v, 0, &arg)
		g.addTo(v.plus(8), 1, nil)
	case types.Min, types.Max:
		g.minMax(v, arg, agg)
	}
	g.e.place(skip)
}

// initialAgg writes the value an aggregation slot has after its first
// update, so that a new key costs one insertion and no second lookup.
func (g *gen) initialAgg(v, arg loc, agg *types.Agg) {
	switch agg.Kind {
	case types.Count, types.Hist, types.LHist:
		g.e.emit(storeImm64(v.base, v.off, 1))
	case types.Sum:
		g.e.copyMem(v, arg, 8)
	case types.Avg, types.Stats, types.Min, types.Max:
		// total and count, or value and "set" flag.
		g.e.copyMem(v, arg, 8)
		g.e.emit(storeImm64(v.base, v.off+8, 1))
	}
}

// addTo adds the constant n, or the value at arg, to the uint64 at v.
func (g *gen) addTo(v loc, n int32, arg *loc) {
	g.e.emit(asm.LoadMem(asm.R1, v.base, v.off, asm.DWord))
	if arg != nil {
		g.e.emit(asm.LoadMem(asm.R2, arg.base, arg.off, asm.DWord))
		g.e.emit(asm.Add.Reg(asm.R1, asm.R2))
	} else {
		g.e.emit(asm.Add.Imm(asm.R1, n))
	}
	g.e.emit(asm.StoreMem(v.base, v.off, asm.R1, asm.DWord))
}

// minMax stores arg in the slot when it is the first value or beats the
// current one; the second word of the slot is the "set" flag.
func (g *gen) minMax(v, arg loc, agg *types.Agg) {
	store, done := g.e.newLabel("mmstore"), g.e.newLabel("mmdone")
	g.e.emit(asm.LoadMem(asm.R2, arg.base, arg.off, asm.DWord))
	g.e.emit(asm.LoadMem(asm.R1, v.base, v.off+8, asm.DWord))
	g.e.emit(asm.JEq.Imm(asm.R1, 0, store))
	g.e.emit(asm.LoadMem(asm.R1, v.base, v.off, asm.DWord))
	var keep asm.JumpOp // jump to done when the current value wins
	switch {
	case agg.Kind == types.Min && agg.Signed:
		keep = asm.JSLE
	case agg.Kind == types.Min:
		keep = asm.JLE
	case agg.Signed:
		keep = asm.JSGE
	default:
		keep = asm.JGE
	}
	g.e.emit(keep.Reg(asm.R1, asm.R2, done))
	g.e.place(store)
	g.e.emit(asm.StoreMem(v.base, v.off, asm.R2, asm.DWord))
	g.e.emit(storeImm64(v.base, v.off+8, 1))
	g.e.place(done)
}

// histBucket turns the value in R0 into the bucket index of a histogram
// with 2^k buckets per power of two (output.HistIndex is the reference).
func (g *gen) histBucket(k int) {
	if k == 0 {
		g.log2Bucket()
		return
	}
	// 0 for negative values, v + 1 for v < 2^k; otherwise with
	// l = floor(log2(v)) - k and x the k bits after the leading one,
	// ((l + 1) << k) + x + 1.
	neg, small, done := g.e.newLabel("hneg"), g.e.newLabel("hsmall"), g.e.newLabel("hdone")
	mask := int32(1)<<k - 1
	g.e.emit(asm.JSLT.Imm(asm.R0, 0, neg))
	g.e.emit(asm.JLE.Imm(asm.R0, mask, small))
	g.e.emit(asm.Mov.Reg(asm.R3, asm.R0)) // v
	g.log2()                              // R1 = floor(log2(v))
	g.e.emit(asm.Sub.Imm(asm.R1, int32(k)))
	g.e.emit(asm.Mov.Reg(asm.R0, asm.R3))
	g.e.emit(asm.RSh.Reg(asm.R0, asm.R1))
	g.e.emit(asm.And.Imm(asm.R0, mask))
	g.e.emit(asm.Add.Imm(asm.R1, 1))
	g.e.emit(asm.LSh.Imm(asm.R1, int32(k)))
	g.e.emit(asm.Add.Reg(asm.R0, asm.R1))
	g.e.emit(asm.Add.Imm(asm.R0, 1))
	g.e.emit(asm.Ja.Label(done))
	g.e.place(neg)
	g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Ja.Label(done))
	g.e.place(small)
	g.e.emit(asm.Add.Imm(asm.R0, 1))
	g.e.place(done)
}

// log2 sets R1 to floor(log2(R0)) for R0 >= 1 by a branch-light binary
// search; R0 and R2 are clobbered.
func (g *gen) log2() {
	g.e.emit(asm.Mov.Imm(asm.R1, 0))
	for _, shift := range []int32{32, 16, 8, 4, 2, 1} {
		skip := g.e.newLabel("hs")
		g.e.emit(asm.Mov.Reg(asm.R2, asm.R0))
		g.e.emit(asm.RSh.Imm(asm.R2, shift))
		g.e.emit(asm.JEq.Imm(asm.R2, 0, skip))
		g.e.emit(asm.Mov.Reg(asm.R0, asm.R2))
		g.e.emit(asm.Add.Imm(asm.R1, shift))
		g.e.place(skip)
	}
}

// log2Bucket turns the value in R0 into a log2 bucket index in R0:
// 0 for negative values, 1 for 0, and floor(log2(v)) + 2 for v >= 1
// (so [1] is 2, [2, 4) is 3 …).
func (g *gen) log2Bucket() {
	neg, zero, done := g.e.newLabel("hneg"), g.e.newLabel("hzero"), g.e.newLabel("hdone")
	g.e.emit(asm.JSLT.Imm(asm.R0, 0, neg))
	g.e.emit(asm.JEq.Imm(asm.R0, 0, zero))
	g.log2()
	g.e.emit(asm.Mov.Reg(asm.R0, asm.R1))
	g.e.emit(asm.Add.Imm(asm.R0, 2))
	g.e.emit(asm.Ja.Label(done))
	g.e.place(neg)
	g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Ja.Label(done))
	g.e.place(zero)
	g.e.emit(asm.Mov.Imm(asm.R0, 1))
	g.e.place(done)
}

// lhistBucket turns the value in R0 into a linear bucket index: 0 below
// min, 1 + (v - min) / step inside, n + 1 at or above max where
// n = (max - min) / step.
func (g *gen) lhistBucket(agg *types.Agg) {
	n := (agg.Max - agg.Min) / agg.Step
	below, above, done := g.e.newLabel("lbelow"), g.e.newLabel("labove"), g.e.newLabel("ldone")
	g.e.emit(asm.LoadImm(asm.R1, agg.Min, asm.DWord))
	g.e.emit(asm.JSLT.Reg(asm.R0, asm.R1, below))
	g.e.emit(asm.LoadImm(asm.R1, agg.Max, asm.DWord))
	g.e.emit(asm.JSGE.Reg(asm.R0, asm.R1, above))
	g.e.emit(asm.LoadImm(asm.R1, agg.Min, asm.DWord))
	g.e.emit(asm.Sub.Reg(asm.R0, asm.R1))
	g.e.emit(asm.LoadImm(asm.R1, agg.Step, asm.DWord))
	g.e.emit(asm.Div.Reg(asm.R0, asm.R1))
	g.e.emit(asm.Add.Imm(asm.R0, 1))
	g.e.emit(asm.Ja.Label(done))
	g.e.place(below)
	g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Ja.Label(done))
	g.e.place(above)
	g.loadConst(asm.R0, n+1)
	g.e.place(done)
}
