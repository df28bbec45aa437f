// Package check resolves names and infers types in a parsed script.
//
// Check walks the AST once per probe instance and records its findings in
// side tables (Info), the way go/types does: the AST itself is never
// annotated. An instance is one expanded attach point; probes whose attach
// points are wildcards, or that list several attach points, are checked
// once per attach point when their body uses `args` (whose layout differs
// per tracepoint) and once in total otherwise, sharing the tables.
//
// Maps are global: their key and value types are fixed by their first use
// in source order and every later use must agree. Scratch variables are
// probe-scoped and typed by their first assignment.
//
// All errors are collected into a diag.List; none stops the walk. Builtin
// names are resolved to stdlib IDs here once; later stages index tables by
// those IDs.
package check

import (
	"fmt"
	"sort"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/macro"
	"github.com/gobpftrace/gobpftrace/lang/preproc"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// MaxStrLen is the largest string capacity (max_strlen): strings beyond the
// stack live in a 32 KiB per-CPU scratch area.
const MaxStrLen = 16 << 10

// Config holds the inputs of a check besides the program.
type Config struct {
	// Host answers questions about tracepoints and kernel types. Required
	// for scripts that use tracepoints.
	Host Host
	// Params are the positional parameters $1, $2, ….
	Params []string
	// NamedParams are the named parameters given after "--", without
	// their leading "--": "name=value", or "name" for a boolean.
	NamedParams []string
	// Env holds the configuration set in the environment, by key
	// (BPFTRACE_STACK_MODE, …); it takes precedence over the config
	// block. The command validates it first (Settings.SetConfig).
	Env map[string]string
	// Unsafe allows unsafe functions (system, signal …) and kprobes by
	// address.
	Unsafe bool
	// MaxBPFProgs limits the BPF programs the script may generate
	// (BPFTRACE_MAX_BPF_PROGS); 0 leaves it to the config block's
	// max_bpf_progs or DefaultMaxBPFProgs.
	MaxBPFProgs int
	// StrLen is the capacity of strings read by str() (default stdlib.DefaultMaxStrlen).
	StrLen int
	// Listing is set when the script's probes are only listed (-l):
	// nothing is attached, so max_probes does not apply.
	Listing bool
	// Include finds the headers named by #include; nil means no header
	// exists.
	Include preproc.Includer
	// Maps are maps that already exist, such as the maps of an interactive
	// session: the script may use them, and their key and value types are
	// fixed (a use that would change them is an error). They are not
	// modified; Info.Maps holds copies.
	Maps map[string]*MapSym
	// Pid is the process of -p (0: none): uprobe targets with wildcards
	// are searched among its binaries.
	Pid int
	// UnwindTargets is set when the run names processes whose unwind
	// tables dw_ustack loads (-p, -c or --dwarf-pid); without them
	// dw_ustack is an error.
	UnwindTargets bool
	// Persistent marks maps that outlive the script checked (the units
	// of an interactive session): their integer keys and values are
	// stored in 64 bits rather than the smallest type of their first
	// value, so that later inputs can store any integer in them.
	Persistent bool
}

// Info holds the results of a check.
type Info struct {
	// Instances are the checked probe instances in source order (BEGIN
	// first and END last are not reordered; the runtime sorts).
	Instances []*Instance
	// Maps are the global maps by name; MapNames lists them sorted.
	Maps     map[string]*MapSym
	MapNames []string
	// StrLen is the effective string capacity.
	StrLen int
	// Pid is the process of -p (0: none), which the programs of kinds
	// with stdlib.ProbeDef.PidFilter check for.
	Pid int
	// Params are the positional parameters.
	Params []string
	// Config holds the settings of the config block that matter after
	// checking.
	Config Settings
	// Options are the named program options getopt declares, in the
	// order of their first use.
	Options []*ProgOption
	// Warnings are warnings about the whole script rather than a place
	// in it (an unstable feature in use), printed as "WARNING: text".
	Warnings []string
	// OptionError is a problem with the command line's named options
	// (see getopt.go); nil when there is none.
	OptionError *OptionError
}

// Instance is one probe body specialised for one attach point.
type Instance struct {
	Probe  *ast.Probe
	Attach *Attach
	// Tables are shared by instances of the same probe that do not use
	// args.
	*Tables
}

// Attach is an expanded, validated attach point.
type Attach struct {
	Point *ast.AttachPoint
	Kind  stdlib.ProbeKind
	// Name is the full probe name printed by `probe`.
	Name string
	// Category and Event name a tracepoint.
	Category, Event string
	// PeriodNs or Freq time interval and profile probes.
	PeriodNs, Freq uint64
	// PerfEvent and Count are the event of a software or hardware probe
	// and its sample period.
	PerfEvent stdlib.PerfEvent
	Count     uint64
	// Binary and Func name a uprobe's target (Binary is absolute).
	Binary, Func string
	// Addr is the virtual address of a uprobe written as one
	// (uprobe:BINARY:ADDRESS); Func is then empty. The checker has found
	// it in a symbol of Binary, unless --unsafe let an unresolved address
	// through: the runtime then takes an address no executable segment
	// holds (a flat binary's) as a file offset.
	Addr uint64
	// Offset is the offset of a kprobe or uprobe in its function
	// (kprobe:FUNC+N, kprobe:ADDRESS, uprobe:BINARY:FUNC+N).
	Offset uint64
	// Args is the tracepoint record layout.
	Args *types.Struct
	// USDT is the probe of a usdt attach point.
	USDT *USDTProbe
	// Location numbers the places of a usdt probe that is used (or
	// inlined) at several: each place is one Attach and one program, with
	// its own argument operands; those after the first (Location > 0) are
	// the same probe, neither counted nor listed again.
	Location int
	// Module is the kernel module ("vmlinux" for the kernel) of an
	// fentry/fexit function.
	Module string
	// RetType is the return type of an fexit function (nil: void).
	RetType types.Type
	// Watch is the watched memory of a watchpoint.
	Watch *Watch
}

// Watch is a watchpoint's address, length in bytes and access mode ("w",
// "rw", "x", …, letters sorted).
type Watch struct {
	Addr, Len uint64
	Mode      string
}

// Tables are the per-instance side tables.
type Tables struct {
	// Types is the type of every expression that has a value.
	Types map[ast.Expr]types.Type
	// Builtins resolves identifiers naming builtin variables.
	Builtins map[*ast.Ident]Builtin
	// Calls resolves function calls.
	Calls map[*ast.Call]stdlib.FuncID
	// Consts holds compile-time integer values (literals, folded unary
	// minus, enum constants, #defines, positional parameters, sizeof).
	Consts map[ast.Expr]int64
	// StrConsts holds compile-time string values (literals, string
	// parameters, string #defines).
	StrConsts map[ast.Expr]string
	// Fields resolves field accesses on structs.
	Fields map[*ast.FieldExpr]types.Field
	// Vars maps every scratch variable use to its symbol.
	Vars map[*ast.Var]*VarSym
	// Desugared holds the expansion of builtins defined in terms of
	// other expressions (ppid is curtask->real_parent->tgid, the call
	// pid() is the builtin pid); codegen compiles the expansion instead.
	Desugared map[ast.Expr]ast.Expr
	// MacroSites are, for errorf and warnf calls in macro bodies, the
	// calls of the macros they were expanded from, innermost first: the
	// runtime names them after the message ("expanded from").
	MacroSites map[*ast.Call][]diag.Span
	// CompareTypes is, for == and != between aggregate values (structs,
	// arrays, tuples, records), the common type both sides are converted
	// to before their bytes are compared.
	CompareTypes map[*ast.Binary]types.Type
	// UserAddrs holds the symbols uaddr() resolved in the probe's binary.
	UserAddrs map[*ast.Call]UserAddr
	// PerAttach is set when the body depends on its attach point beyond
	// the probe kind: it reads `args`, or uaddr() resolves a symbol in
	// the probe's binary. Such bodies are checked per attach point instead
	// of sharing the first one's tables.
	PerAttach bool
}

// Builtin is a resolved builtin variable.
type Builtin struct {
	ID stdlib.VarID
	N  int // for argN
}

// VarSym is a scratch variable of one probe.
type VarSym struct {
	Name string
	Type types.Type
	Decl diag.Span
	// poisoned marks a variable whose first value had an error; uses of
	// it are not reported again.
	poisoned bool
	// let is the variable of the let statement declaring it (nil when
	// declared by assignment); for a hoisted variable, its first use
	// after the block that assigned it.
	let *ast.Var
	// implicit marks a variable declared by its first assignment.
	implicit bool
	// origin is the node that declared the variable (its let, its first
	// assignment or, hoisted, its first use after its block); the type
	// it ends a check pass with is learned for the next (learnedType).
	origin *ast.Var
	// sized marks a variable declared with a type (let $x: T), which
	// assignments do not promote.
	sized bool
	// storedStack marks a stack variable assigned a value that was not
	// recorded in this run of the probe (read from a map): len() cannot
	// count its frames.
	storedStack bool
}

// MapSym is a global map.
type MapSym struct {
	Name string
	// Key is nil for scalar maps.
	Key   types.Type
	Value types.Type
	// Decl is the first use.
	Decl diag.Span
	// Kind is the declared map kind from `let @m = kind(n)` ("" default).
	Kind string
	// MaxEntries from a declaration; 0 means the default.
	MaxEntries int
	// KeyNames label the components of the key (the elements of a tuple
	// key, else the key itself), one name per component; nil for scalar
	// maps. They are valid, unique Prometheus label names taken from the
	// expressions of the map's first keyed use in source order (`comm`,
	// `pid`, `filename` for args.filename, `x` for $x, `ustack`, else
	// key0, key1 …); keynames.go has the rules.
	KeyNames []string
	// keyNamesAt is the source offset of the use KeyNames come from.
	keyNamesAt int
	// fixed marks a map from Config.Maps, whose types cannot change.
	fixed bool
}

// Check type-checks prog. The returned Info is usable only when the list has
// no errors.
func Check(src *diag.Source, prog *ast.Program, cfg *Config) (info *Info, diags *diag.List) {
	diags = &diag.List{}
	c := &checker{
		src:     src,
		cfg:     cfg,
		diags:   diags,
		learned: map[learnKey]types.Type{},
		info: &Info{
			Maps:   map[string]*MapSym{},
			StrLen: cfg.StrLen,
			Pid:    cfg.Pid,
			Params: cfg.Params,
			Config: DefaultSettings(),
		},
	}
	if c.info.StrLen <= 0 {
		c.info.StrLen = stdlib.DefaultMaxStrlen
	}
	for name, sym := range cfg.Maps {
		cp := *sym
		cp.fixed = true
		c.info.Maps[name] = &cp
	}
	defer func() {
		if r := recover(); r != nil {
			span := diag.Span{}
			if c.cur != nil {
				span = c.cur.Span()
			}
			diags.Errorf(span, diag.CodeInternal, "internal error: %v", r)
		}
	}()
	// Macros (the script's and the standard library's) are expanded
	// into block expressions before anything is checked.
	c.macros = macro.Expand(src, prog, diags)
	c.program(prog)
	c.checkNamedParams()
	for _, d := range prog.MapDecls {
		if sym := c.info.Maps[d.Name]; sym != nil && sym.Value == nil {
			c.warnf(d, diag.CodeUnknown, "Unused map: %s", d.Name)
		}
	}
	dedupe(diags)
	finishKeyNames(c.info.Maps)
	for name := range c.info.Maps {
		c.info.MapNames = append(c.info.MapNames, name)
	}
	sort.Strings(c.info.MapNames)
	return c.info, diags
}

type checker struct {
	src   *diag.Source
	cfg   *Config
	diags *diag.List
	info  *Info

	// cur is the node being checked, for internal-error reports.
	cur ast.Node
	// macros are the results of macro expansion; expanding is the stack
	// of expansions being checked (scope.go).
	macros    *macro.Result
	expanding []*ast.BlockExpr
	// Per-instance state.
	tab    *Tables
	attach *Attach
	// scope is the innermost variable scope (scope.go); allVars lists
	// every variable declared in the instance.
	scope    *scope
	allVars  []*VarSym
	loop     int
	defines  map[string]ast.Expr
	enums    map[string]enumConst
	cstructs map[string]*types.Struct
	// badCDefs are the script's C definitions that failed ("struct X"):
	// their error is reported once, and a missing member of the type they
	// meant to define is not reported again.
	badCDefs map[string]bool
	// cdefs are the script's C definitions; redefined is the first
	// kernel struct or union among them, once looked up.
	cdefs     []*ast.CDef
	redefined *string
	// selfAssign is the map whose assigned value is being checked.
	selfAssign string
	// enumTypes are the script's named enums, by "enum NAME".
	enumTypes map[string]*types.Enum
	// report is false while re-checking a body for a further instance:
	// diagnostics are only reported once.
	report bool
	// learned holds the variable types found in the previous pass, by
	// instance and declaring node: a variable starts the next pass with
	// the type its later assignments promoted it to (`let $x;` without
	// type or value, `$i = 0; $i++`), so every use reads one type.
	learned map[learnKey]types.Type
	// instSeq numbers the instances checked in this pass.
	instSeq int
	// probe is the probe being checked.
	probe *ast.Probe
	// programs counts the BPF programs the script generates so far;
	// tooManyProgs is set once their limit has been reported (progs.go).
	programs     int
	tooManyProgs bool
	// probes counts attach points against max_probes (progs.go).
	probes        int
	tooManyProbes bool
	// warnedTseries and warnedDwUstack are set once the unstable
	// feature's warning is given.
	warnedTseries, warnedDwUstack bool
	// retired are the variables of the instance, first assigned without
	// let, whose block has ended; hoisted are, per probe, the ones used
	// after their block, by their first such use (scope.go).
	retired map[string]bool
	hoisted map[*ast.Probe]map[string]*ast.Var
	// wildMisses are the wildcards of the probe being expanded that
	// matched nothing (kprobe.go).
	wildMisses []wildMiss
	// runNames are the test: and bench: probes of the pass by
	// "KIND:NAME", whose names must be unique.
	runNames map[string]*ast.AttachPoint
}

func (c *checker) errorf(n ast.Node, code diag.Code, format string, args ...any) *diag.Diagnostic {
	d := &diag.Diagnostic{Span: n.Span(), Severity: diag.Error, Code: code, Msg: fmt.Sprintf(format, args...)}
	c.expansionHint(d)
	if c.report {
		c.diags.Add(d)
	}
	return d
}

func (c *checker) warnf(n ast.Node, code diag.Code, format string, args ...any) {
	if c.report {
		c.diags.Warnf(n.Span(), code, format, args...)
	}
}

func (c *checker) warnAt(span diag.Span, code diag.Code, format string, args ...any) {
	if c.report {
		c.diags.Warnf(span, code, format, args...)
	}
}

// probeHead is the span of a probe's attach points.
func probeHead(p *ast.Probe) diag.Span {
	return diag.Join(p.Attach[0].Span(), p.Attach[len(p.Attach)-1].Span())
}

func (c *checker) errorAt(span diag.Span, code diag.Code, format string, args ...any) *diag.Diagnostic {
	d := &diag.Diagnostic{Span: span, Severity: diag.Error, Code: code, Msg: fmt.Sprintf(format, args...)}
	c.expansionHint(d)
	if c.report {
		c.diags.Add(d)
	}
	return d
}

// dedupe removes repeated diagnostics (same span and message), which arise
// when one probe body is checked for several attach points.
func dedupe(l *diag.List) {
	type key struct {
		span diag.Span
		msg  string
	}
	seen := map[key]bool{}
	out := l.Items[:0]
	for _, d := range l.Items {
		k := key{d.Span, d.Msg}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	l.Items = out
}

// enumConst is an enumerator: its value and the enum it belongs to.
type enumConst struct {
	value int64
	typ   *types.Enum
}

func newTables() *Tables {
	return &Tables{
		Types:      map[ast.Expr]types.Type{},
		Builtins:   map[*ast.Ident]Builtin{},
		Calls:      map[*ast.Call]stdlib.FuncID{},
		Consts:     map[ast.Expr]int64{},
		StrConsts:  map[ast.Expr]string{},
		Fields:     map[*ast.FieldExpr]types.Field{},
		Vars:       map[*ast.Var]*VarSym{},
		Desugared:  map[ast.Expr]ast.Expr{},
		MacroSites: map[*ast.Call][]diag.Span{},

		CompareTypes: map[*ast.Binary]types.Type{},
	}
}

func (c *checker) program(prog *ast.Program) {
	c.report = true
	c.topLevel(prog)
	// Pass 1 learns map types from every probe (a map may be read in a probe
	// before the probe that assigns it); pass 2 reports.
	for pass := 1; pass <= 2; pass++ {
		c.info.Instances = nil
		c.instSeq = 0
		seen := map[stdlib.ProbeKind]*ast.AttachPoint{}
		c.runNames = map[string]*ast.AttachPoint{}
		for _, p := range prog.Probes {
			c.cur = p
			c.report = pass == 2
			errs := len(c.diags.Errors())
			attaches := c.expandProbe(p, seen)
			c.reportWildMisses(p, len(attaches) > 0)
			if len(attaches) == 0 && c.info.Config.MissingProbes == "warn" && len(c.diags.Errors()) == errs {
				c.warnAt(probeHead(p), diag.CodeProbe, "Probe has no valid attach points. It is being removed which may cause issues with program behavior.")
			}
			if len(attaches) == 0 {
				// Still check the body so errors in it are reported.
				c.instance(p, &Attach{Kind: stdlib.ProbeInvalid})
				continue
			}
			var first *Instance
			start := len(c.info.Instances)
			for _, a := range attaches {
				if first != nil && !first.PerAttach && a.Kind == first.Attach.Kind {
					c.info.Instances = append(c.info.Instances, &Instance{Probe: p, Attach: a, Tables: first.Tables})
					continue
				}
				// Every expansion is checked with reporting on: a field may
				// exist in one tracepoint and not in another. Duplicates
				// are removed at the end.
				c.report = pass == 2
				inst := c.instance(p, a)
				if first == nil {
					first = inst
				}
			}
			if pass == 2 {
				c.countPrograms(c.info.Instances[start:])
			}
		}
	}
	c.report = true
}

// instance checks one probe body for one attach point.
func (c *checker) instance(p *ast.Probe, a *Attach) *Instance {
	c.tab = newTables()
	c.instSeq++
	c.attach = a
	c.probe = p
	c.scope = nil
	c.pushScope()
	c.allVars = nil
	c.retired = map[string]bool{}
	c.hoistVars(p)
	c.loop = 0
	inst := &Instance{Probe: p, Attach: a, Tables: c.tab}
	if p.Pred != nil {
		t := c.expr(p.Pred)
		if t != nil && !c.truthy(t) {
			c.errorf(p.Pred, diag.CodeType, "invalid type for predicate: %s", t)
		}
	}
	c.block(p.Body)
	if a.Kind != stdlib.ProbeInvalid {
		c.info.Instances = append(c.info.Instances, inst)
	}
	// Remember variable types for the next pass.
	for _, sym := range c.allVars {
		if sym.Type != nil && sym.origin != nil && !sym.sized {
			c.learned[learnKey{c.instSeq, sym.origin}] = sym.Type
		}
	}
	return inst
}

// learnKey identifies a variable across check passes: the instance
// (probe body and attach point) and the node that declared it.
type learnKey struct {
	inst int
	v    *ast.Var
}

// learnedType is the type the variable declared by v ended the previous
// pass with (nil in the first).
func (c *checker) learnedType(v *ast.Var) types.Type {
	return c.learned[learnKey{c.instSeq, v}]
}

// truthy reports whether values of t can be used as a condition.
func (c *checker) truthy(t types.Type) bool {
	switch t.(type) {
	case *types.Int, *types.Bool, *types.Pointer, *types.String:
		return true
	}
	return false
}
