package check

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/preproc"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// topLevel checks everything outside probes: preprocessor lines, C
// definitions, config, macros, map declarations.
func (c *checker) topLevel(prog *ast.Program) {
	c.defines = map[string]ast.Expr{}
	c.enums = map[string]enumConst{}
	c.cstructs = map[string]*types.Struct{}
	c.badCDefs = map[string]bool{}
	c.enumTypes = map[string]*types.Enum{}
	pre := preproc.Process(prog.Preproc, &preproc.Options{Include: c.cfg.Include}, c.diags)
	for name, v := range pre.Defines {
		if v.IsStr {
			c.defines[name] = &ast.StrLit{Pos: ast.Pos{S: v.Origin}, Value: v.Str}
		} else {
			c.defines[name] = &ast.IntLit{Pos: ast.Pos{S: v.Origin}, Value: uint64(v.Int)}
		}
	}
	c.cdefs = prog.CDefs
	for _, d := range prog.CDefs {
		if !pre.Inside(d.Span()) {
			c.cdef(d)
		}
	}
	c.config(prog.Config)
	for _, f := range prog.Funcs {
		c.errorf(f, diag.CodeUnsupported, "fn subprograms are not supported yet")
	}
	for _, im := range prog.Imports {
		c.errorf(im, diag.CodeUnsupported, "import is not supported yet")
	}
	for _, d := range prog.MapDecls {
		c.mapDecl(d)
	}
	if len(prog.Probes) == 0 && !c.diags.HasErrors() {
		c.errorAt(diag.Span{Start: len(c.src.Text), End: len(c.src.Text)}, diag.CodeSyntax, "no probes defined")
	}
}

// cdef records script-defined enums, structs and unions.
func (c *checker) cdef(d *ast.CDef) {
	if d.Kind != "enum" {
		c.cstruct(d)
		return
	}
	next := int64(0)
	typ := &types.Enum{Name: d.Name, Names: map[int64]string{}}
	if d.Name != "" {
		c.enumTypes["enum "+d.Name] = typ
	}
	for _, item := range strings.Split(stripCComments(d.Body), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, hasVal := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if hasVal {
			if n, ok := preproc.Eval(val, c.enumOperand); ok {
				next = n
			} else {
				c.errorf(d, diag.CodeUnsupported, "enum value %q is not a constant integer expression", strings.TrimSpace(val))
			}
		}
		c.enums[name] = enumConst{next, typ}
		if _, dup := typ.Names[next]; !dup {
			typ.Names[next] = name
		}
		next++
	}
}

var mapDeclKinds = map[string]bool{"hash": true, "lruhash": true, "percpuhash": true, "percpulruhash": true}

func (c *checker) mapDecl(d *ast.MapDecl) {
	if !mapDeclKinds[d.Kind] {
		c.errorf(d, diag.CodeUnknown, "invalid map kind %q (expected hash, lruhash, percpuhash or percpulruhash)", d.Kind)
		return
	}
	size, ok := d.Size.(*ast.IntLit)
	if !ok || size.Value == 0 || size.Value > 1<<24 {
		c.errorf(d, diag.CodeType, "map size must be a positive integer literal")
		return
	}
	c.info.Maps[d.Name] = &MapSym{Name: d.Name, Decl: d.Span(), Kind: d.Kind, MaxEntries: int(size.Value)}
}

