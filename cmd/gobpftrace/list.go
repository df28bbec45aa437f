package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// List prints the probes matching pattern (-l), with their arguments when
// -lv was given: tracepoints from tracefs, function probes (kprobe,
// fentry, uprobe, usdt, rawtracepoint) by expanding the pattern as an
// attach point, and kernel types from BTF. BEGIN, END, interval and profile need
// no listing.
func (s *Session) List(pattern string) int {
	if err := runtime.CheckPrivileges(); err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	if s.opts.program != "" {
		return s.listProgram("stdin", s.opts.program)
	}
	for _, kw := range []string{"struct ", "union ", "enum "} {
		if strings.HasPrefix(pattern, kw) {
			return s.listType(pattern)
		}
	}
	if strings.HasSuffix(pattern, ".bt") {
		if b, err := os.ReadFile(pattern); err == nil {
			return s.listProgram(pattern, string(b))
		}
		fmt.Fprintf(s.Stderr, "WARNING: It appears that '%s' is a filename but the file does not exist. Treating '%s' as a search pattern.\n", pattern, pattern)
	}
	tpPattern := "*:*"
	if pattern != "" {
		provider, rest, found := strings.Cut(pattern, ":")
		switch {
		case !found:
			tpPattern = "*:" + pattern
		case provider == "tracepoint" || provider == "t":
			tpPattern = rest
		case strings.ContainsAny(provider, "*?"):
			tpPattern = rest
		default:
			if text, ok := listingProgram(provider, rest); ok {
				return s.listProgram("stdin", text)
			}
			fmt.Fprintf(s.Stderr, "ERROR: listing %s probes is not supported yet\n", provider)
			return exitUsage
		}
		if !strings.Contains(tpPattern, ":") {
			tpPattern += ":*"
		}
	}
	list, err := s.Host().ListTracepoints(tpPattern, s.opts.listVerbose)
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitRuntime
	}
	var b strings.Builder
	for _, tp := range list {
		b.WriteString("tracepoint:")
		b.WriteString(tp.Name)
		b.WriteByte('\n')
		for _, f := range tp.Fields {
			b.WriteString("    ")
			b.WriteString(f)
			b.WriteByte('\n')
		}
	}
	fmt.Fprint(s.Stdout, b.String())
	return exitOK
}

// listingProgram turns -l PROVIDER:REST into a program whose attach point
// expands to the probes to list, for the providers marked Listed.
func listingProgram(provider, rest string) (string, bool) {
	kind, ok := stdlib.LookupProbe(provider)
	if !ok || !stdlib.Probes[kind].Listed {
		return "", false
	}
	parts := strings.Split(rest, ":")
	for len(parts) < stdlib.Probes[kind].MinParts {
		parts = append(parts, "*")
	}
	return `config = { missing_probes = "ignore" } ` + provider + ":" + strings.Join(parts, ":") + " {}", true
}

// listProgram prints the probes a program attaches to, with wildcards
// expanded (-l -e 'program' or -l script.bt), and their arguments for -lv.
func (s *Session) listProgram(name, text string) int {
	debug := s.opts.debug
	s.opts.debug = nil
	c := s.frontEnd(name, text)
	s.opts.debug = debug
	if c == nil {
		return exitScript
	}
	var b strings.Builder
	for _, inst := range c.info.Instances {
		b.WriteString(inst.Attach.Name)
		b.WriteByte('\n')
		if s.opts.listVerbose && functionProbe[inst.Attach.Kind] {
			b.WriteString(s.functionParams(inst.Attach))
			continue
		}
		if s.opts.listVerbose && inst.Attach.Args != nil {
			// The C declarations, as -lv prints them for a pattern.
			list, err := s.Host().ListTracepoints(inst.Attach.Category+":"+inst.Attach.Event, true)
			if err == nil && len(list) == 1 {
				for _, f := range list[0].Fields {
					b.WriteString("    " + f + "\n")
				}
			}
		}
	}
	fmt.Fprint(s.Stdout, b.String())
	return exitOK
}

// functionProbe marks the kernel function probes whose -lv listing shows
// the function's parameters from BTF.
var functionProbe = [stdlib.NumProbeKinds]bool{
	stdlib.Kprobe: true, stdlib.Kretprobe: true, stdlib.Fentry: true, stdlib.Fexit: true,
}

// functionParams is the -lv listing of a kernel function probe, as
// bpftrace prints it: fentry the parameters by name ("    struct sock *
// sk"), fexit those and "retval", kprobe the parameters as arg0, arg1 …,
// kretprobe the return type as retval ("void" when there is none).
// Functions without BTF list nothing.
func (s *Session) functionParams(a *check.Attach) string {
	module := a.Module
	if module == "" {
		module = "vmlinux"
	}
	protos, err := s.Host().KernelFuncProtos(module, a.Func)
	if err != nil || len(protos) == 0 {
		return ""
	}
	p := protos[0]
	var b strings.Builder
	if a.Kind != stdlib.Kretprobe {
		for i, prm := range p.Params {
			name := prm.Name
			if a.Kind == stdlib.Kprobe {
				name = fmt.Sprintf("arg%d", i)
			}
			fmt.Fprintf(&b, "    %s %s\n", prm.Decl, name)
		}
	}
	switch {
	case a.Kind == stdlib.Kretprobe && p.Ret == nil:
		b.WriteString("    void\n")
	case (a.Kind == stdlib.Kretprobe || a.Kind == stdlib.Fexit) && p.Ret != nil:
		fmt.Fprintf(&b, "    %s retval\n", p.RetDecl)
	}
	return b.String()
}

// listType prints a kernel type from BTF (-l 'struct sock'): its members
// with their offsets, or an enum's enumerators.
func (s *Session) listType(name string) int {
	t, err := s.Host().KernelType(name)
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	var b strings.Builder
	switch t := t.(type) {
	case *types.Struct:
		fmt.Fprintf(&b, "%s %s {\n", t.Kind, t.Name)
		for _, f := range t.Fields {
			if f.BitSize != 0 {
				fmt.Fprintf(&b, "    %s:%d;  /* offset %d, bit %d */\n", cDecl(f.Type, f.Name), f.BitSize, f.Offset, f.BitOffset)
			} else {
				fmt.Fprintf(&b, "    %s;  /* offset %d, size %d */\n", cDecl(f.Type, f.Name), f.Offset, f.Type.Size())
			}
		}
		fmt.Fprintf(&b, "};  /* size %d */\n", t.Size())
	case *types.Enum:
		fmt.Fprintf(&b, "enum %s {\n", t.Name)
		values := make([]int64, 0, len(t.Names))
		for v := range t.Names {
			values = append(values, v)
		}
		sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
		for _, v := range values {
			fmt.Fprintf(&b, "    %s = %d,\n", t.Names[v], v)
		}
		b.WriteString("};\n")
	default:
		fmt.Fprintf(&b, "%s: %s\n", name, t)
	}
	fmt.Fprint(s.Stdout, b.String())
	return exitOK
}

// cDecl declares name with type t as C does: array dimensions follow the
// name (u8 saddr[4]), and anonymous structs and unions show as
// "struct {...}" (an anonymous member has no name).
func cDecl(t types.Type, name string) string {
	var dims string
	for {
		a, ok := t.(*types.Array)
		if !ok {
			break
		}
		dims += fmt.Sprintf("[%d]", a.Len)
		t = a.Elem
	}
	typ := t.String()
	if st, ok := t.(*types.Struct); ok && st.Name == "" {
		typ = st.Kind + " {...}"
	}
	if name == "" {
		return typ + dims
	}
	return typ + " " + name + dims
}
