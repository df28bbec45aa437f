package main

import (
	"fmt"
	"math"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// List prints the probes matching pattern (-l), with their arguments when
// -lv was given, as bpftrace does:
//
//   - no pattern (or "*") lists every kernel probe: fentry, iter, kprobe,
//     rawtracepoint and tracepoint probes, each kind sorted;
//   - a pattern without a provider ("*sleep*") is "*:*sleep*";
//   - a provider with a wildcard ("kprobe*", "*") lists the kernel kinds it
//     matches; the user-space kinds (uprobe, usdt) need one by name;
//   - "struct NAME", "union NAME" and "enum NAME" list a kernel type;
//   - several patterns are separated by commas.
//
// Each kind reads only what it lists: tracepoints tracefs's events,
// kprobes available_filter_functions, fentry and iter the kernel's BTF.
// software and hardware events come from stdlib's tables.
func (s *Session) List(pattern string) int {
	if err := runtime.CheckPrivileges(); err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	if s.opts.program != "" {
		return s.listProgram("stdin", s.opts.program)
	}
	if strings.HasSuffix(pattern, ".bt") {
		if b, err := os.ReadFile(pattern); err == nil {
			return s.listProgram(pattern, string(b))
		}
		fmt.Fprintf(s.Stderr, "WARNING: It appears that '%s' is a filename but the file does not exist. Treating '%s' as a search pattern.\n", pattern, pattern)
	}
	if pattern == "" || pattern == "*" {
		pattern = "*:*"
	}
	var b strings.Builder
	code := exitOK
	for _, raw := range strings.Split(pattern, ",") {
		p := strings.Join(strings.Fields(raw), " ")
		if c := s.listPattern(&b, p); c != exitOK {
			code = c
		}
	}
	fmt.Fprint(s.Stdout, b.String())
	return code
}

// kernelListed are the kinds a wildcard provider lists (bpftrace's
// show_in_kernel_list), in bpftrace's order: by name.
var kernelListed = []stdlib.ProbeKind{stdlib.Fentry, stdlib.Hardware, stdlib.Iter, stdlib.Kprobe, stdlib.RawTracepoint, stdlib.Software, stdlib.Tracepoint}

// listPattern lists one comma-separated part of -l's pattern.
func (s *Session) listPattern(b *strings.Builder, p string) int {
	if p == "" {
		return exitOK
	}
	for _, kw := range []string{"struct ", "union ", "enum "} {
		if strings.HasPrefix(p, kw) {
			return s.listType(b, p)
		}
	}
	if !strings.Contains(p, ":") {
		p = "*:" + p
	}
	provider, rest, _ := strings.Cut(p, ":")
	if strings.ContainsAny(provider, "*?[") {
		for _, k := range kernelListed {
			if ok, _ := path.Match(provider, k.String()); ok {
				s.listKind(b, k, rest, true)
			}
		}
		if !s.listsUserSpace(rest) {
			return exitOK
		}
		if !strings.Contains(rest, ":") {
			// A function or probe name in every file: of the -p
			// process, or of every process.
			rest = "*:" + rest
		}
		for _, k := range userListed {
			if ok, _ := path.Match(provider, k.String()); ok {
				s.listKind(b, k, rest, true)
			}
		}
		return exitOK
	}
	kind, ok := stdlib.LookupProbe(provider)
	if !ok || !listable(kind) {
		fmt.Fprintf(s.Stderr, "ERROR: listing %s probes is not supported yet\n", provider)
		return exitUsage
	}
	return s.listKind(b, kind, rest, false)
}

// userListed are the user-space kinds a wildcard provider lists (bpftrace's
// show_in_userspace_list) when the search has a scope: a process (-p) or
// a file named without wildcards that exists.
var userListed = []stdlib.ProbeKind{stdlib.Uprobe, stdlib.USDT}

// listsUserSpace reports whether a wildcard provider lists the user-space
// kinds too: with -p, or when the pattern after the provider names an
// existing file (-l '*:./prog:*'), as bpftrace does.
func (s *Session) listsUserSpace(rest string) bool {
	if s.opts.pid != 0 {
		return true
	}
	target, _, ok := strings.Cut(rest, ":")
	if !ok || target == "" || strings.ContainsAny(target, "*?[") {
		return false
	}
	_, err := os.Stat(target)
	return err == nil
}

// listable reports whether -l lists probes of kind.
func listable(kind stdlib.ProbeKind) bool {
	switch kind {
	case stdlib.Tracepoint, stdlib.Iter, stdlib.Interval, stdlib.Profile, stdlib.Software, stdlib.Hardware, stdlib.SelfSignal:
		return true
	}
	return stdlib.Probes[kind].Listed
}

// listKind lists the probes of one kind matching rest (the pattern after
// the provider). quiet drops errors: a wildcard provider lists what each
// kind has, as bpftrace does.
func (s *Session) listKind(b *strings.Builder, kind stdlib.ProbeKind, rest string, quiet bool) int {
	parts := strings.Split(rest, ":")
	switch kind {
	case stdlib.Tracepoint:
		return s.listTracepoints(b, rest, quiet)
	case stdlib.Iter:
		s.listIters(b, rest)
		return exitOK
	case stdlib.Interval, stdlib.Profile:
		// The units, as bpftrace lists them: "interval:ms:".
		for _, unit := range []string{"hz", "ms", "s", "us"} {
			if ok, _ := path.Match(rest, unit+":"); ok || rest == unit {
				b.WriteString(kind.String() + ":" + unit + ":\n")
			}
		}
		return exitOK
	case stdlib.SelfSignal:
		// The signals, as bpftrace lists them: "self:signal:SIGUSR1".
		for _, sig := range stdlib.SelfSignals {
			if ok, _ := path.Match(rest, "signal:"+sig); ok || rest == "*" || rest == "signal" {
				b.WriteString("self:signal:" + sig + "\n")
			}
		}
		return exitOK
	case stdlib.Software, stdlib.Hardware:
		// The events and their aliases, as bpftrace lists them:
		// "software:cpu-clock:", "software:cpu:".
		for _, e := range stdlib.PerfEvents(kind) {
			for _, name := range []string{e.Name, e.Alias} {
				if ok, _ := path.Match(rest, name+":"); name != "" && (ok || rest == name || rest == "*") {
					b.WriteString(kind.String() + ":" + name + ":\n")
				}
			}
		}
		return exitOK
	case stdlib.Kprobe, stdlib.Kretprobe, stdlib.Fentry, stdlib.Fexit:
		if len(parts) <= 2 {
			return s.listKernelFuncs(b, kind, parts, quiet)
		}
	}
	for len(parts) < stdlib.Probes[kind].MinParts {
		parts = append(parts, "*")
	}
	text := `config = { missing_probes = "ignore" } ` + kind.String() + ":" + strings.Join(parts, ":") + " {}"
	src := diag.NewSource("stdin", text)
	prog, diags := parser.Parse(src)
	var info *check.Info
	if !diags.HasErrors() {
		cfg := s.checkConfig()
		cfg.MaxBPFProgs = math.MaxInt // a listing generates no program
		cfg.Env = nil                 // nor attaches any probe
		info, diags = check.Check(src, prog, cfg)
	}
	if diags.HasErrors() {
		if quiet {
			return exitOK
		}
		fmt.Fprint(s.Stderr, src.Render(diags))
		return exitScript
	}
	s.listInstances(b, info)
	return exitOK
}

// listTracepoints lists tracepoint:CATEGORY:EVENT patterns; a pattern of
// one part matches events of any category ("tracepoint:sched_switch").
func (s *Session) listTracepoints(b *strings.Builder, rest string, quiet bool) int {
	pattern := rest
	if !strings.Contains(rest, ":") {
		pattern = "*:" + rest
	}
	list, err := s.Host().ListTracepoints(pattern, s.opts.listVerbose)
	if err != nil {
		if quiet {
			return exitOK
		}
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitRuntime
	}
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
	return exitOK
}

// listIters lists the iterators gobpftrace supports that the kernel has
// (struct bpf_iter__NAME in BTF); -lv adds the context's members besides
// meta, as bpftrace does.
func (s *Session) listIters(b *strings.Builder, pattern string) {
	for _, name := range check.IterNames() {
		if ok, _ := path.Match(pattern, name); !ok {
			continue
		}
		t, err := s.Host().KernelType("struct bpf_iter__" + name)
		st, ok := t.(*types.Struct)
		if err != nil || !ok {
			continue
		}
		b.WriteString("iter:" + name + "\n")
		if !s.opts.listVerbose {
			continue
		}
		for _, f := range st.Fields {
			// The kernel wraps each member in an anonymous union.
			members := []types.Field{f}
			if u, ok := f.Type.(*types.Struct); ok && f.Name == "" {
				members = u.Fields
			}
			for _, m := range members {
				if m.Name != "meta" {
					b.WriteString("    " + cDecl(m.Type, m.Name) + "\n")
				}
			}
		}
	}
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
	s.listInstances(&b, c.Info)
	fmt.Fprint(s.Stdout, b.String())
	return exitOK
}

// listInstances writes the probes of a checked program, and their
// arguments for -lv.
func (s *Session) listInstances(b *strings.Builder, info *check.Info) {
	for _, inst := range info.Instances {
		if k := inst.Attach.Kind; k == stdlib.Begin || k == stdlib.End {
			continue // not probes of the kernel: bpftrace leaves them out
		}
		if inst.Attach.Location > 0 {
			continue // a further place of the usdt probe listed before
		}
		if k := inst.Attach.Kind; (k == stdlib.Interval || k == stdlib.Profile) && len(inst.Attach.Point.Parts) == 2 {
			// bpftrace lists the unit, not the rate: "interval:ms:".
			b.WriteString(k.String() + ":" + inst.Attach.Point.Parts[0] + ":\n")
			continue
		}
		b.WriteString(inst.Attach.Name)
		b.WriteByte('\n')
		if s.opts.listVerbose && inst.Attach.Kind == stdlib.RawTracepoint {
			s.rawTracepointParams(b, inst.Attach)
			continue
		}
		if s.opts.listVerbose && inst.Attach.Kind == stdlib.Uprobe && inst.Attach.Func != "" {
			// The parameters from DWARF, when the file has it.
			if proto, err := s.Host().UserFuncProto(inst.Attach.Binary, inst.Attach.Func); err == nil {
				writeParams(b, inst.Attach.Kind, proto)
			}
			continue
		}
		if s.opts.listVerbose && functionProbe[inst.Attach.Kind] {
			module := inst.Attach.Module
			if module == "" {
				module = "vmlinux"
			}
			if protos, err := s.Host().KernelFuncProtos(module, inst.Attach.Func); err == nil && len(protos) > 0 {
				writeParams(b, inst.Attach.Kind, &protos[0])
			}
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
}

// listType lists a kernel type from BTF: -l 'struct sock' its name when
// the kernel has it, -lv its members with their offsets (or an enum's
// enumerators) after the BTF it comes from ("vmlinux: struct sock {",
// "9pnet: struct p9_client {").
//
// A name with wildcards ('struct task_*') lists every matching type of
// the kernel and its modules, by name.
func (s *Session) listType(out *strings.Builder, name string) int {
	if !strings.ContainsAny(name, "*?[") {
		return s.listOneType(out, name)
	}
	names, err := s.Host().KernelTypeNames(name)
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	code := exitOK
	for _, n := range names {
		if c := s.listOneType(out, n); c != exitOK {
			code = c
		}
	}
	return code
}

// listOneType lists the kernel type name.
func (s *Session) listOneType(out *strings.Builder, name string) int {
	t, err := s.Host().KernelType(name)
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	if !s.opts.listVerbose {
		out.WriteString(name + "\n")
		return exitOK
	}
	// bpftrace names the BTF the type comes from: vmlinux or a module.
	out.WriteString(s.Host().KernelTypeModule(name) + ": ")
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
	out.WriteString(b.String())
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
