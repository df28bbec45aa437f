package check

import (
	"sort"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// BPF tracing probes: fentry/fexit (BPF trampolines) and iterators.
//
// A tracing program's context is an array of u64: the function's
// arguments in order, then (fexit) its return value. `args` is a context
// struct with one field per parameter at offset 8*i, typed from the
// function's BTF prototype, and for fexit a `retval` field after them,
// as in bpftrace. An iterator's context is struct bpf_iter__NAME, read
// through `ctx`.

// RetvalField is the name of fexit's return-value field of `args`.
const RetvalField = "retval"

// expandFentry resolves fentry:[MODULE:]FUNC and fexit against the kernel's
// BTF; wildcards in either part expand.
func (c *checker) expandFentry(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "%s probes are not available (no host)", kind)
		return nil
	}
	module, fn := "", ap.Parts[len(ap.Parts)-1]
	switch len(ap.Parts) {
	case 2:
		module = ap.Parts[0]
	case 3:
		c.errorf(ap, diag.CodeUnsupported, "%s:bpf:… (attaching to BPF programs) is not supported yet", kind)
		return nil
	}
	if module == "bpf" {
		c.errorf(ap, diag.CodeUnsupported, "%s:bpf:… (attaching to BPF programs) is not supported yet", kind)
		return nil
	}
	if fn == "" {
		c.errorf(ap, diag.CodeProbe, "fentry/fexit should specify a function")
		return nil
	}
	protos, err := c.cfg.Host.KernelFuncProtos(module, fn)
	if err != nil {
		c.missingProbe(ap, err.Error())
		return nil
	}
	if len(protos) == 0 {
		c.missingProbe(ap, "No matches for "+kind.String()+" "+strings.Join(ap.Parts, ":")+".")
		return nil
	}
	out := make([]*Attach, 0, len(protos))
	for _, p := range protos {
		args := u64ArgsStruct(kind.String()+"_"+p.Name+"_args", p.Params)
		a := &Attach{Point: ap, Kind: kind, Name: kind.String() + ":" + p.Module + ":" + p.Name,
			Func: p.Name, Module: p.Module, Args: args, RetType: p.Ret}
		if kind == stdlib.Fexit && p.Ret != nil {
			args.Fields = append(args.Fields, types.Field{Name: RetvalField, Type: p.Ret, Offset: 8 * len(p.Params)})
		}
		args.Bytes = 8 * len(args.Fields)
		out = append(out, a)
	}
	return out
}

// u64ArgsStruct is the type of `args` when the context is an array of
// u64 holding the parameters in order: field i at offset 8*i.
func u64ArgsStruct(name string, params []host.FuncParam) *types.Struct {
	args := &types.Struct{Kind: "struct", Name: name, Align_: 8}
	for i, prm := range params {
		args.Fields = append(args.Fields, types.Field{Name: prm.Name, Type: prm.Type, Offset: 8 * i})
	}
	args.Bytes = 8 * len(args.Fields)
	return args
}

// expandRawTracepoint resolves rawtracepoint:[MODULE:]EVENT against the
// raw tracepoints of the kernel's and the modules' BTF. As in bpftrace,
// an event without a module is searched in every module (the module is
// a wildcard), so one without matches leaves its probe without attach
// points, while a module named without matches is "No matches";
// wildcards in either part expand. Probes are named
// rawtracepoint:MODULE:EVENT.
func (c *checker) expandRawTracepoint(ap *ast.AttachPoint) []*Attach {
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "raw tracepoints are not available (no host)")
		return nil
	}
	module, event := "", ap.Parts[len(ap.Parts)-1]
	if len(ap.Parts) == 2 {
		module = ap.Parts[0]
	}
	if event == "" {
		c.errorf(ap, diag.CodeProbe, "rawtracepoint should be attached to a function")
		return nil
	}
	msg := "No matches for rawtracepoint " + strings.Join(ap.Parts, ":") + "."
	tps, err := c.cfg.Host.RawTracepoints(module, event)
	if err != nil {
		if d := c.missingProbe(ap, msg); d != nil {
			d.Hint("%v", err)
		}
		return nil
	}
	if len(tps) == 0 {
		if module == "" || hasWildcard(module) || hasWildcard(event) {
			c.wildMisses = append(c.wildMisses, wildMiss{ap, msg})
		} else {
			c.missingProbe(ap, msg)
		}
		return nil
	}
	out := make([]*Attach, len(tps))
	for i, tp := range tps {
		out[i] = &Attach{Point: ap, Kind: stdlib.RawTracepoint, Name: "rawtracepoint:" + tp.Module + ":" + tp.Name, Event: tp.Name, Module: tp.Module}
	}
	return out
}