// expandProbe validates the attach points of p and expands wildcards.
func (c *checker) expandProbe(p *ast.Probe, seen map[stdlib.ProbeKind]*ast.AttachPoint) []*Attach {
	var out []*Attach
	for _, ap := range p.Attach {
		ap = c.substituteParams(ap)
		kind, ok := stdlib.LookupProbe(ap.Provider)
		if !ok {
			d := c.errorf(ap, diag.CodeProbe, "Invalid probe type: %s", ap.Provider)
			if s := diag.Nearest(ap.Provider, stdlib.ProbeNames()); s != "" {
				d.Hint("did you mean '%s'?", s)
			}
			continue
		}
		def := &stdlib.Probes[kind]
		if !def.Implemented {
			c.errorf(ap, diag.CodeUnsupported, "%s probes are not supported yet", def.Name)
			continue
		}
		if (len(ap.Parts) < def.MinParts || len(ap.Parts) > def.MaxParts) && !((kind == stdlib.Uprobe || kind == stdlib.Uretprobe) && isSourceLocation(ap)) {
			c.errorf(ap, diag.CodeProbe, "%s probe type requires %s", def.Name, partsWanted(def))
			continue
		}
		as := c.expandAttach(ap, kind)
		if len(as) > 0 {
			c.iterMix(ap, kind, seen)
		}
		out = append(out, as...)
	}
	return out
}

