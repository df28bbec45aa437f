//go:build linux

package engine

import (
	"os"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/lang/preproc"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// Options configure the compilation of a script.
type Options struct {
	// Host answers the checker's questions about the kernel and the
	// traced programs; nil: a new runtime.Host with StrLen and
	// DebugPaths.
	Host *runtime.Host
	// Params are the positional parameters ($1 …) and NamedParams the
	// program options (getopt) given after -- ("name=value").
	Params      []string
	NamedParams []string
	// Env holds the BPFTRACE_* settings that override the config block.
	Env map[string]string
	// StrLen is the string capacity (0: runtime.DefaultMaxStrlen()).
	StrLen int
	// MaxBPFProgs is BPFTRACE_MAX_BPF_PROGS (0: the config's or the
	// default); MaxMapKeys is the capacity of maps without a size when
	// the config gives none (0: the code generator's default).
	MaxBPFProgs, MaxMapKeys int
	// Unsafe allows the unsafe functions; Listing checks probes for a
	// listing (-l) rather than a run.
	Unsafe, Listing bool
	// Pid is the process of -p (0: none); UnwindTargets says that the
	// run names processes whose unwind tables dw_ustack loads.
	Pid           int
	UnwindTargets bool
	// Include finds #include'd headers.
	Include preproc.Includer
	// DebugPaths are directories searched for separate debug files.
	DebugPaths []string
	// HelperErrors makes failed reads and lookups run-time warnings (-k).
	HelperErrors bool
	// Tracepoints says when syscall tracepoints are compiled onto the
	// raw_syscalls hooks (codegen.TracepointsAuto by default).
	Tracepoints codegen.TracepointMode
	// RingBufSize is the event ring buffer's size in bytes (0: the
	// config's perf_rb_pages, else the code generator's default).
	RingBufSize int
}

// Script is a script and what the stages it passed produced.
type Script struct {
	// Source is the script's text; Program its syntax tree (Parse).
	Source  *diag.Source
	Program *ast.Program
	// Info holds the checked probes, maps and config (Check).
	Info *check.Info
	// Object holds the programs and maps (Generate).
	Object *codegen.Object
	// Diagnostics are the warnings of the stages passed.
	Diagnostics diag.List
	// Warnings are the checker's script-wide warnings, without position.
	Warnings []string
}

// Error is the failure of a stage: positioned diagnostics (errors, and
// the warnings that came with them), or a message and a hint.
type Error struct {
	Source      *diag.Source
	Diagnostics *diag.List
	Msg, Hint   string
}

// Error implements error: the diagnostics rendered as the CLI prints
// them, or the message.
func (e *Error) Error() string {
	if e.Diagnostics != nil && len(e.Diagnostics.Items) > 0 {
		return e.Source.Render(e.Diagnostics)
	}
	return e.Msg
}

// Parse reads the script text; name is how diagnostics call it.
func Parse(name, text string) (*Script, error) {
	src := diag.NewSource(name, text)
	prog, diags := parser.Parse(src)
	if diags.HasErrors() {
		return nil, &Error{Source: src, Diagnostics: diags}
	}
	return &Script{Source: src, Program: prog, Diagnostics: *diags}, nil
}

// Check resolves the script's types, probes and maps against the host.
func (s *Script) Check(o *Options) error { return s.check(o, nil) }

// check is Check with the checker's configuration adjusted by set.
func (s *Script) check(o *Options, set func(*check.Config)) error {
	cfg := o.CheckConfig()
	if set != nil {
		set(cfg)
	}
	info, diags := check.Check(s.Source, s.Program, cfg)
	diags.Items = append(s.Diagnostics.Items, diags.Items...)
	if !diags.HasErrors() {
		diags.Items = append(diags.Items, syscallKstackWarnings(info, runtime.KernelRelease)...)
	}
	if diags.HasErrors() {
		return &Error{Source: s.Source, Diagnostics: diags}
	}
	s.Diagnostics = *diags
	if e := info.OptionError; e != nil {
		return &Error{Source: s.Source, Msg: e.Msg, Hint: e.Hint}
	}
	s.Info, s.Warnings = info, info.Warnings
	output.TruncTrailer = info.Config.StrTruncTrailer
	return nil
}

// Generate compiles the checked script into BPF programs and maps for
// the running kernel.
func (s *Script) Generate(o *Options) error {
	obj, diags := codegen.Compile(s.Info, o.CodegenOptions(s.Info, s.Source))
	if diags.HasErrors() {
		return &Error{Source: s.Source, Diagnostics: diags}
	}
	s.Object = obj
	return nil
}

// Compile runs Parse, Check and Generate.
func Compile(name, text string, o *Options) (*Script, error) {
	s, err := Parse(name, text)
	if err != nil {
		return nil, err
	}
	if err := s.Check(o); err != nil {
		return s, err
	}
	return s, s.Generate(o)
}

// host is the options' host, created on first use.
func (o *Options) host() *runtime.Host {
	if o.Host == nil {
		o.Host = runtime.NewHost(&runtime.HostOptions{StrLen: o.strLen(), DebugPaths: o.DebugPaths})
	}
	return o.Host
}

func (o *Options) strLen() int {
	if o.StrLen > 0 {
		return o.StrLen
	}
	return runtime.DefaultMaxStrlen()
}

// CheckConfig is the checker's configuration (Check's; listings check
// with it directly).
func (o *Options) CheckConfig() *check.Config {
	return &check.Config{
		Host:          o.host(),
		Params:        o.Params,
		NamedParams:   o.NamedParams,
		Env:           o.Env,
		Listing:       o.Listing,
		Unsafe:        o.Unsafe,
		StrLen:        o.strLen(),
		Pid:           o.Pid,
		Include:       o.Include,
		UnwindTargets: o.UnwindTargets,
		MaxBPFProgs:   o.MaxBPFProgs,
	}
}

// CodegenOptions are the code generator's options for a checked script
// (Generate's; the interactive shell compiles its units with them).
func (o *Options) CodegenOptions(info *check.Info, src *diag.Source) *codegen.Options {
	keys := info.Config.MaxMapKeys
	if keys <= 0 {
		keys = o.MaxMapKeys
	}
	opts := runtime.KernelOptions(&codegen.Options{Source: src, MaxMapKeys: keys, Events: runtime.EventChannel(), HelperErrors: o.HelperErrors,
		Tracepoints: o.Tracepoints})
	if limit := info.Config.OnStackLimit; limit >= 0 {
		opts.StackLimit = &limit
	}
	// bpftrace's test hook: tseries reads its clock from this map.
	opts.DummyTSMap = os.Getenv("BPFTRACE_DUMMY_TS_MAP")
	opts.RingBufSize = runtime.DefaultRingBufSize(opts.NumCPUs, info.StrLen)
	if pages := info.Config.PerfRBPages; pages > 0 {
		opts.RingBufSize = pages * os.Getpagesize()
	}
	if o.RingBufSize > 0 {
		opts.RingBufSize = o.RingBufSize
	}
	return opts
}
