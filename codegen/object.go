package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// Object is the compiled form of a script: everything the runtime needs to
// load, attach and decode, and nothing that depends on the running kernel.
type Object struct {
	Programs []*Program
	Maps     []*MapDef
	// Events is the event table; a record's first 8 bytes hold its index.
	Events []*EventDef
	// ProbeNames is indexed by the value of the `probe` builtin.
	ProbeNames []string
	// TimeFormats is indexed by the format id of a strftime() value.
	TimeFormats []string
	// StrLen is the capacity of strings read by str().
	StrLen int
	// License is the license the programs are loaded with (the license
	// config key; "GPL" by default).
	License string
	// Source is the script text that the spans of runtime error events
	// and of MapDef.UpdateSite point into, for their messages (set when
	// there are such events or sites).
	Source *diag.Source
}

// Well-known internal map names.
const (
	// RingBufMap is the ring buffer carrying event records.
	RingBufMap = "ringbuf"
	// LostMap is a per-CPU array (one uint64) counting failed reservations.
	LostMap = "lost"
	// StateMap is a one-element array of uint64 slots the runtime fills
	// before any probe runs (see StateSlot).
	StateMap = "state"
	// TAIDeltaMap is a one-element array holding the uint64 nanoseconds
	// CLOCK_TAI is ahead of CLOCK_BOOTTIME, which the runtime measures
	// before any probe runs; only programs using nsecs(sw_tai) have it.
	TAIDeltaMap = "tai_delta"
	// DropsMap is a per-CPU array with one uint64 per user map
	// (MapDef.DropSlot) counting updates the map refused because it was
	// full, so the runtime can warn instead of losing them silently.
	DropsMap = "drops"
	// ScratchMap is a per-CPU array with one entry per program: the area
	// where values too big for the BPF stack live (long strings, large
	// tuples and keys).
	ScratchMap = "scratch"
)

// StateSlot indexes the uint64 words of StateMap's single value.
type StateSlot int

// State slots.
const (
	SlotStartNs StateSlot = iota // boot-clock ns when tracing started (elapsed)
	SlotCpid                     // pid of the -c child
	SlotNcpus                    // number of possible CPUs
	SlotExited                   // set by exit(): the probes do nothing more
	NumStateSlots
)

// Program is one BPF program: a probe body specialised for one expanded
// attach point.
type Program struct {
	// Name is a unique, kernel-valid program name.
	Name string
	Kind stdlib.ProbeKind
	// Probe is the full expanded probe name, e.g.
	// "tracepoint:syscalls:sys_enter_openat" (what `probe` prints).
	Probe  string
	Target Target
	// Type is the BPF program type (tracepoint, perf_event, kprobe, raw
	// tracepoint for BEGIN/END).
	Type ebpf.ProgramType
	// AttachType and AttachTo are the expected attach type and target
	// (function or iterator name) of BPF tracing programs.
	AttachType ebpf.AttachType
	AttachTo   string
	// Location is the index of a usdt program's place among its probe's
	// (check.Attach.Location): programs after the first place of a probe
	// attach the same probe again.
	Location int
	// MoreFuncs are the further functions, after Target.Func, of a kprobe
	// or uprobe wildcard's shared program (see kprobemulti.go).
	MoreFuncs []string
	// Session marks a kprobe session program: a kprobe and a kretprobe on
	// the same functions joined into one (see session.go), attached with
	// one kprobe-multi session link; Probe names both.
	Session bool
	// Fused is set for a syscall tracepoint compiled onto a raw_syscalls
	// hook (fused.go): a raw tracepoint program that the runtime puts in
	// the hook's program array instead of attaching it.
	Fused *Fused
	// RawForm marks a tracepoint probe whose body does not read the
	// event's record (rawform.go): a raw tracepoint program, attached to
	// the tracepoint named as the event (Target.Event); the runtime loads
	// the same instructions as a tracepoint program where there is none.
	RawForm bool
	// Internal marks a program of gobpftrace's own, not a probe of the
	// script (the dispatchers of fused syscall tracepoints): it is
	// attached but neither counted nor listed as a probe.
	Internal bool
	Insns    asm.Instructions
	// Span is the attach point in the script, for attach errors.
	Span diag.Span
}

