// Package stdlib is the single source of truth for what the language offers:
// probe kinds, builtin variables, functions and configuration keys.
//
// Each table is an array indexed by a typed ID (ProbeKind, VarID, FuncID).
// Names are resolved to IDs once, by the checker; codegen and runtime keep
// their own arrays indexed by the same IDs, and each has a test that fails
// when an ID has no entry. Nothing outside this package compares builtin
// names as strings. The same tables, with an example per entry
// (examples.go) and the macros of the embedded standard library (bt),
// generate the reference docs/stdlib.md (reference.go).
package stdlib

import "strings"

// ProbeKind identifies a probe provider.
type ProbeKind uint8

// Probe kinds.
const (
	ProbeInvalid ProbeKind = iota
	Begin
	End
	Tracepoint
	Kprobe
	Kretprobe
	Uprobe
	Uretprobe
	USDT
	Profile
	Interval
	Software
	Hardware
	Watchpoint
	Fentry
	Fexit
	RawTracepoint
	Iter
	SelfSignal
	Test
	Bench
	numProbeKinds
)

// NumProbeKinds is the number of probe kinds including ProbeInvalid.
const NumProbeKinds = int(numProbeKinds)

// ProbeDef describes a probe provider.
type ProbeDef struct {
	Name    string   // canonical name, as printed by `probe`
	Aliases []string // other spellings (matched case-insensitively)
	// Parts is the number of ':'-separated parts after the provider; MinParts
	// allows optional trailing parts.
	MinParts, MaxParts int
	Doc                string
	// Implemented is false for providers that parse but are not built yet;
	// using one is a positioned "not supported yet" error.
	Implemented bool
	// HasArgs is true when the provider exposes `args` (tracepoint-style).
	HasArgs bool
	// HasArgN is true when arg0..argN and reg() are available.
	HasArgN bool
	// HasRetval is true when retval is available.
	HasRetval bool
	// UserSpace is true for probes on user code: their pointer arguments
	// and the pointers scripts cast to are user-space pointers.
	UserSpace bool
	// Regs is true when the context starts with the registers (struct
	// pt_regs, or perf events' bpf_perf_event_data), for reg().
	Regs bool
	// InTask is true when the program runs in the context of the task
	// that hit the probe, so signal() has a meaningful target.
	InTask bool
	// Listed is true when -l lists the provider's probes by expanding a
	// pattern as an attach point (function and event names).
	Listed bool
	// RunOnce is true for the probes that run in the tracer with
	// BPF_PROG_TEST_RUN instead of being attached: begin, end,
	// self:signal, test and bench.
	RunOnce bool
	// PidFilter is true when the kind's probes fire for every process
	// and cannot be attached to one: with -p PID its programs begin with
	// a check of the current process (bpftrace's pid filter). uprobes,
	// USDT and perf events (profile, software, hardware) attach to the
	// process instead; BEGIN, END and interval are not filtered.
	PidFilter bool
}

