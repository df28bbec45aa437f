package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

func init() {
	callGens[stdlib.Tseries] = callGen{agg: genTseries}
}

// Offsets in a tseries slot (see types.Agg).
const (
	tsValue = 0
	tsMeta  = 8
	tsEpoch = 16
)

// genTseries compiles `@m[k] = tseries(n, interval, intervals[, reduce])`
// as bpftrace does: the clock (sw_tai, or the dummy clock map) divided by
// the interval is the epoch, the epoch modulo the number of intervals the
// bucket, which follows the user key in the BPF key. The bucket's per-CPU
// slot holds the value of its latest epoch: a reduction restarts when
// the slot's epoch is an older one, the last value just replaces it (and
// records the time, so that user space can pick the latest CPU's).
func genTseries(g *gen, call *ast.Call, target *ast.MapExpr) {
	def := g.mapDef(target)
	agg := def.Value.(*types.Agg)
	arg, now, epoch := g.e.slot(8), g.e.slot(8), g.e.slot(8)
	g.intExpr(call.Args[0])
	g.e.emit(asm.StoreMem(arg.base, arg.off, asm.R0, asm.DWord))
	g.tseriesClock()
	g.e.emit(asm.StoreMem(now.base, now.off, asm.R0, asm.DWord))
	g.e.emit(asm.LoadImm(asm.R1, agg.Interval, asm.DWord))
	g.e.emit(asm.Div.Reg(asm.R0, asm.R1))
	g.e.emit(asm.StoreMem(epoch.base, epoch.off, asm.R0, asm.DWord))
	key := g.keyTo(target, def, HistKeySize(def.Key)-keySize(def))
	g.e.emit(asm.LoadMem(asm.R0, epoch.base, epoch.off, asm.DWord))
	g.e.emit(asm.LoadImm(asm.R1, agg.Intervals, asm.DWord))
	g.e.emit(asm.Mod.Reg(asm.R0, asm.R1))
	g.e.emit(asm.StoreMem(key.base, key.off+int16(HistKeySize(def.Key)-8), asm.R0, asm.DWord))

	skip := g.e.newLabel("tsskip")
	g.lookupOrInsert(target.Name, key, agg.Size(), skip, func(v loc) {
		g.e.copyMem(v.plus(tsValue), arg, 8)
		switch agg.Reduce {
		case "":
			g.e.copyMem(v.plus(tsMeta), now, 8)
		case "avg", "min", "max":
			g.e.emit(storeImm64(v.base, v.off+tsMeta, 1))
		}
		g.e.copyMem(v.plus(tsEpoch), epoch, 8)
	})
	v := loc{regTmp, 0}
	if agg.Reduce != "" {
		// A slot of an older epoch starts over.
		same := g.e.newLabel("tssame")
		g.e.emit(asm.LoadMem(asm.R1, regTmp, tsEpoch, asm.DWord))
		g.e.emit(asm.LoadMem(asm.R2, epoch.base, epoch.off, asm.DWord))
		g.e.emit(asm.JEq.Reg(asm.R1, asm.R2, same))
		g.e.emit(storeImm64(regTmp, tsValue, 0), storeImm64(regTmp, tsMeta, 0))
		g.e.place(same)
	}
	switch agg.Reduce {
	case "":
		g.e.copyMem(v.plus(tsValue), arg, 8)
		g.e.copyMem(v.plus(tsMeta), now, 8)
	case "sum":
		g.addTo(v, 0, &arg)
	case "avg":
		g.addTo(v, 0, &arg)
		g.addTo(v.plus(tsMeta), 1, nil)
	case "min":
		g.minMax(v, arg, &types.Agg{Kind: types.Min, Signed: agg.Signed})
	case "max":
		g.minMax(v, arg, &types.Agg{Kind: types.Max, Signed: agg.Signed})
	}
	g.e.copyMem(v.plus(tsEpoch), epoch, 8)
	g.e.place(skip)
}

// tseriesClock reads tseries' clock into R0: the dummy clock map when one
// is configured (Options.DummyTSMap, a scalar integer map; 0 until set),
// else sw_tai, as bpftrace.
func (g *gen) tseriesClock() {
	def := g.c.maps[g.c.opts.DummyTSMap]
	if g.c.opts.DummyTSMap == "" || def == nil || def.Key != nil || !types.IsInt(def.Value) || def.Value.Size() != 8 {
		g.swTAI()
		return
	}
	m := g.e.mark()
	k := g.e.slot(8)
	g.e.emit(storeImm64(k.base, k.off, 0))
	g.lookup(g.c.opts.DummyTSMap, k)
	g.e.release(m)
	unset := g.e.newLabel("tsunset")
	done := g.e.newLabel("tsclock")
	g.e.emit(asm.JEq.Imm(asm.R0, 0, unset))
	g.e.emit(asm.LoadMem(asm.R0, asm.R0, 0, asm.DWord))
	g.e.emit(asm.Ja.Label(done))
	g.e.place(unset)
	g.e.emit(asm.Mov.Imm(asm.R0, 0))
	g.e.place(done)
}
