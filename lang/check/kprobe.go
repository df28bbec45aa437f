package check

import (
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Kprobe attach points, as bpftrace resolves them:
//
//	kprobe:FUNC            a function (wildcards expand)
//	kprobe:MODULE:FUNC     a function of a module, which must be loaded
//	kprobe:FUNC+OFFSET     an instruction inside a function (not kretprobe)
//	kprobe:ADDRESS         the function holding an address (--unsafe)
//
// Wildcards expand to the functions ftrace lists (traceable ones); an exact
// name the kernel has but ftrace does not list (notrace, inlined, __init)
// is kept with a warning, as attaching to it will likely fail.

// kprobeTarget is the function part of a kprobe attach point.
type kprobeTarget struct {
	fn      string
	offset  uint64
	address uint64
	isAddr  bool
}

// parseKprobeFunc splits FUNC+OFFSET and recognises an ADDRESS.
func (c *checker) parseKprobeFunc(ap *ast.AttachPoint, kind stdlib.ProbeKind, s string) (kprobeTarget, bool) {
	if fn, off, ok := strings.Cut(s, "+"); ok {
		switch {
		case kind == stdlib.Kretprobe:
			c.errorf(ap, diag.CodeProbe, "Offset not allowed in %s", kind)
		case strings.Contains(off, "+"):
			c.errorf(ap, diag.CodeProbe, "Cannot take more than one offset")
		case hasWildcard(fn):
			c.errorf(ap, diag.CodeProbe, "an offset cannot follow a wildcard function name")
		default:
			n, err := strconv.ParseUint(off, 0, 64)
			if err != nil || fn == "" {
				c.errorf(ap, diag.CodeProbe, "Invalid offset %q (want FUNCTION+N, N decimal or 0x hex)", off)
				return kprobeTarget{}, false
			}
			return kprobeTarget{fn: fn, offset: n}, true
		}
		return kprobeTarget{}, false
	}
	if n, err := strconv.ParseUint(s, 0, 64); err == nil {
		if !c.cfg.Unsafe {
			c.errorf(ap, diag.CodeProbe, "Probing by address requires --unsafe")
			return kprobeTarget{}, false
		}
		return kprobeTarget{address: n, isAddr: true}, true
	}
	if s == "" {
		c.errorf(ap, diag.CodeProbe, "kprobes should be attached to a function or an address")
		return kprobeTarget{}, false
	}
	return kprobeTarget{fn: s}, true
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// expandKprobe resolves a kprobe or kretprobe attach point against the
// kernel's functions.
func (c *checker) expandKprobe(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "kprobes are not available (no host)")
		return nil
	}
	module := ""
	if len(ap.Parts) == 2 {
		module = ap.Parts[0]
	}
	t, ok := c.parseKprobeFunc(ap, kind, ap.Parts[len(ap.Parts)-1])
	if !ok {
		return nil
	}
	if module != "" && module != "vmlinux" && !hasWildcard(module) && !c.cfg.Host.KernelModuleLoaded(module) {
		c.errorf(ap, diag.CodeProbe, "specified module %s in probe %s:%s is not loaded.", module, kind, strings.Join(ap.Parts, ":"))
		return nil
	}
	prefix := kind.String() + ":"
	if t.isAddr {
		name := prefix + strconv.FormatUint(t.address, 10)
		fn, off, err := c.cfg.Host.KernelFuncAt(t.address)
		if err != nil {
			c.missingProbe(ap, "Unable to attach probe: "+name+": "+err.Error())
			return nil
		}
		return []*Attach{{Point: ap, Kind: kind, Name: name, Func: fn, Offset: off}}
	}
	funcs, err := c.cfg.Host.KernelFuncs(module, t.fn)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "%v", err)
		return nil
	}
	wild := hasWildcard(t.fn) || hasWildcard(module)
	if !wild && c.info.Config.MissingProbes != "ignore" && (len(funcs) == 0 || !funcs[0].Traceable) {
		c.warnf(ap, diag.CodeProbe, "%s is not traceable (either non-existing, inlined, or marked as \"notrace\"); attaching to it will likely fail", t.fn)
	}
	if len(funcs) == 0 {
		what := t.fn
		if module != "" {
			what = module + ":" + t.fn
		}
		msg := "No matches for " + kind.String() + " " + what + "."
		if wild {
			// As in bpftrace, a wildcard without matches fails only the
			// probe that has no other attach point (see wildMisses).
			c.wildMisses = append(c.wildMisses, wildMiss{ap, msg})
			return nil
		}
		c.missingProbe(ap, msg)
		return nil
	}
	var out []*Attach
	for i, f := range funcs {
		if module == "" && i > 0 && f.Name == funcs[i-1].Name {
			continue // one kprobe per name: the kernel picks the definition
		}
		name := prefix + f.Name
		if module != "" {
			name = prefix + f.Module + ":" + f.Name
		}
		if t.offset != 0 {
			name += "+" + strconv.FormatUint(t.offset, 10)
		}
		out = append(out, &Attach{Point: ap, Kind: kind, Name: name, Func: f.Name, Offset: t.offset})
	}
	return out
}

// wildMiss is a kprobe wildcard that matched nothing: msg says so.
type wildMiss struct {
	ap  *ast.AttachPoint
	msg string
}

// reportWildMisses reports the wildcards of a probe that matched nothing,
// as bpftrace does: when the probe has other attach points they are
// skipped (with a warning, unless missing_probes = ignore); when it has
// none, the probe is missing as a whole (an error, or with
// missing_probes = warn the warnings of the probe's removal).
func (c *checker) reportWildMisses(p *ast.Probe, attached bool) {
	misses := c.wildMisses
	c.wildMisses = nil
	if len(misses) == 0 || c.info.Config.MissingProbes == "ignore" {
		return
	}
	if attached || c.info.Config.MissingProbes == "warn" {
		for _, m := range misses {
			c.warnf(m.ap, diag.CodeProbe, "%s Skipping.", m.msg)
		}
		return
	}
	d := c.errorAt(probeHead(p), diag.CodeProbe, "Probe has no valid attach points. If this is expected, set the 'missing_probes' config variable to 'warn'.")
	for _, m := range misses {
		d.Hint("%s", m.msg)
	}
}
