package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// EventChannel selects how programs hand event records to user space
// (Options.Events).
//
// The BPF ring buffer (Linux 5.8) is the default: one ring shared by all
// CPUs, records written in place after bpf_ringbuf_reserve and published
// by bpf_ringbuf_submit, in order. Older kernels only have perf event
// buffers: a ring per CPU that bpf_perf_event_output copies a finished
// record into. With PerfChannel a program therefore builds each record in
// its per-CPU scratch area (or on the stack, when it is small) and copies
// it out. Both channels count a record they cannot take in LostMap, so
// loss accounting is the same; the record layout is the same too, and the
// runtime reads either (runtime.EventReader).
type EventChannel int

const (
	// RingBufChannel sends records through RingBufMap.
	RingBufChannel EventChannel = iota
	// PerfChannel sends records through PerfBufMap.
	PerfChannel
)

// String returns "ringbuf" or "perf".
func (c EventChannel) String() string {
	if c == PerfChannel {
		return "perf"
	}
	return "ringbuf"
}

// PerfBufMap is the perf event array carrying event records with
// PerfChannel (instead of RingBufMap). Its size is left to the loader: one
// entry per possible CPU.
const PerfBufMap = "perfbuf"

// bpfFCurrentCPU is BPF_F_CURRENT_CPU: bpf_perf_event_output writes to the
// buffer of the CPU the program runs on.
const bpfFCurrentCPU = 0xffffffff

// eventsMap is the definition of the map records travel through.
func (c *compiler) eventsMap() *MapDef {
	if c.opts.Events == PerfChannel {
		return &MapDef{Name: PerfBufMap, Internal: true, Spec: &ebpf.MapSpec{
			Name: "perfbuf", Type: ebpf.PerfEventArray, KeySize: 4, ValueSize: 4}}
	}
	return &MapDef{Name: RingBufMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "ringbuf", Type: ebpf.RingBuf, MaxEntries: uint32(c.opts.RingBufSize)}}
}

// reserveRecord points regRecord at room for a record of size bytes, or
// jumps to lost when the ring buffer has none. With PerfChannel the room
// is a slot of the program (it stays allocated until the statement ends)
// and cannot be missing; a slot on the stack is zeroed first, because the
// verifier only lets initialised stack bytes reach a helper.
func (g *gen) reserveRecord(size int, lost string) {
	if g.c.opts.Events == PerfChannel {
		rec := g.e.slot(size)
		if g.e.onStack(rec) {
			g.e.zero(rec, size)
		}
		g.e.addr(regRecord, rec)
		return
	}
	g.e.mapPtr(asm.R1, RingBufMap)
	g.e.emit(asm.Mov.Imm(asm.R2, int32(size)), asm.Mov.Imm(asm.R3, 0))
	g.e.call(asm.FnRingbufReserve)
	g.e.emit(asm.JEq.Imm(asm.R0, 0, lost))
	g.e.emit(asm.Mov.Reg(regRecord, asm.R0))
}

// submitRecord publishes the record at regRecord and jumps to done; with
// PerfChannel a failed copy (the CPU's buffer is full, or no reader has
// opened it) jumps to lost instead.
//
// The ring buffer wakes the reader only when it is a quarter full (or
// when wake is set, for exit); the runtime polls otherwise. A perf buffer
// wakes it by its own watermark, which the runtime sets.
func (g *gen) submitRecord(size int, wake bool, lost, done string) {
	if g.c.opts.Events == PerfChannel {
		g.ctxTo(asm.R1)
		g.e.mapPtr(asm.R2, PerfBufMap)
		g.e.emit(asm.LoadImm(asm.R3, bpfFCurrentCPU, asm.DWord))
		g.e.emit(asm.Mov.Reg(asm.R4, regRecord))
		g.e.emit(asm.Mov.Imm(asm.R5, int32(size)))
		g.e.call(asm.FnPerfEventOutput)
		g.e.emit(asm.JNE.Imm(asm.R0, 0, lost))
		g.e.emit(asm.Ja.Label(done))
		return
	}
	if wake {
		g.e.emit(asm.Mov.Imm(asm.R2, rbForceWakeup))
	} else {
		g.e.mapPtr(asm.R1, RingBufMap)
		g.e.emit(asm.Mov.Imm(asm.R2, rbAvailData))
		g.e.call(asm.FnRingbufQuery)
		submit := g.e.newLabel("submit")
		g.e.emit(asm.Mov.Imm(asm.R2, rbNoWakeup))
		g.e.emit(asm.JLT.Imm(asm.R0, int32(g.c.opts.RingBufSize/4), submit))
		g.e.emit(asm.Mov.Imm(asm.R2, rbForceWakeup))
		g.e.place(submit)
	}
	g.e.emit(asm.Mov.Reg(asm.R1, regRecord))
	g.e.call(asm.FnRingbufSubmit)
	g.e.emit(asm.Ja.Label(done))
}
