package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// DefaultMaxBPFProgs is the default limit on the BPF programs a script
// generates (bpftrace's max_bpf_progs): a wildcard that expands to
// thousands of programs would take minutes to load and attach.
const DefaultMaxBPFProgs = 1024

// SharesProgram reports whether inst compiles into the same BPF program as
// prev, the instance before it: the expansions of one kprobe, kretprobe,
// uprobe or uretprobe wildcard (uprobes: in one binary, at function
// entries) share their program when the body does not depend on the
// function (same tables, no probe or func builtin).
func SharesProgram(prev, inst *Instance) bool {
	if prev == nil {
		return false
	}
	k := inst.Attach.Kind
	switch {
	case prev.Attach.Kind != k:
		return false
	case k == stdlib.Uprobe || k == stdlib.Uretprobe:
		if inst.Attach.Func == "" || inst.Attach.Offset != 0 || inst.Attach.Binary != prev.Attach.Binary {
			return false
		}
	case k != stdlib.Kprobe && k != stdlib.Kretprobe:
		return false
	}
	if inst.Tables != prev.Tables || inst.Probe != prev.Probe || inst.Attach.Point != prev.Attach.Point {
		return false
	}
	for _, b := range inst.Builtins {
		if b.ID == stdlib.ProbeVar || b.ID == stdlib.FuncVar {
			return false
		}
	}
	return true
}

// countPrograms adds the BPF programs of a probe's instances to the
// script's count and reports, once, the attach point whose expansion
// passes the limit (max_bpf_progs; BPFTRACE_MAX_BPF_PROGS wins over the
// config block, as environment variables do in bpftrace).
func (c *checker) countPrograms(insts []*Instance) {
	limit := c.cfg.MaxBPFProgs
	if limit == 0 {
		limit = c.info.Config.MaxBPFProgs
	}
	if limit == 0 {
		limit = DefaultMaxBPFProgs
	}
	var prev *Instance
	var over, tooMany *ast.AttachPoint
	for _, inst := range insts {
		c.probes++
		if c.probes > c.info.Config.MaxProbes && tooMany == nil && !c.cfg.Listing {
			tooMany = inst.Attach.Point
		}
		if !SharesProgram(prev, inst) {
			c.programs++
		}
		prev = inst
		if c.programs > limit && over == nil {
			over = inst.Attach.Point
		}
	}
	if tooMany != nil && !c.tooManyProbes {
		c.tooManyProbes = true
		d := c.errorf(tooMany, diag.CodeProbe, "Can't attach to more than %d probes: that exceeds the current limit of %d probes", c.info.Config.MaxProbes, c.info.Config.MaxProbes)
		d.Hint("You can increase the limit through the BPFTRACE_MAX_PROBES environment variable or the max_probes config key, but BE CAREFUL since a high number of probes attached can cause your system to crash.")
	}
	if over != nil && !c.tooManyProgs {
		c.tooManyProgs = true
		n := c.programs
		d := c.errorf(over, diag.CodeProbe, "Your program is trying to generate more than %d BPF programs, which exceeds the current limit of %d", n, limit)
		d.Hint("You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable.")
	}
}
