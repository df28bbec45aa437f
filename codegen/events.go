package codegen

import (
	"fmt"
	"math"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Ring buffer flags and query selectors (include/uapi/linux/bpf.h).
const (
	rbNoWakeup    = 1
	rbForceWakeup = 2
	rbAvailData   = 0
)

// maxRecordArg is the largest value one record argument may hold: it must
// be addressable with 16-bit instruction offsets from an 8-byte aligned
// base within 8 bytes of its start.
const maxRecordArg = math.MaxInt16 - 7

// recordAddr puts the address n bytes after l in dst. Unlike l.plus(n)
// it is not limited to 16-bit offsets, for the data records carry after
// their arguments (join's strings).
func (g *gen) recordAddr(dst asm.Register, l loc, n int) {
	g.e.emit(asm.Mov.Reg(dst, l.base), asm.Add.Imm(dst, int32(int(l.off)+n)))
}

// eventArg describes one argument to write into a record.
type eventArg struct {
	x ast.Expr
	t types.Type
}

// argType is the record type of a value: integers travel as 64 bits.
func argType(t types.Type) types.Type {
	switch t := t.(type) {
	case *types.Int:
		if t.Signed {
			return types.Int64
		}
		return types.Uint64
	case *types.Bool:
		return t
	}
	return t
}

// layoutArgs assigns record offsets to args after the header.
func layoutArgs(args []eventArg) ([]Arg, int) {
	out := make([]Arg, len(args))
	off := HeaderSize
	for i, a := range args {
		off = types.AlignUp(off, max(a.t.Align(), 1))
		out[i] = Arg{Type: a.t, Offset: off}
		off += a.t.Size()
	}
	return out, types.AlignUp(off, 8)
}

// emitEvent reserves a record, writes the event index and arguments into it
// and submits it. Without room in the ring buffer the per-CPU lost counter
// is incremented instead.
func (g *gen) emitEvent(ev *EventDef, args []eventArg, wake bool) {
	g.emitEventWith(ev, args, wake, nil, 0)
}

// emitEventWith is emitEvent for records with extra bytes after the
// arguments: fill writes them (base is the first argument's location in
// the record) before the record is submitted.
func (g *gen) emitEventWith(ev *EventDef, args []eventArg, wake bool, fill func(base loc), extra int) {
	var size int
	ev.Args, size = layoutArgs(args)
	size = types.AlignUp(size+extra, 8)
	ev.Size = size
	id := g.c.addEvent(ev)
	lost, done := g.e.newLabel("lost"), g.e.newLabel("evdone")

	m := g.e.mark()
	defer g.e.release(m)
	hoisted := g.hoistStmts(args)
	g.reserveRecord(size, lost)
	g.e.emit(asm.StoreImm(regRecord, 0, int64(id), asm.Word))
	g.e.emit(asm.StoreImm(regRecord, 4, 0, asm.Word))
	// Instruction offsets are 16 bits wide: regRecord moves forward to
	// the arguments of records bigger than that (shift bytes past the
	// record's start) and back before the record is submitted.
	shift := 0
	for i, a := range args {
		off := ev.Args[i].Offset
		if off-shift+a.t.Size() > math.MaxInt16 {
			if a.t.Size() > maxRecordArg {
				panic(&compileError{span: a.x.Span(), msg: fmt.Sprintf("value too large for an event record: %d bytes, more than the %d one argument may take", a.t.Size(), maxRecordArg)})
			}
			next := off &^ 7
			g.e.emit(asm.Add.Imm(regRecord, int32(next-shift)))
			shift = next
		}
		if l, ok := hoisted[i]; ok {
			g.convert(l, a.t, loc{regRecord, int16(off - shift)}, a.t)
			continue
		}
		g.valueTo(a.x, loc{regRecord, int16(off - shift)}, a.t)
	}
	if shift != 0 {
		g.e.emit(asm.Add.Imm(regRecord, int32(-shift)))
	}
	if fill != nil {
		fill(loc{regRecord, int16(ev.Args[0].Offset)})
	}
	g.submitRecord(size, wake, lost, done)

	g.e.place(lost)
	g.countLost(done)
	g.e.place(done)
}

// countLost increments the per-CPU counter of records the event channel
// could not take (LostMap), jumping to done if the counter cannot be
// found; the caller places done right after. It clobbers R0-R5.
func (g *gen) countLost(done string) {
	m := g.e.mark()
	key := g.e.slot(8)
	g.e.emit(asm.StoreImm(key.base, key.off, 0, asm.Word))
	g.lookup(LostMap, key)
	g.e.release(m)
	g.e.emit(asm.JEq.Imm(asm.R0, 0, done))
	g.e.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord))
	g.e.emit(asm.Add.Imm(asm.R1, 1))
	g.e.emit(asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord))
}
