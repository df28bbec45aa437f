package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// exit() ends tracing at once. The runtime stops printing at the exit
// record and detaches the probes, but until they are detached other CPUs
// (or the same probe firing again) would go on changing maps and sending
// records: a script that sums into a map and exits would print a map that
// later firings changed. So exit() also sets a flag in the state map
// (SlotExited), and every program of a script that calls exit() checks it
// first: a direct map value load and a branch. END runs after exit() and
// does not check.

// callsExit reports whether any probe of the script calls exit().
func callsExit(info *check.Info) bool {
	for _, inst := range info.Instances {
		found := false
		ast.Inspect(inst.Probe.Body, func(n ast.Node) bool {
			if call, ok := n.(*ast.Call); ok && inst.Calls[call] == stdlib.Exit {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// exitGuard returns from the program when exit() was called, in scripts
// that call it; END programs go on.
func (g *gen) exitGuard() {
	if !g.c.usesExit || g.inst.Attach.Kind == stdlib.End {
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
