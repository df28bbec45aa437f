package main

import (
	"fmt"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Listing kernel function probes (-l kprobe:…, -l fentry:…).
//
// These are the largest listings (tens of thousands of functions), so they
// read the host's function tables directly instead of expanding a program:
// kprobes from available_filter_functions, fentry and fexit from BTF (whose
// prototypes they need anyway, to leave out the functions a trampoline
// cannot take). -lv adds each function's parameters from BTF.

// functionProbe marks the kernel function probes whose -lv listing shows
// the function's parameters from BTF.
var functionProbe = [stdlib.NumProbeKinds]bool{
	stdlib.Kprobe: true, stdlib.Kretprobe: true, stdlib.Fentry: true, stdlib.Fexit: true,
}

// listKernelFuncs lists kprobe:[MODULE:]FUNC or fentry:[MODULE:]FUNC
// patterns (parts, one or two). kprobes without a module are listed by
// name, as they attach by name; fentry names its module (a pattern of one
// part matches every module, as in bpftrace).
func (s *Session) listKernelFuncs(b *strings.Builder, kind stdlib.ProbeKind, parts []string, quiet bool) int {
	module, fn := "", parts[len(parts)-1]
	if len(parts) == 2 {
		module = parts[0]
	}
	prefix := kind.String() + ":"
	if kind == stdlib.Kprobe || kind == stdlib.Kretprobe {
		funcs, err := s.Host().KernelFuncs(module, fn)
		if err != nil {
			return s.listError(err, quiet)
		}
		for i, f := range funcs {
			if !f.Traceable || module == "" && i > 0 && funcs[i-1].Name == f.Name {
				continue
			}
			if module == "" {
				b.WriteString(prefix + f.Name + "\n")
			} else {
				b.WriteString(prefix + f.Module + ":" + f.Name + "\n")
			}
			if s.opts.listVerbose {
				if protos, err := s.Host().KernelFuncProtos(f.Module, f.Name); err == nil && len(protos) > 0 {
					writeParams(b, kind, &protos[0])
				}
			}
		}
		return exitOK
	}
	if module == "" {
		module = "*"
	}
	protos, err := s.Host().KernelFuncProtos(module, fn)
	if err != nil {
		return s.listError(err, quiet)
	}
	for i := range protos {
		b.WriteString(prefix + protos[i].Module + ":" + protos[i].Name + "\n")
		if s.opts.listVerbose {
			writeParams(b, kind, &protos[i])
		}
	}
	return exitOK
}

// listError reports an error of a listing unless quiet.
func (s *Session) listError(err error, quiet bool) int {
	if quiet {
		return exitOK
	}
	fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	return exitRuntime
}

// writeParams writes the -lv listing of a kernel function probe, as
// bpftrace prints it: fentry the parameters by name ("    struct sock *
// sk"), fexit those and "retval", kprobe the parameters as arg0, arg1 …,
// kretprobe the return type as retval ("void" when there is none).
func writeParams(b *strings.Builder, kind stdlib.ProbeKind, p *host.FuncProto) {
	if kind != stdlib.Kretprobe {
		for i, prm := range p.Params {
			name := prm.Name
			if kind == stdlib.Kprobe {
				name = fmt.Sprintf("arg%d", i)
			}
			fmt.Fprintf(b, "    %s %s\n", prm.Decl, name)
		}
	}
	switch {
	case kind == stdlib.Kretprobe && p.Ret == nil:
		b.WriteString("    void\n")
	case (kind == stdlib.Kretprobe || kind == stdlib.Fexit) && p.Ret != nil:
		fmt.Fprintf(b, "    %s retval\n", p.RetDecl)
	}
}

// rawTracepointParams writes the -lv listing of a raw tracepoint: its
// arguments from BTF, without the first parameter of its probe, the
// tracepoint's private data, as bpftrace lists them.
func (s *Session) rawTracepointParams(b *strings.Builder, a *check.Attach) {
	if p, err := s.Host().RawTracepointProto(a.Module, a.Event); err == nil {
		writeParams(b, a.Kind, p)
	}
}
