package codegen

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/check"
)

// Kprobe and uprobe wildcards share one program.
//
// The expansions of a kprobe, kretprobe, uprobe or uretprobe wildcard
// whose body does not depend on the function (no func, no probe: the
// checker then shares one set of tables among them) compile to the same
// instructions, so they become one program with the further functions in
// Program.MoreFuncs. The runtime attaches it with one kprobe-multi link
// (5.18+) or uprobe-multi link (6.6+) where the kernel has them, and as
// one probe per function otherwise. Loading one program instead of
// hundreds is most of the start-up time of a wide wildcard.

// sharesKprobeProgram reports whether inst compiles to the same program as
// prev, the instance compiled just before it. The rule is the checker's,
// which counts programs against max_bpf_progs with it.
func sharesKprobeProgram(prev, inst *check.Instance) bool {
	return check.SharesProgram(prev, inst)
}

// addKprobeFunc adds inst's function to p, the program of a kprobe or
// uprobe wildcard, which is then named by its pattern.
func addKprobeFunc(p *Program, inst *check.Instance) {
	p.MoreFuncs = append(p.MoreFuncs, inst.Attach.Func)
	p.Probe = inst.Attach.Kind.String() + ":" + strings.Join(inst.Attach.Point.Parts, ":")
}

// AttachPoints is the number of probes the object attaches: one per
// program, plus the further functions of shared kprobe programs, less the
// further places of usdt probes. It is the N of "Attached N probes", which
// counts functions and usdt probes, as bpftrace does.
func (o *Object) AttachPoints() int {
	n := 0
	for _, p := range o.Programs {
		if p.Location == 0 && !p.Internal {
			n += 1 + len(p.MoreFuncs)
		}
	}
	return n
}