// Probes is the probe-kind table.
var Probes = [...]ProbeDef{
	ProbeInvalid:  {Name: "invalid"},
	Begin:         {Name: "begin", Aliases: []string{"BEGIN"}, Doc: "runs once before all other probes", Implemented: true, RunOnce: true},
	End:           {Name: "end", Aliases: []string{"END"}, Doc: "runs once when tracing ends", Implemented: true, RunOnce: true},
	Tracepoint:    {Name: "tracepoint", Aliases: []string{"t"}, MinParts: 2, MaxParts: 2, Doc: "kernel static tracepoint CATEGORY:NAME", Implemented: true, HasArgs: true, InTask: true, PidFilter: true},
	Kprobe:        {Name: "kprobe", Aliases: []string{"k"}, MinParts: 1, MaxParts: 2, Doc: "kernel function entry", Implemented: true, HasArgN: true, Regs: true, InTask: true, Listed: true, PidFilter: true},
	Kretprobe:     {Name: "kretprobe", Aliases: []string{"kr"}, MinParts: 1, MaxParts: 2, Doc: "kernel function return", Implemented: true, HasRetval: true, Regs: true, InTask: true, Listed: true, PidFilter: true},
	Uprobe:        {Name: "uprobe", Aliases: []string{"u"}, MinParts: 2, MaxParts: 3, Doc: "user function entry", Implemented: true, HasArgN: true, UserSpace: true, Regs: true, InTask: true, Listed: true},
	Uretprobe:     {Name: "uretprobe", Aliases: []string{"ur"}, MinParts: 2, MaxParts: 2, Doc: "user function return", Implemented: true, HasRetval: true, UserSpace: true, Regs: true, InTask: true, Listed: true},
	USDT:          {Name: "usdt", Aliases: []string{"U"}, MinParts: 2, MaxParts: 3, Doc: "user statically defined tracepoint", HasArgN: true, Implemented: true, UserSpace: true, Regs: true, InTask: true, Listed: true},
	Profile:       {Name: "profile", Aliases: []string{"p"}, MinParts: 1, MaxParts: 2, Doc: "timed sampling on every CPU", Implemented: true, Regs: true, InTask: true},
	Interval:      {Name: "interval", Aliases: []string{"i"}, MinParts: 1, MaxParts: 2, Doc: "timed event on one CPU", Implemented: true, Regs: true},
	Software:      {Name: "software", Aliases: []string{"s"}, MinParts: 1, MaxParts: 2, Doc: "perf software event EVENT[:COUNT] on every CPU, sampled every COUNT events", Implemented: true, Regs: true, InTask: true},
	Hardware:      {Name: "hardware", Aliases: []string{"h"}, MinParts: 1, MaxParts: 2, Doc: "perf hardware (PMU) event EVENT[:COUNT] on every CPU, sampled every COUNT events", Implemented: true, Regs: true, InTask: true},
	Watchpoint:    {Name: "watchpoint", Aliases: []string{"w"}, MinParts: 3, MaxParts: 3, Doc: "hardware watchpoint ADDRESS:LENGTH:MODE (MODE: w, rw or x), in every process or, with -p/-c, in that process", Implemented: true, Regs: true, InTask: true},
	Fentry:        {Name: "fentry", Aliases: []string{"f", "kfunc"}, MinParts: 1, MaxParts: 3, Doc: "kernel function entry via BTF trampoline", Implemented: true, HasArgs: true, InTask: true, Listed: true, PidFilter: true},
	Fexit:         {Name: "fexit", Aliases: []string{"fr", "kretfunc"}, MinParts: 1, MaxParts: 3, Doc: "kernel function exit via BTF trampoline", Implemented: true, HasArgs: true, HasRetval: true, InTask: true, Listed: true, PidFilter: true},
	RawTracepoint: {Name: "rawtracepoint", Aliases: []string{"rt"}, MinParts: 1, MaxParts: 2, Doc: "raw kernel tracepoint [MODULE:]EVENT (classic raw_tp: argN are the tracepoint's raw arguments, args their names and types from BTF)", Implemented: true, HasArgs: true, HasArgN: true, InTask: true, Listed: true, PidFilter: true},
	Iter:          {Name: "iter", Aliases: []string{"it"}, MinParts: 1, MaxParts: 2, Doc: "BPF iterator over kernel objects (task, task_file)", Implemented: true},
	SelfSignal:    {Name: "self", MinParts: 2, MaxParts: 2, Doc: "runs each time gobpftrace receives a signal: self:signal:SIGUSR1", Implemented: true, RunOnce: true},
	Test:          {Name: "test", MinParts: 1, MaxParts: 1, Doc: "test:NAME runs once with --mode test (--test), passing when it returns 0 without exit(N) or errorf()", Implemented: true, RunOnce: true},
	Bench:         {Name: "bench", MinParts: 1, MaxParts: 1, Doc: "bench:NAME is timed with --mode bench (--bench): run repeatedly for at least 1 ms, its average time per run printed", Implemented: true, RunOnce: true},
}

// SelfSignals are the signals of self:signal:SIGNAL probes.
var SelfSignals = []string{"SIGUSR1"}

// TypeName is the name the probetype builtin gives probes of kind k, as
// bpftrace names its probe types: begin, end and self are "special".
func (k ProbeKind) TypeName() string {
	switch k {
	case Begin, End, SelfSignal:
		return "special"
	case Bench:
		return "benchmark"
	}
	return k.String()
}

// String returns the canonical provider name.
func (k ProbeKind) String() string {
	if int(k) < len(Probes) {
		return Probes[k].Name
	}
	return "invalid"
}

var probeIndex = func() map[string]ProbeKind {
	m := map[string]ProbeKind{}
	for id := ProbeKind(1); id < numProbeKinds; id++ {
		m[strings.ToLower(Probes[id].Name)] = id
		for _, a := range Probes[id].Aliases {
			if a == "U" {
				continue // case-sensitive alias, handled below
			}
			m[strings.ToLower(a)] = id
		}
	}
	return m
}()

// LookupProbe resolves a provider name or alias. Names are case-insensitive
// except the single-letter aliases, where "U" is usdt and "u" is uprobe.
func LookupProbe(name string) (ProbeKind, bool) {
	switch name {
	case "U":
		return USDT, true
	case "u":
		return Uprobe, true
	}
	k, ok := probeIndex[strings.ToLower(name)]
	return k, ok
}

// ProbeNames returns every canonical provider name and alias.
func ProbeNames() []string {
	var out []string
	for id := ProbeKind(1); id < numProbeKinds; id++ {
		out = append(out, Probes[id].Name)
		out = append(out, Probes[id].Aliases...)
	}
	return out
}