// rawTracepointArgs is the type of `args` in a raw tracepoint: its
// arguments, typed from BTF, in the context's array of u64 as fentry's
// are. Looked up on first use (Attach.Args caches it): raw tracepoints
// that do not use args never decode their types.
func (c *checker) rawTracepointArgs(id *ast.Ident) *types.Ctx {
	a := c.attach
	if a.Args == nil {
		p, err := c.cfg.Host.RawTracepointProto(a.Module, a.Event)
		if err != nil {
			c.errorf(id, diag.CodeProbe, "args in %s: %v", a.Name, err)
			return nil
		}
		a.Args = u64ArgsStruct("rawtracepoint_"+a.Event+"_args", p.Params)
	}
	return &types.Ctx{Struct: a.Args}
}

// iterKinds are the iterators gobpftrace supports: the context struct of
// each is struct bpf_iter__NAME in the kernel's BTF.
var iterKinds = map[string]bool{"task": true, "task_file": true}

// IterNames returns the iterators gobpftrace supports, sorted (-l lists
// those the kernel has).
func IterNames() []string {
	out := make([]string, 0, len(iterKinds))
	for n := range iterKinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// expandIter resolves iter:NAME.
func (c *checker) expandIter(ap *ast.AttachPoint) []*Attach {
	name := ap.Parts[0]
	if len(ap.Parts) == 2 {
		c.errorf(ap, diag.CodeUnsupported, "pinning iterators (iter:%s:PIN) is not supported yet", name)
		return nil
	}
	if strings.ContainsAny(name, "*?[") {
		c.errorf(ap, diag.CodeProbe, "iter probe type does not support wildcards")
		return nil
	}
	if !iterKinds[name] {
		d := c.errorf(ap, diag.CodeUnsupported, "iter %s is not supported (supported: task, task_file)", name)
		if s := diag.Nearest(name, []string{"task", "task_file"}); s != "" {
			d.Hint("did you mean 'iter:%s'?", s)
		}
		return nil
	}
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "iter probes are not available (no host)")
		return nil
	}
	t, err := c.cfg.Host.KernelType("struct bpf_iter__" + name)
	st, ok := t.(*types.Struct)
	if err != nil || !ok {
		c.errorf(ap, diag.CodeProbe, "iter %s not available for your kernel version (no struct bpf_iter__%s in BTF)", name, name)
		return nil
	}
	return []*Attach{{Point: ap, Kind: stdlib.Iter, Name: "iter:" + name, Event: name, Args: st}}
}

// iterMix enforces that an iterator is the script's only probe besides
// BEGIN and END, as bpftrace runs it (the script ends when the iterator
// has been read).
func (c *checker) iterMix(ap *ast.AttachPoint, kind stdlib.ProbeKind, seen map[stdlib.ProbeKind]*ast.AttachPoint) {
	if kind == stdlib.Begin || kind == stdlib.End {
		return
	}
	if kind == stdlib.Iter {
		if prev := seen[stdlib.Iter]; prev != nil && prev != ap {
			c.errorf(ap, diag.CodeProbe, "iter probe only supports one attach point")
			return
		}
		for k, prev := range seen {
			if k != stdlib.Iter && k != stdlib.Begin && k != stdlib.End && prev != nil {
				c.errorf(ap, diag.CodeProbe, "iter probes cannot be mixed with other probes (only BEGIN and END)")
				return
			}
		}
	} else if seen[stdlib.Iter] != nil {
		c.errorf(ap, diag.CodeProbe, "iter probes cannot be mixed with other probes (only BEGIN and END)")
	}
	if seen[kind] == nil {
		seen[kind] = ap
	}
}

// fexitRetval types retval in fexit: the function's return type.
func (c *checker) fexitRetval(id *ast.Ident) types.Type {
	if c.attach.RetType == nil {
		c.errorf(id, diag.CodeProbe, "retval: %s returns void", c.attach.Func)
		return nil
	}
	c.tab.PerAttach = true
	return c.attach.RetType
}

// iterCtx types ctx in an iterator: struct bpf_iter__NAME in the context.
func (c *checker) iterCtx(id *ast.Ident) types.Type {
	if c.attach.Kind != stdlib.Iter || c.attach.Args == nil {
		return nil
	}
	c.tab.PerAttach = true
	return &types.Ctx{Struct: c.attach.Args}
}