// Target says where a program attaches; which fields are used depends on
// Program.Kind.
type Target struct {
	Category, Event string // tracepoint
	Func            string // kprobe, uprobe, usdt probe name
	Binary          string // uprobe, usdt (uprobe: may be ARCHIVE!/MEMBER)
	// Offset is a kprobe's or uprobe's offset into Func, or a usdt
	// probe's file offset.
	Offset uint64
	// Addr is a uprobe's virtual address in Binary when it was written as
	// one (Func is then empty); the runtime finds its file offset (an
	// address no executable segment holds is one already). For a
	// watchpoint it is the watched address.
	Addr uint64
	// WatchLen and WatchMode are a watchpoint's length in bytes and
	// access mode (r, w, x letters, sorted).
	WatchLen  uint64
	WatchMode string
	// RefCtrOffset is the file offset of a usdt probe's semaphore (0: none).
	RefCtrOffset uint64
	// PeriodNs is the interval/profile period in nanoseconds; Freq is set
	// instead for hz forms.
	PeriodNs uint64
	Freq     uint64
	// PerfEvent names the event of a software or hardware probe,
	// PerfConfig is its perf config value and Count its sample period.
	PerfEvent  string
	PerfConfig uint64
	Count      uint64
}

// MapDef describes one BPF map.
type MapDef struct {
	// Name is the script name ("@x", "@") or an internal name (RingBufMap, …).
	// Instructions refer to the map by this name.
	Name     string
	Spec     *ebpf.MapSpec
	Internal bool
	// Key is the user-visible key type; nil for scalar maps (whose BPF key
	// is a uint64 zero). For hist/lhist maps the BPF key is Key followed by
	// a uint64 bucket index.
	Key types.Type
	// Value is the value type; an *types.Agg for aggregations.
	Value types.Type
	// KeyNames label the components of Key (check.MapSym.KeyNames): one
	// valid, unique Prometheus label name per tuple element, or one for a
	// key that is not a tuple; nil for scalar and internal maps.
	KeyNames []string
	// PerCPU is true when the kernel map is per-CPU (aggregations).
	PerCPU bool
	// DropSlot is this map's counter in DropsMap (user maps only).
	DropSlot int
	// UpdateSite is the statement of the map's first update that may be
	// refused (the location of map-full reports; End 0 when there is none).
	UpdateSite diag.Span
	// Array marks a scalar histogram stored as a per-CPU array: the BPF
	// key is the uint32 bucket index and every slot always exists. The verifier inlines array lookups, so these
	// maps cost no helper call; the runtime drops all-zero slots and
	// rebuilds the generic key layout when printing.
	Array bool
}

// EventKind says what a ring-buffer record asks the runtime to do.
type EventKind uint8

// Event kinds.
const (
	EventPrintf       EventKind = iota + 1 // format Pieces with Args
	EventPrint                             // print one value (Args[0])
	EventPrintMap                          // print(@m[, top[, div]]): Args are top and div (uint64)
	EventClear                             // clear(@m)
	EventZero                              // zero(@m)
	EventExit                              // exit([code]): Args[0] is the code when present
	EventTime                              // time(fmt)
	EventCat                               // cat(fmt, args)
	EventSystem                            // system(fmt, args)
	EventJoin                              // join(argv, sep): Args[0] is the count of strings that follow, each of the object's StrLen; Format is the separator
	EventRuntimeError                      // an error detected at run time: Error at Span (a header-only record)
	EventErrorf                            // errorf(fmt, args): printf Pieces with Args, reported as an error at Span
	EventWarnf                             // warnf(fmt, args): printf Pieces with Args, reported as a warning at Span
	EventUnwatch                           // unwatch(addr): Args[0] is the address
)

// HeaderSize is the size of a record header: a uint32 event index and 4
// bytes of padding. Arguments start at HeaderSize.
const HeaderSize = 8

// EventDef is one entry of the event table.
type EventDef struct {
	Kind EventKind
	// Format is the printf/time/cat/system format text; Pieces its parse.
	Format string
	Pieces []format.Piece
	// Args locate the arguments inside the record (offsets include the
	// header).
	Args []Arg
	// Map is the map name for EventPrintMap, EventClear and EventZero.
	Map string
	// Error is the error of an EventRuntimeError; Span is where it
	// happened. Helper names the helper of a RuntimeHelperError (as
	// bpftrace does: "probe_read_user"), whose record header carries
	// the error code (an int32 after the event index).
	Error  RuntimeError
	Helper string
	// Size is the total record size.
	Size int
	Span diag.Span
	// MacroSites are, for errorf and warnf in a macro body, the macro
	// calls it was expanded from, innermost first.
	MacroSites []diag.Span
}

// Arg is one argument of an event record.
type Arg struct {
	Type   types.Type
	Offset int
}

// LicenseOrGPL is the license to load the programs with: License, or
// "GPL" when it is not set (an Object built by hand).
func (o *Object) LicenseOrGPL() string {
	if o.License == "" {
		return "GPL"
	}
	return o.License
}
