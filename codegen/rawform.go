package codegen

import (
	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Tracepoints as raw tracepoints.
//
// A tracepoint probe is a BPF program on a perf event of the event, and
// closing that perf event waits for RCU grace periods (about 50 ms each,
// one after the other: a second or more for a subsystem's wildcard such
// as tracepoint:sched:*). An event defined by the kernel's TRACE_EVENT
// macros fires from the tracepoint of the same name, to which a raw
// tracepoint program attaches through a BPF link that closes at once —
// and runs cheaper, the kernel not building the event's record for it.
// The record is what a raw tracepoint lacks (its arguments are the
// tracepoint's C arguments, not the event's fields), so only probes that
// do not read it take this form (Program.RawForm), unless TracepointsPerf:
// a body without args, common_* fields, ctx or kstack (whose frames would
// differ), on any event but the syscall ones (not tracepoints of their
// own: fused.go). The instructions are those of a tracepoint program, so
// where the event has no tracepoint of its name (a dynamic event: kprobe,
// uprobe or synthetic events) the runtime loads them again as one and
// attaches a perf event as before.

// rawForm reports whether inst, a probe not fused, runs as a raw
// tracepoint program.
func (c *compiler) rawForm(inst *check.Instance) bool {
	a := inst.Attach
	if c.opts.Tracepoints == TracepointsPerf || a.Kind != stdlib.Tracepoint || a.Category == "syscalls" {
		return false
	}
	record, ok := recordUse(inst)
	return ok && !record
}

// asRawForm makes p, a tracepoint probe's program, a raw tracepoint
// program attached to the tracepoint of its event's name.
func asRawForm(p *Program) {
	p.Type = ebpf.RawTracepoint
	p.RawForm = true
}

// TracepointForms counts the object's tracepoint probes by the form they
// take: fused onto the raw_syscalls hooks, raw tracepoints, perf events.
func (o *Object) TracepointForms() (fused, raw, perf int) {
	for _, p := range o.Programs {
		switch {
		case p.Fused != nil:
			fused++
		case p.RawForm:
			raw++
		case p.Kind == stdlib.Tracepoint:
			perf++
		}
	}
	return fused, raw, perf
}
