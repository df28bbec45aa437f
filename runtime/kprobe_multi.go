//go:build linux

package runtime

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Kprobe wildcards: one program for many functions (codegen's
// Program.MoreFuncs), attached with one kprobe-multi link (fprobe, Linux 5.18+)
// when the kernel has them and every function is one ftrace can attach to
// (available_filter_functions; a kprobe-multi link fails as a whole on any
// other), and with one kprobe per function otherwise. The choice is made
// before the program is loaded, because a kprobe-multi program has its own
// expected attach type; the feature test runs once per process (cilium/ebpf
// caches it) and only for scripts with such wildcards. Session programs
// (codegen.Program.Session: a kprobe and a kretprobe joined, Linux 6.10)
// are always attached with one kprobe-multi link in session mode; codegen
// joins them only when HaveKprobeSession says the link will attach.

// useKprobeMulti reports whether p is loaded and attached as kprobe multi.
func useKprobeMulti(p *codegen.Program) bool {
	if len(p.MoreFuncs) == 0 || p.Target.Offset != 0 || (p.Kind != stdlib.Kprobe && p.Kind != stdlib.Kretprobe) {
		return false
	}
	if features.HaveBPFLinkKprobeMulti() != nil {
		return false
	}
	names := ftraceFuncs()
	if names == nil || !names[p.Target.Func] {
		return false
	}
	for _, f := range p.MoreFuncs {
		if !names[f] {
			return false
		}
	}
	return true
}

// loadAttachType is the expected attach type p is loaded with.
func loadAttachType(p *codegen.Program) ebpf.AttachType {
	if p.Session {
		return p.AttachType
	}
	if useKprobeMulti(p) {
		return ebpf.AttachTraceKprobeMulti
	}
	if useUprobeMulti(p) {
		return ebpf.AttachTraceUprobeMulti
	}
	return p.AttachType
}

// attachKprobes attaches a kprobe wildcard's shared program to all its
// functions.
func attachKprobes(p *LoadedProgram) (_ []attachment, err error) {
	syms := append([]string{p.Target.Func}, p.MoreFuncs...)
	if p.Session {
		l, err := link.KprobeMulti(p.Prog, link.KprobeMultiOptions{Symbols: syms, Session: true})
		if err != nil {
			return nil, fmt.Errorf("kprobe session link: %w", err)
		}
		return []attachment{l}, nil
	}
	if useKprobeMulti(p.Program) {
		opts := link.KprobeMultiOptions{Symbols: syms}
		var l link.Link
		if p.Kind == stdlib.Kretprobe {
			l, err = link.KretprobeMulti(p.Prog, opts)
		} else {
			l, err = link.KprobeMulti(p.Prog, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("kprobe-multi link: %w", err)
		}
		return []attachment{l}, nil
	}
	out := make([]attachment, 0, len(syms))
	defer func() {
		if err != nil {
			for _, a := range out {
				a.Close()
			}
		}
	}()
	for _, fn := range syms {
		l, err := kprobeLink(p, fn)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// HaveKprobeSession reports whether a kprobe session program (Linux 6.10:
// a kprobe-multi link in session mode) can attach to funcs: the kernel has
// session links and every function is one ftrace can attach to. It is
// meant for codegen.Options.KprobeSession, which joins a kprobe and a
// kretprobe on the same functions into one such program; the feature test
// runs once per process (cilium/ebpf caches it).
func HaveKprobeSession(funcs []string) bool {
	liftMemlock()
	if features.HaveBPFLinkKprobeSession() != nil {
		return false
	}
	names := ftraceFuncs()
	if names == nil {
		return false
	}
	for _, f := range funcs {
		if !names[f] {
			return false
		}
	}
	return true
}