// substituteParams replaces positional parameters ($1, $2 …) in an attach
// point's text, e.g. `interval:ms:$1` or `uprobe:$1:main`, and splits the
// result again. Missing parameters become empty text.
func (c *checker) substituteParams(ap *ast.AttachPoint) *ast.AttachPoint {
	if !strings.Contains(ap.Raw, "$") {
		return ap
	}
	var b strings.Builder
	raw := ap.Raw
	for i := 0; i < len(raw); i++ {
		if raw[i] != '$' || i+1 == len(raw) || raw[i+1] < '0' || raw[i+1] > '9' {
			b.WriteByte(raw[i])
			continue
		}
		j := i + 1
		for j < len(raw) && raw[j] >= '0' && raw[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(raw[i+1 : j])
		if n >= 1 && n <= len(c.cfg.Params) {
			b.WriteString(c.cfg.Params[n-1])
		}
		i = j - 1
	}
	parts := strings.Split(b.String(), ":")
	out := *ap
	out.Raw = b.String()
	out.Provider, out.Parts = parts[0], parts[1:]
	return &out
}

func partsWanted(def *stdlib.ProbeDef) string {
	switch {
	case def.MaxParts == 0:
		return "no arguments"
	case def.MinParts == def.MaxParts:
		return strconv.Itoa(def.MinParts) + " arguments"
	default:
		return strconv.Itoa(def.MinParts) + " or " + strconv.Itoa(def.MaxParts) + " arguments"
	}
}

func (c *checker) expandAttach(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	name := stdlib.Probes[kind].Name
	if len(ap.Parts) > 0 {
		name += ":" + strings.Join(ap.Parts, ":")
	}
	switch kind {
	case stdlib.Begin, stdlib.End:
		return []*Attach{{Point: ap, Kind: kind, Name: stdlib.Probes[kind].Name}}
	case stdlib.Interval, stdlib.Profile:
		a := &Attach{Point: ap, Kind: kind, Name: name}
		if !c.period(ap, a) {
			return nil
		}
		return []*Attach{a}
	case stdlib.Tracepoint:
		return c.expandTracepoint(ap)
	case stdlib.Software, stdlib.Hardware:
		return c.expandPerfEvent(ap, kind)
	case stdlib.Uprobe, stdlib.Uretprobe:
		return c.expandUprobe(ap, kind)
	case stdlib.Kprobe, stdlib.Kretprobe:
		return c.expandKprobe(ap, kind)
	case stdlib.RawTracepoint:
		return c.expandRawTracepoint(ap)
	case stdlib.USDT:
		return c.expandUSDT(ap)
	case stdlib.Fentry, stdlib.Fexit:
		return c.expandFentry(ap, kind)
	case stdlib.Iter:
		return c.expandIter(ap)
	case stdlib.Watchpoint:
		return c.expandWatchpoint(ap, name)
	case stdlib.SelfSignal:
		return c.expandSelf(ap)
	case stdlib.Test, stdlib.Bench:
		return c.expandNamedRun(ap, kind)
	}
	c.errorf(ap, diag.CodeUnsupported, "%s probes are not supported yet", stdlib.Probes[kind].Name)
	return nil
}

// expandSelf checks self:signal:SIGNAL, which runs in the tracer each
// time it receives the signal, with bpftrace's messages.
func (c *checker) expandSelf(ap *ast.AttachPoint) []*Attach {
	trigger, sig := ap.Parts[0], ap.Parts[1]
	if trigger != "signal" {
		c.errorf(ap, diag.CodeProbe, "%s is not a supported trigger", trigger)
		return nil
	}
	if !slices.Contains(stdlib.SelfSignals, sig) {
		d := c.errorf(ap, diag.CodeProbe, "%s is not a supported signal", sig)
		if s := diag.Nearest(sig, stdlib.SelfSignals); s != "" {
			d.Hint("did you mean 'self:signal:%s'?", s)
		}
		return nil
	}
	return []*Attach{{Point: ap, Kind: stdlib.SelfSignal, Name: "self:signal:" + sig}}
}

// expandNamedRun checks test:NAME and bench:NAME, run by --mode test and
// --mode bench: the name is what the results show, so it must be there
// and be unique among the kind's probes.
func (c *checker) expandNamedRun(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	name := ap.Parts[0]
	if name == "" {
		c.errorf(ap, diag.CodeProbe, "%s probes must have a name", kind)
		return nil
	}
	key := kind.String() + ":" + name
	if prev, dup := c.runNames[key]; dup && prev != ap {
		c.errorf(ap, diag.CodeProbe, "\"%s\" was used as the name for more than one %s probe", name, strings.ToUpper(kind.String())).
			Hint("the other one is at %s", c.src.Location(prev.Span()))
		return nil
	}
	c.runNames[key] = ap
	return []*Attach{{Point: ap, Kind: kind, Name: key}}
}

// expandPerfEvent checks software:EVENT[:COUNT] and hardware:EVENT[:COUNT]
// with bpftrace's messages: the event by name or alias, no wildcards, a
// positive count (the event's default period without one).
func (c *checker) expandPerfEvent(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	name := stdlib.Probes[kind].Name
	ev := ap.Parts[0]
	switch {
	case ev == "":
		c.errorf(ap, diag.CodeProbe, "%s probe must have a %s event name", name, name)
		return nil
	case strings.ContainsAny(ev, "*?["):
		c.errorf(ap, diag.CodeProbe, "wildcards are not allowed for %s probe type", name)
		return nil
	}
	e, ok := stdlib.LookupPerfEvent(kind, ev)
	if !ok {
		d := c.errorf(ap, diag.CodeProbe, "%s is not a %s probe", ev, name)
		var names []string
		for _, e := range stdlib.PerfEvents(kind) {
			names = append(names, e.Name)
		}
		if s := diag.Nearest(ev, names); s != "" {
			d.Hint("did you mean '%s'?", s)
		}
		return nil
	}
	a := &Attach{Point: ap, Kind: kind, Name: name + ":" + strings.Join(ap.Parts, ":"), PerfEvent: e, Count: e.DefaultPeriod}
	if len(ap.Parts) == 2 {
		n, err := parseCount(ap.Parts[1])
		if err != nil {
			c.errorf(ap, diag.CodeProbe, "%s probe can only have an integer count", name)
			return nil
		}
		if n == 0 {
			c.errorf(ap, diag.CodeProbe, "%s count should be a positive integer", name)
			return nil
		}
		a.Count = n
	}
	return []*Attach{a}
}

// parseCount parses the number of a probe's rate or count: digits with
// optional _ separators, or an integral number in another notation such
// as 1e6.
func parseCount(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f >= 0 && f == float64(uint64(f)) {
			return uint64(f), nil
		}
	}
	return n, err
}

