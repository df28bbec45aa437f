package engine

import (
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Kernel stacks in syscalls tracepoints. Until Linux 6.12 the kernel runs
// a BPF program of tracepoint:syscalls:sys_enter_* and sys_exit_* with the
// registers saved when the task entered the kernel (user-mode registers),
// so bpf_get_stackid finds no kernel frame and fails with EFAULT: kstack
// prints as an empty stack. 6.12 passes registers taken in the tracepoint
// itself (commit "bpf: Use fake pt_regs when doing bpf syscall tracepoint
// tracing"). No helper records the kernel stack of such a program any
// other way, so gobpftrace says so once, at the first kstack of each such
// probe, and names the probes that do record it. The kernel is asked only
// when a script uses kstack in a syscalls tracepoint.

// syscallKstackMajor and syscallKstackMinor are the first Linux release
// whose syscalls tracepoints record kernel stacks.
const syscallKstackMajor, syscallKstackMinor = 6, 12

// syscallKstackWarnings returns a warning for each syscalls tracepoint
// probe that uses kstack when the running kernel (release) records no
// kernel stack there. release is called only when such a probe exists.
func syscallKstackWarnings(info *check.Info, release func() string) []*diag.Diagnostic {
	var out []*diag.Diagnostic
	seen := map[any]bool{}
	kernel := ""
	for _, inst := range info.Instances {
		a := inst.Attach
		if a == nil || a.Kind != stdlib.Tracepoint || a.Category != "syscalls" || inst.Tables == nil || seen[inst.Probe] {
			continue
		}
		span, ok := firstKstack(inst.Tables)
		if !ok {
			continue
		}
		seen[inst.Probe] = true
		if kernel == "" {
			// An unknown release gets no warning on a guess.
			kernel = release()
			if kernel == "" || runtime.ReleaseAtLeast(kernel, syscallKstackMajor, syscallKstackMinor) {
				return nil
			}
		}
		out = append(out, &diag.Diagnostic{Span: span, Severity: diag.Warning, Code: diag.CodeProbe,
			Msg: "kstack is empty in syscalls tracepoints before Linux 6.12 (this kernel is " + kernel +
				"): they run with the registers of the syscall's entry from user space; " +
				"tracepoint:raw_syscalls:sys_enter and sys_exit or a kprobe record the kernel stack"})
	}
	return out
}

// firstKstack returns the first kstack (variable or call) in source order
// of one probe instance.
func firstKstack(t *check.Tables) (diag.Span, bool) {
	var first diag.Span
	found := false
	take := func(s diag.Span) {
		if !found || s.Start < first.Start {
			first, found = s, true
		}
	}
	for id, b := range t.Builtins {
		if b.ID == stdlib.Kstack {
			take(id.Span())
		}
	}
	for call, fn := range t.Calls {
		if fn == stdlib.KstackFn {
			take(call.Span())
		}
	}
	return first, found
}
