package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Run-time errors. Some errors can only be seen while a program runs: a
// division whose divisor turns out to be zero. As in bpftrace, the program
// goes on with a defined result and tells user space with an
// EventRuntimeError record, one EventDef per site so the record is just a
// header: the event table says which error it is (EventDef.Error) and
// where in the script (EventDef.Span). The runtime prints it as a warning
// with the source line, or as a runtime_error JSON message.
//
// The record is copied out from the stack with bpf_ringbuf_output (or
// bpf_perf_event_output) rather than reserved in place: the error may
// happen while another record is being built in regRecord (a division in
// a printf argument), and a copy needs no register across the call. With
// the ring buffer, records come out in the order their room was taken,
// so an error found while computing an argument of an event follows that
// event (bpftrace HEAD, which builds arguments before copying, prints the
// error first); with the perf channel the error comes first.
//
// The check costs the normal path a single compare-and-jump; everything
// else is on the error path.

// RuntimeError identifies an error detected by a program at run time.
type RuntimeError uint8

// Run-time errors.
const (
	// RuntimeDivideByZero is a division or modulo by zero; 1 is used as
	// the result.
	RuntimeDivideByZero RuntimeError = iota + 1
	// RuntimeArrayOutOfBounds is an array index, computed at run time,
	// outside the array; the element is read anyway from memory a
	// pointer leads to, and is zero in the program's own memory.
	RuntimeArrayOutOfBounds
	// RuntimeHelperError is a helper that failed (EventDef.Helper, with
	// the error code in the record header): reported with -k only.
	RuntimeHelperError
	// RuntimeDwNoData is a dw_ustack in a process whose unwind tables
	// were not loaded; the frame-pointer stack is recorded instead.
	RuntimeDwNoData
)

// runtimeErrorMsgs holds the message of each run-time error, as bpftrace
// HEAD words it (required_resources.h).
var runtimeErrorMsgs = [...]string{
	RuntimeDivideByZero:     "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.",
	RuntimeArrayOutOfBounds: "Array access out of bounds. This can lead to unexpected results.",
	RuntimeHelperError:      "helper error",
	RuntimeDwNoData:         "No DWARF unwind data available for this process. Use -p or --dwarf-pid to specify target PIDs.",
}

// Message is the warning text of e.
func (e RuntimeError) Message() string {
	if int(e) < len(runtimeErrorMsgs) && runtimeErrorMsgs[e] != "" {
		return runtimeErrorMsgs[e]
	}
	return "unknown runtime error"
}

// divMod computes R0 = R0 op R1 for the binary expression b (op "/" or
// "%"). A constant divisor is never zero (the checker rejects a zero
// one), so only a computed divisor is tested.
func (g *gen) divMod(b *ast.Binary, signed bool) {
	if _, isConst := g.inst.Consts[b.Y]; isConst {
		g.binop(b.Op, signed)
		return
	}
	g.checkedDivMod(b.Op, signed, b.Span())
}

// compoundOp computes R0 = R0 op R1 for the compound assignment
// `target op= value` (value nil for ++ and --). Division and modulo by a
// computed value are checked; the error is located at the operator and
// the value, where bpftrace HEAD places the binary operation it desugars
// the assignment into.
func (g *gen) compoundOp(op string, signed bool, target, value ast.Expr) {
	if op != "/" && op != "%" || value == nil {
		g.binop(op, signed)
		return
	}
	if _, isConst := g.inst.Consts[value]; isConst {
		g.binop(op, signed)
		return
	}
	span := diag.Span{Start: target.Span().End, End: value.Span().End}
	if src := g.c.opts.Source; src != nil {
		for span.Start < span.End && span.Start < len(src.Text) && isLayout(src.Text[span.Start]) {
			span.Start++
		}
	}
	g.checkedDivMod(op, signed, span)
}

// isLayout reports whether c is white space between tokens.
func isLayout(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// checkedDivMod computes R0 = R0 op R1 (op "/" or "%"); when R1 is zero the
// result is 1 and a RuntimeDivideByZero event located at span is sent.
func (g *gen) checkedDivMod(op string, signed bool, span diag.Span) {
	nonZero, done := g.e.newLabel("divok"), g.e.newLabel("divdone")
	g.e.emit(asm.JNE.Imm(asm.R1, 0, nonZero))
	g.runtimeError(RuntimeDivideByZero, span)
	g.e.emit(asm.Mov.Imm(asm.R0, 1), asm.Ja.Label(done))
	g.e.place(nonZero)
	g.binop(op, signed)
	g.e.place(done)
}

// runtimeError sends the EventRuntimeError record of error e at span. It
// clobbers R0-R5 only, so it may run while a record is built in regRecord.
func (g *gen) runtimeError(e RuntimeError, span diag.Span) {
	g.c.obj.Source = g.c.opts.Source
	id := g.c.addEvent(&EventDef{Kind: EventRuntimeError, Error: e, Size: HeaderSize, Span: span})
	m := g.e.mark()
	rec := g.e.slot(HeaderSize)
	g.e.emit(asm.StoreImm(rec.base, rec.off, int64(id), asm.Word))
	g.e.emit(asm.StoreImm(rec.base, rec.off+4, 0, asm.Word))
	g.sendErrorRecord(rec)
	g.e.release(m)
	g.countUnsent()
}

// sendErrorRecord copies the header-only record at rec out to user space;
// countUnsent, after the record's slot is released (so that the error
// path leaves no more stack written than the normal one, which keeps the
// verifier's pruning of loops), counts it as lost when there was no room.
func (g *gen) sendErrorRecord(rec loc) {
	if g.c.opts.Events == PerfChannel {
		g.ctxTo(asm.R1)
		g.e.mapPtr(asm.R2, PerfBufMap)
		g.e.emit(asm.LoadImm(asm.R3, bpfFCurrentCPU, asm.DWord))
		g.e.addr(asm.R4, rec)
		g.e.emit(asm.Mov.Imm(asm.R5, HeaderSize))
		g.e.call(asm.FnPerfEventOutput)
	} else {
		g.e.mapPtr(asm.R1, RingBufMap)
		g.e.addr(asm.R2, rec)
		g.e.emit(asm.Mov.Imm(asm.R3, HeaderSize), asm.Mov.Imm(asm.R4, rbNoWakeup))
		g.e.call(asm.FnRingbufOutput)
	}
}

// countUnsent counts the record just sent as lost when the output helper
// failed (R0 not zero).
func (g *gen) countUnsent() {
	done := g.e.newLabel("rterr")
	g.e.emit(asm.JEq.Imm(asm.R0, 0, done))
	g.countLost(done)
	g.e.place(done)
}

// noteUpdateSite records the statement being compiled as def's update
// site when it comes before the ones seen so far: the runtime locates its
// map-full reports there, as bpftrace HEAD locates a failed
// bpf_map_update_elem at its statement.
func (g *gen) noteUpdateSite(def *MapDef) {
	g.c.obj.Source = g.c.opts.Source
	if s := g.e.span; def.UpdateSite.End == 0 || s.Start < def.UpdateSite.Start {
		def.UpdateSite = s
	}
}