// period parses the rate of interval and profile probes: UNIT:N (s, ms, us,
// hz) or N[UNIT] with UNIT one of s, ms, us, ns, hz (modern forms).
func (c *checker) period(ap *ast.AttachPoint, a *Attach) bool {
	unit, num := "", ""
	if len(ap.Parts) == 2 {
		unit, num = ap.Parts[0], ap.Parts[1]
	} else {
		s := ap.Parts[0]
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
			i++
		}
		num, unit = s[:i], s[i:]
		if unit == "" {
			unit = "ns"
			if a.Kind == stdlib.Profile {
				unit = "hz"
			}
		}
	}
	n, err := parseCount(num)
	if err != nil || n == 0 {
		c.errorf(ap, diag.CodeProbe, "invalid rate of %s probe: %q (want a positive integer)", stdlib.Probes[a.Kind].Name, num)
		return false
	}
	mult := map[string]uint64{"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1, "m": 60e9, "h": 3600e9}
	if unit == "hz" {
		a.Freq = n
		return true
	}
	m, ok := mult[unit]
	if !ok {
		c.errorf(ap, diag.CodeProbe, "invalid time unit %q of %s probe (want s, ms, us, ns or hz)", unit, stdlib.Probes[a.Kind].Name)
		return false
	}
	a.PeriodNs = n * m
	if a.PeriodNs < 1000 && a.Kind == stdlib.Interval {
		c.errorf(ap, diag.CodeProbe, "interval too short: minimum is 1us")
		return false
	}
	return true
}

func (c *checker) expandTracepoint(ap *ast.AttachPoint) []*Attach {
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "tracepoints are not available (no host)")
		return nil
	}
	pattern := ap.Parts[0] + ":" + ap.Parts[1]
	names := []string{pattern}
	if strings.ContainsAny(pattern, "*?[") {
		var err error
		names, err = c.cfg.Host.Tracepoints(pattern)
		if err != nil {
			c.errorf(ap, diag.CodeProbe, "listing tracepoints: %v", err)
			return nil
		}
		if len(names) == 0 {
			c.missingProbe(ap, "No matches for tracepoint "+pattern+".")
			return nil
		}
	}
	var out []*Attach
	for _, n := range names {
		cat, ev, _ := strings.Cut(n, ":")
		args, err := c.cfg.Host.TracepointArgs(cat, ev)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.errorf(ap, diag.CodeProbe, "reading tracepoint %s:%s: %v", cat, ev, err)
			continue
		}
		if err != nil {
			d := c.missingProbe(ap, "No matches for tracepoint "+n+".")
			if d == nil {
				continue
			}
			if cands, _ := c.cfg.Host.Tracepoints(cat + ":*"); len(cands) > 0 {
				evs := make([]string, len(cands))
				for i, cnd := range cands {
					_, evs[i], _ = strings.Cut(cnd, ":")
				}
				if s := diag.Nearest(ev, evs); s != "" {
					d.Hint("did you mean 'tracepoint:%s:%s'?", cat, s)
				}
			}
			continue
		}
		out = append(out, &Attach{Point: ap, Kind: stdlib.Tracepoint, Name: "tracepoint:" + n, Category: cat, Event: ev, Args: args})
	}
	return out
}

// expandUprobe resolves uprobe:BINARY:FUNC: the binary (a path, a
// library short name such as libc, or a zip archive's member
// ARCHIVE!/MEMBER) and the functions matching FUNC, or FUNC+OFFSET or an
// ADDRESS (see uprobe.go).
func (c *checker) expandUprobe(ap *ast.AttachPoint, kind stdlib.ProbeKind) []*Attach {
	if isSourceLocation(ap) {
		return c.expandSourceLocation(ap, kind)
	}
	if len(ap.Parts) != 2 {
		c.errorf(ap, diag.CodeUnsupported, "%s with %d parts is not supported yet (want %s:BINARY:FUNCTION)", kind, len(ap.Parts), kind)
		return nil
	}
	if c.cfg.Host == nil {
		c.errorf(ap, diag.CodeProbe, "uprobes are not available (no host)")
		return nil
	}
	bins, ok := c.userBinaries(ap, ap.Parts[0], kind)
	if !ok {
		return nil
	}
	if isWildcardTarget(ap.Parts[0]) {
		return c.expandUprobeFiles(ap, kind, bins)
	}
	// The probe's name has the binary as bpftrace names it: a path as
	// written (./prog stays relative), a short name (libc) resolved.
	path, shown := bins[0].Path, bins[0].Name
	f, ok := c.parseUprobeFunc(ap, kind, ap.Parts[1])
	if !ok {
		return nil
	}
	if f.isAddr {
		if a := c.uprobeAddress(ap, kind, path, shown, f.addr); a != nil {
			return []*Attach{a}
		}
		return nil
	}
	funcs, err := c.cfg.Host.FuncSymbols(path, f.fn)
	if err == nil && len(funcs) == 0 {
		// As bpftrace: the binary as the user wrote it.
		err = fmt.Errorf("No matches for %s %s:%s.", kind, ap.Parts[0], f.fn)
	}
	if err != nil {
		c.missingProbe(ap, err.Error())
		return nil
	}
	if !hasWildcard(f.fn) && !c.uprobeSymbol(ap, kind, path, shown, f) {
		return nil
	}
	suffix := ""
	if f.offset != 0 {
		suffix = "+" + strconv.FormatUint(f.offset, 10)
	}
	out := make([]*Attach, len(funcs))
	for i, fn := range funcs {
		out[i] = &Attach{Point: ap, Kind: kind, Name: stdlib.Probes[kind].Name + ":" + shown + ":" + fn + suffix, Binary: path, Func: fn, Offset: f.offset}
	}
	return out
}

