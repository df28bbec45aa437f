package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// pid and tid, as builtins and as pid([curr_ns|init])/tid(…), read the ids
// of the current thread as a PID namespace sees them.
func init() {
	callGens[stdlib.PidFn] = callGen{scalar: func(g *gen, call *ast.Call) { g.pidTgid(pidNamespace(g, call), false) }}
	callGens[stdlib.TidFn] = callGen{scalar: func(g *gen, call *ast.Call) { g.pidTgid(pidNamespace(g, call), true) }}
}

// pidNamespace is the namespace a pid() or tid() call names (curr_ns
// without an argument).
func pidNamespace(g *gen, call *ast.Call) check.PidNamespace {
	if len(call.Args) == 1 {
		return check.PidNamespace(g.inst.Consts[call.Args[0]])
	}
	return check.PidCurrNS
}

// pidTgid puts the process id (or, with tid, the thread id) of the current
// thread in R0 as namespace ns sees it. When gobpftrace runs in the
// initial namespace both namespaces are the same, and the ids come from
// bpf_get_current_pid_tgid; otherwise curr_ns reads them with
// bpf_get_ns_current_pid_tgid (Linux 5.7), which gives zeros for a thread
// outside gobpftrace's namespace.
func (g *gen) pidTgid(ns check.PidNamespace, tid bool) {
	pidns := g.c.opts.PidNS
	if ns == check.PidInit || pidns == nil {
		g.e.call(asm.FnGetCurrentPidTgid)
		if tid {
			g.e.emit(asm.Mov.Reg32(asm.R0, asm.R0))
		} else {
			g.e.emit(asm.RSh.Imm(asm.R0, 32))
		}
		return
	}
	m := g.e.mark()
	defer g.e.release(m)
	info := g.e.stack(8) // struct bpf_pidns_info { u32 pid; u32 tgid; }
	g.e.emit(storeImm64(info.base, info.off, 0))
	g.e.emit(asm.LoadImm(asm.R1, int64(pidns.Dev), asm.DWord))
	g.e.emit(asm.LoadImm(asm.R2, int64(pidns.Ino), asm.DWord))
	g.e.addr(asm.R3, info)
	g.e.emit(asm.Mov.Imm(asm.R4, 8))
	g.e.call(asm.FnGetNsCurrentPidTgid)
	off := info.off + 4 // tgid
	if tid {
		off = info.off // pid: the thread's id
	}
	g.e.emit(asm.LoadMem(asm.R0, info.base, off, asm.Word))
}
