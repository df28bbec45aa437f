package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// exit() ends tracing at once. The runtime stops printing at the exit
// record and detaches the probes, but until they are detached other CPUs
// (or the same probe firing again) would go on changing maps and sending
// records: a script that sums into a map and exits would print a map that
// later firings changed. So exit() also sets a flag in the state map
// (SlotExited), and every program checks it first: a direct map value
// load and a branch, about a nanosecond. The runtime sets the same flag
// when tracing ends for any other reason (a signal, the end of the -c
// command): the probes stop at once, END runs and the maps are printed,
// and only then are the probes detached, which takes seconds with
// hundreds of tracepoints (the kernel waits for RCU grace periods), and
// which disabling their perf events cannot replace (a tracepoint runs
// its BPF programs whether its perf events are enabled or not). END runs
// after the flag is set and does not check it.

// exitGuard returns from the program when tracing has ended (exit() or
// the runtime set the flag); END programs go on.
func (g *gen) exitGuard() {
	if g.inst.Attach.Kind == stdlib.End {
		return
	}
	g.stateSlot(asm.R0, SlotExited)
	g.e.emit(asm.JNE.Imm(asm.R0, 0, "exit"))
}

// pidFilter begins a program of a kind that fires for every process
// (stdlib.ProbeDef.PidFilter) with a check of the -p process: as
// bpftrace's pid filter, any other process leaves at once. The pid is
// read as the pid builtin reads it (in gobpftrace's PID namespace), which
// is how -p names the process.
func (g *gen) pidFilter() {
	pid := g.c.info.Pid
	if pid == 0 || !stdlib.Probes[g.inst.Attach.Kind].PidFilter {
		return
	}
	g.pidTgid(check.PidCurrNS, false)
	g.e.emit(asm.JNE.Imm(asm.R0, int32(pid), "exit"))
}