// argsType is the type of the `args` builtin in the current instance.
func (c *checker) argsType() *types.Ctx {
	if c.attach == nil || c.attach.Args == nil || c.attach.Kind == stdlib.Iter {
		return nil
	}
	return &types.Ctx{Struct: c.attach.Args}
}

// maxRegArgs is the number of arguments passed in registers that uprobe
// args can read (x86-64's six; arm64 has eight, limited alike).
const maxRegArgs = 6

// uprobeArgs is the type of `args` in a uprobe: the probed function's
// parameters from the DWARF debug info of its file, read from the
// argument registers, as bpftrace reads them. Looked up on first use
// (Attach.Args caches it): uprobes that do not use args never read DWARF.
func (c *checker) uprobeArgs(id *ast.Ident) *types.Ctx {
	a := c.attach
	if a.Args == nil {
		proto, err := c.cfg.Host.UserFuncProto(a.Binary, a.Func)
		if err != nil {
			c.errorf(id, diag.CodeProbe, "args in %s needs the DWARF debug info of %s: %v", a.Name, a.Binary, err).
				Hint("build the program with -g, or use arg0, arg1 …")
			return nil
		}
		s := &types.Struct{Kind: "struct", Name: a.Name + "_args", Align_: 8}
		for i, p := range proto.Params {
			if i >= maxRegArgs || p.Type == nil || !isScalarType(p.Type) {
				// Passed on the stack, by value or as floating point:
				// not in an argument register.
				continue
			}
			s.Fields = append(s.Fields, types.Field{Name: p.Name, Type: p.Type, Offset: 8 * i})
		}
		s.Bytes = 8 * len(proto.Params)
		a.Args = s
	}
	return &types.Ctx{Struct: a.Args, Regs: true}
}

// missingProbe reports an attach point without matches as missing_probes
// says: an error (returned, for hints), a warning ending in "Skipping.", or
// nothing.
func (c *checker) missingProbe(ap *ast.AttachPoint, msg string) *diag.Diagnostic {
	switch c.info.Config.MissingProbes {
	case "ignore":
		return nil
	case "warn":
		c.warnf(ap, diag.CodeProbe, "%s Skipping.", strings.TrimSuffix(msg, ".")+".")
		return nil
	}
	return c.errorf(ap, diag.CodeProbe, "%s", msg)
}

// enumOperand is the value of a name in an enumerator's value: an
// enumerator defined before it (in any enum), or a #define.
func (c *checker) enumOperand(name string) (int64, bool) {
	if e, ok := c.enums[name]; ok {
		return e.value, true
	}
	if d, ok := c.defines[name]; ok {
		if lit, ok := d.(*ast.IntLit); ok {
			return int64(lit.Value), true
		}
	}
	return 0, false
}
