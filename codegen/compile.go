// Package codegen turns a checked script into BPF programs, map
// definitions and an event table (an Object), using the cilium/ebpf asm
// DSL. It is pure: no syscalls, no dependence on the running kernel, so the
// same script always yields the same Object and every construct can be
// golden-tested without privileges.
//
// Code shape. Every probe instance becomes one program (kprobe and
// uprobe wildcards share one where the kernel attaches many functions at
// once; many syscall tracepoints are fused onto the raw_syscalls hooks
// behind a dispatcher program each: fused.go; tracepoint probes that do not
// read their record become raw tracepoint programs: rawform.go). Integer
// expressions leave their value in R0; anything larger (strings, tuples,
// keys, records) is written to a memory location (a stack slot or the
// reserved ring-buffer record). Intermediate integers are spilled to stack
// slots around sub-expressions, so no register is ever live across the
// evaluation of another expression except the few with fixed roles (see
// emitter.go). The 512-byte stack is allocated with a bump allocator that
// is released after each statement; values over 128 bytes (long strings,
// wide tuples and keys) go to the program's own entry of a per-CPU array,
// the scratch area, whose address the prologue keeps in R8. Exceeding
// either is a positioned error.
//
// Events. printf, print, exit, time … reserve a record in the ring buffer,
// write the event index and the arguments straight into it, and submit it
// without waking user space unless the ring is a quarter full (adaptive
// wakeup: the runtime polls). A failed reservation increments the per-CPU
// "lost" counter, so no event is lost silently.
//
// Maps. Aggregations are per-CPU hashes combined in user space; hist and
// lhist append a uint64 bucket index to the key. Scalar maps use a uint64
// zero key.
package codegen

import (
	"fmt"
	goruntime "runtime"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Options tune code generation.
type Options struct {
	// MaxMapKeys is the capacity of maps without a declared size (default 4096).
	MaxMapKeys int
	// RingBufSize is the ring buffer size in bytes (a power of two,
	// default 4 MiB; gobpftrace sizes it by the CPUs and the string
	// capacity: runtime.DefaultRingBufSize).
	RingBufSize int
	// Events selects the channel of event records (default: the ring
	// buffer; see EventChannel).
	Events EventChannel
	// Arch is the GOARCH whose pt_regs layout argN and retval read
	// (default: the architecture gobpftrace was built for).
	Arch string
	// Source, when set, is used to tag instructions with the script line
	// they come from (shown by -d asm and in verifier logs).
	Source *diag.Source
	// StackLimit is the largest value kept on the BPF stack; bigger ones
	// go to the per-CPU scratch area. Nil means the default (128).
	StackLimit *int
	// DummyTSMap names a scalar integer map that tseries reads as its
	// clock instead of the kernel's (BPFTRACE_DUMMY_TS_MAP, for tests of
	// tseries output, as bpftrace has it); "" for the real clock.
	DummyTSMap string
	// LongJumps, when set, reports whether the kernel has the 32-bit
	// unconditional jump (gotol: BPF_JMP32|BPF_JA, Linux 6.6). It is
	// asked only when a program has a jump too far for a 16-bit offset;
	// without it such jumps hop through islands, which works everywhere.
	LongJumps func() bool
	// NumCPUs is the number of possible CPUs: a probe that reads a
	// per-CPU aggregation combines the slots of CPUs 0 to NumCPUs - 1, a
	// loop whose trip count the verifier sees as a constant (0: up to
	// 1024 CPUs, which costs the verifier more).
	NumCPUs int
	// PercpuLookup, when set, reports whether the kernel has the helper
	// bpf_map_lookup_percpu_elem (Linux 5.19). It is asked only when a
	// probe reads a per-CPU aggregation; without the helper such a read
	// is an error at the map. Nil means the helper exists.
	PercpuLookup func() bool
	// Kfunc, when set, reports whether the kernel has the kernel function
	// (kfunc) name. It is asked only for the kfuncs a script needs (the
	// task-VMA iterator of uaddr() in a position-independent file, Linux
	// 6.7); a missing one is an error at the call that needs it. Nil means
	// every kfunc exists.
	Kfunc func(name string) bool
	// KprobeSession, when set, reports whether the kernel can attach a
	// kprobe session program (Linux 6.10, kprobe-multi links) to funcs.
	// It is asked for each kprobe that has a kretprobe partner on the
	// same functions; the two are then one program (session.go). Nil
	// means no sessions.
	KprobeSession func(funcs []string) bool
	// Helper, when set, reports whether the kernel has the BPF helper fn
	// (in tracing programs). It is asked only for the helpers of
	// constructs that need a recent kernel: for loops over a range
	// (bpf_loop, Linux 5.17) and over a map (bpf_for_each_map_elem, Linux
	// 5.13); without it such a loop is an error at the loop. Nil means
	// every helper exists.
	Helper func(fn asm.BuiltinFunc) bool
	// PidNS is the PID namespace gobpftrace runs in, when it is not the
	// initial one: pid and tid are then read as that namespace sees them
	// (bpf_get_ns_current_pid_tgid). Nil means the initial namespace.
	PidNS *PidNS
	// HelperErrors (-k, --warnings) reports failed memory reads and map
	// lookups of absent keys at run time, with the helper's error code
	// and the expression (helpererr.go).
	HelperErrors bool
	// Tracepoints says when syscall tracepoints are compiled onto the
	// raw_syscalls hooks (fused.go); TracepointsAuto by default.
	Tracepoints TracepointMode
}

// PidNS identifies a PID namespace as the kernel does: the device (in the
// kernel's encoding, major<<20 | minor) and inode of its nsfs file.
type PidNS struct {
	Dev, Ino uint64
}

// Compile generates the Object for a checked program. Errors that can only
// be found while generating code (stack overflow) come back as positioned
// diagnostics in the list.
func Compile(info *check.Info, opts *Options) (*Object, *diag.List) {
	if opts == nil {
		opts = &Options{}
	}
	if opts.MaxMapKeys <= 0 {
		opts.MaxMapKeys = 4096
	}
	if opts.RingBufSize <= 0 {
		opts.RingBufSize = 4 << 20
	}
	if opts.Arch == "" {
		opts.Arch = goruntime.GOARCH
	}
	// A fused program that does not compile (its record takes stack
	// space) is compiled again as a tracepoint, in a new attempt: the
	// slots of the others depend on it.
	skip := map[*check.Instance]bool{}
	for {
		obj, diags, failed := compile(info, opts, skip)
		if failed == nil {
			return obj, diags
		}
		skip[failed] = true
	}
}

// compile is one attempt of Compile, with the instances in skip not
// fused. failed is a fused instance whose program did not compile (the
// result is then to be discarded).
func compile(info *check.Info, opts *Options, skip map[*check.Instance]bool) (obj *Object, diags *diag.List, failed *check.Instance) {
	diags = &diag.List{}
	stackLimit := scratchThreshold
	if opts.StackLimit != nil {
		stackLimit = *opts.StackLimit
	}
	c := &compiler{info: info, opts: opts, obj: &Object{StrLen: info.StrLen, License: info.Config.License}, maps: map[string]*MapDef{}, stackLimit: stackLimit}
	c.fusion = c.planFusion(skip)
	c.internalMaps()
	c.userMaps()
	c.addMap(&MapDef{Name: DropsMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "drops", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8,
		MaxEntries: uint32(max(1, c.userMapCount))}})
	names := map[string]int{}
	var prevInst *check.Instance
	var prev *Program
	for _, inst := range info.Instances {
		if prev != nil && sharesKprobeProgram(prevInst, inst) {
			addKprobeFunc(prev, inst)
			continue
		}
		prevInst, prev = inst, nil
		p, err := c.program(inst, len(c.obj.Programs))
		if err != nil && p != nil && p.Fused != nil {
			return nil, nil, inst
		}
		if err != nil {
			code := err.code
			if code == "" {
				code = diag.CodeStack
			}
			diags.Add(&diag.Diagnostic{Span: err.span, Severity: diag.Error, Code: code, Msg: err.msg})
			continue
		}
		base := programName(inst.Attach)
		names[base]++
		p.Name = base
		if n := names[base]; n > 1 {
			p.Name = fmt.Sprintf("%s_%d", truncateName(base, 12), n)
		}
		c.obj.Programs = append(c.obj.Programs, withFuncInfo(p))
		prev = p
	}
	c.joinSessions()
	if c.fusion != nil {
		c.dispatchers(c.fusion)
	}
	if c.scratchSize > 0 {
		c.addMap(&MapDef{Name: ScratchMap, Internal: true, Spec: &ebpf.MapSpec{
			Name: "scratch", Type: ebpf.PerCPUArray, KeySize: 4,
			ValueSize: uint32(c.scratchSize), MaxEntries: uint32(max(1, len(c.obj.Programs)))}})
	}
	return c.obj, diags, nil
}

// withFuncInfo puts function metadata on p's first instruction, which
// lets the source comments become BTF line info, and returns p.
func withFuncInfo(p *Program) *Program {
	p.Insns[0] = btf.WithFuncMetadata(p.Insns[0], &btf.Func{
		Name:    p.Name,
		Type:    &btf.FuncProto{Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}},
		Linkage: btf.GlobalFunc,
	})
	return p
}

// withScratch inserts, after the first instruction (which saves the
// context), the lookup of the program's per-CPU scratch area: entry index
// of ScratchMap, whose address is kept in regScratch. The key is written
// to the top of the stack, which nothing else uses yet at that point. then
// follows the lookup.
func (c *compiler) withScratch(insns asm.Instructions, index, size int, then ...asm.Instruction) asm.Instructions {
	c.scratchSize = max(c.scratchSize, size)
	lookup := asm.Instructions{
		asm.StoreImm(asm.R10, -8, int64(index), asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(ScratchMap),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.Mov.Reg(regScratch, asm.R0),
	}
	lookup = append(lookup, then...)
	out := make(asm.Instructions, 0, len(insns)+len(lookup))
	out = append(out, insns[0])
	out = append(out, lookup...)
	return append(out, insns[1:]...)
}

type compiler struct {
	info *check.Info
	opts *Options
	obj  *Object
	maps map[string]*MapDef
	// userMapCount is the number of script maps (the drop counter slots).
	userMapCount int
	// scratchSize is the largest scratch area a program needs.
	scratchSize int
	// stackLimit is the largest value kept on the stack.
	stackLimit int
	// probeIDs interns probe names for the `probe` builtin.
	probeIDs map[string]int
	timeFmts map[string]int
	// percpuLookup caches the answer of Options.PercpuLookup.
	percpuLookup *bool
	// kfuncs caches the answers of Options.Kfunc.
	kfuncs map[string]bool
	// helpers caches the answers of Options.Helper.
	helpers map[asm.BuiltinFunc]bool
	// fusion is the fused form of the syscall tracepoints (nil: none).
	fusion *fusionPlan
}

func (c *compiler) internalMaps() {
	c.addMap(c.eventsMap())
	c.addMap(&MapDef{Name: LostMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "lost", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}})
	c.addMap(&MapDef{Name: StateMap, Internal: true, Spec: &ebpf.MapSpec{
		Name: "state", Type: ebpf.Array, KeySize: 4, ValueSize: uint32(NumStateSlots) * 8, MaxEntries: 1}})
}

func (c *compiler) addMap(m *MapDef) {
	c.maps[m.Name] = m
	c.obj.Maps = append(c.obj.Maps, m)
}

// userMaps creates one BPF map per script map, in name order.
func (c *compiler) userMaps() {
	for i, name := range c.info.MapNames {
		sym := c.info.Maps[name]
		if sym.Value == nil {
			continue
		}
		m := &MapDef{Name: name, Key: sym.Key, Value: sym.Value, KeyNames: sym.KeyNames, DropSlot: c.userMapCount}
		keySize := 8
		if sym.Key != nil {
			keySize = max(sym.Key.Size(), 1) // the kernel has no empty keys
		}
		mtype := ebpf.Hash
		if agg, ok := sym.Value.(*types.Agg); ok {
			mtype = ebpf.PerCPUHash
			m.PerCPU = true
			if agg.Kind == types.Hist || agg.Kind == types.LHist || agg.Kind == types.Tseries {
				keySize = HistKeySize(sym.Key)
			}
		}
		switch sym.Kind {
		case "lruhash":
			mtype = ebpf.LRUHash
		case "percpuhash":
			mtype = ebpf.PerCPUHash
		case "percpulruhash":
			mtype = ebpf.LRUCPUHash
		}
		if mtype == ebpf.PerCPUHash || mtype == ebpf.LRUCPUHash {
			m.PerCPU = true
		}
		entries := c.opts.MaxMapKeys
		if sym.MaxEntries > 0 {
			entries = sym.MaxEntries
		}
		if sym.Key == nil {
			entries = 1
			if a, ok := sym.Value.(*types.Agg); ok && a.Kind == types.Tseries {
				entries = int(a.Intervals) // one entry per interval
			}
		}
		if a, ok := sym.Value.(*types.Agg); ok && sym.Key == nil && sym.Kind == "" && (a.Kind == types.Hist || a.Kind == types.LHist) {
			// Scalar histograms: a per-CPU array indexed by the bucket.
			// (Other scalar aggregations stay in a hash: an array slot
			// cannot tell "never set" from "zeroed by zero()".)
			m.Array = true
			mtype = ebpf.PerCPUArray
			keySize = 4
			entries = AggSlots(a)
		}
		m.Spec = &ebpf.MapSpec{
			Name:       mapKernelName(name, i),
			Type:       mtype,
			KeySize:    uint32(keySize),
			ValueSize:  uint32(max(sym.Value.Size(), 1)),
			MaxEntries: uint32(entries),
		}
		c.addMap(m)
		c.userMapCount++
	}
}

// AggSlots is the number of slots of a scalar aggregation stored as an
// array: the number of buckets for hist and lhist.
func AggSlots(a *types.Agg) int {
	switch a.Kind {
	case types.Hist:
		return types.HistBuckets(a.Bits)
	case types.LHist:
		return int((a.Max-a.Min)/a.Step) + 2
	}
	return 1
}

// HistBuckets is the number of log2 histogram buckets without a bits
// argument: negative values, zero, and one per power of two up to 2^64.
const HistBuckets = 66

// HistKeySize is the BPF key size of a hist/lhist map with user key type
// key (nil for scalar maps): the user key padded to 8 bytes, then a uint64
// bucket index. Scalar maps use a uint64 zero as the user key.
func HistKeySize(key types.Type) int {
	if key == nil {
		return 16
	}
	return types.AlignUp(key.Size(), 8) + 8
}

// mapKernelName turns "@name" into a valid, unique BPF object name.
func mapKernelName(name string, i int) string {
	s := "AT_" + sanitize(strings.TrimPrefix(name, "@"))
	return truncateName(s, 11) + fmt.Sprintf("_%d", i)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func truncateName(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// programName is a readable kernel program name (at most 15 bytes).
func programName(a *check.Attach) string {
	s := a.Kind.String()
	switch {
	case a.Event != "" && a.Kind == stdlib.RawTracepoint:
		s = "rt_" + a.Event
	case a.Kind == stdlib.Iter:
		s = "iter_" + a.Event
	case a.Kind == stdlib.Fentry:
		s = "f_" + a.Func
	case a.Kind == stdlib.Fexit:
		s = "fr_" + a.Func
	case a.Event != "":
		s = "tp_" + a.Event
	case a.Func != "" && (a.Kind == stdlib.Kprobe || a.Kind == stdlib.Kretprobe):
		s = "k_" + a.Func
		if a.Kind == stdlib.Kretprobe {
			s = "kr_" + a.Func
		}
	case a.Func != "" && a.Kind == stdlib.Uretprobe:
		s = "ur_" + a.Func
	case a.Func != "":
		s = "u_" + a.Func
	}
	return truncateName(sanitize(s), 15)
}

// probeID interns a probe name for the `probe` builtin.
func (c *compiler) probeID(name string) int {
	return intern(&c.probeIDs, &c.obj.ProbeNames, name)
}

// timeFormat interns a strftime format.
func (c *compiler) timeFormat(f string) int {
	return intern(&c.timeFmts, &c.obj.TimeFormats, f)
}

// intern returns the index of s in *table, appending it when new; index
// remembers the positions.
func intern(index *map[string]int, table *[]string, s string) int {
	if *index == nil {
		*index = map[string]int{}
	}
	if id, ok := (*index)[s]; ok {
		return id
	}
	id := len(*table)
	*table = append(*table, s)
	(*index)[s] = id
	return id
}

// addEvent appends an event definition and returns its index.
func (c *compiler) addEvent(ev *EventDef) int {
	c.obj.Events = append(c.obj.Events, ev)
	return len(c.obj.Events) - 1
}

// program compiles one probe instance.
func (c *compiler) program(inst *check.Instance, index int) (p *Program, cerr *compileError) {
	g := &gen{c: c, inst: inst, e: &emitter{stackLimit: c.stackLimit}, vars: map[*check.VarSym]loc{}, sub: -1}
	defer func() {
		if r := recover(); r != nil {
			if ce, ok := r.(*compileError); ok {
				cerr = ce
				return
			}
			cerr = &compileError{span: g.e.span, msg: fmt.Sprintf("internal compiler error: %v", r)}
		}
	}()
	a := inst.Attach
	kind := probeKinds[a.Kind]
	p = &Program{
		Kind:       a.Kind,
		Probe:      a.Name,
		Type:       kind.progType,
		AttachType: kind.attachType,
		AttachTo:   attachTo(a),
		Span:       a.Point.Span(),
		Target: Target{
			Category: a.Category, Event: a.Event,
			PeriodNs: a.PeriodNs, Freq: a.Freq,
			PerfConfig: a.PerfEvent.Config, PerfEvent: a.PerfEvent.Name, Count: a.Count,
			Binary: a.Binary, Func: a.Func, Offset: a.Offset, Addr: a.Addr,
		},
	}
	if a.USDT != nil {
		p.Target.Offset, p.Target.RefCtrOffset = a.USDT.Offset, a.USDT.RefCtrOffset
		p.Location = a.Location
	}
	if a.Watch != nil {
		p.Target.Addr, p.Target.WatchLen, p.Target.WatchMode = a.Watch.Addr, a.Watch.Len, a.Watch.Mode
	}
	if fp := c.fusion.probe(inst); fp != nil {
		g.fused = fp
		p.Type = ebpf.RawTracepoint
		p.Fused = &fp.Fused
	} else if c.rawForm(inst) {
		asRawForm(p)
	}
	g.e.comment = g.sourceLine(a.Point.Span())
	g.prologue()
	g.fusedSpill()
	g.tracingPrologue()
	g.exitGuard()
	g.pidFilter()
	g.fusedPrologue()
	if inst.Probe.Pred != nil {
		g.e.span = inst.Probe.Pred.Span()
		g.e.comment = g.sourceLine(inst.Probe.Pred.Span())
		g.cond(inst.Probe.Pred, "exit")
	}
	g.block(inst.Probe.Body)
	g.e.place("exit")
	g.fusedEpilogue()
	g.e.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	insns := g.e.insns
	if g.e.maxScratch > 0 {
		var spill []asm.Instruction
		if len(g.subs) > 0 {
			spill = append(spill, asm.StoreMem(asm.R10, g.scratchSpill.off, regScratch, asm.DWord))
		}
		insns = c.withScratch(insns, index, g.e.maxScratch, spill...)
	}
	insns, err := layoutJumps(pruneUnreachable(insns), c.opts.LongJumps)
	if err == nil {
		insns, err = g.finishSubprogs(insns, g.subprogPrologue)
	}
	if err != nil {
		return nil, &compileError{span: p.Span, msg: err.Error()}
	}
	p.Insns = insns
	return p, nil
}

// probeKind is the code generator's view of a probe kind.
type probeKind struct {
	progType ebpf.ProgramType
	// attachType is the expected attach type of BPF tracing programs.
	attachType ebpf.AttachType
}

// probeKinds is indexed by ProbeKind; every implemented kind has an entry
// (enforced by a test).
var probeKinds = [stdlib.NumProbeKinds]probeKind{
	stdlib.RawTracepoint: {progType: ebpf.RawTracepoint},
	stdlib.Begin:         {progType: ebpf.RawTracepoint},
	stdlib.End:           {progType: ebpf.RawTracepoint},
	stdlib.SelfSignal:    {progType: ebpf.RawTracepoint},
	// test and bench probes are run with BPF_PROG_TEST_RUN's repeat,
	// which raw tracepoints lack, as XDP programs (as bpftrace does).
	stdlib.Test:       {progType: ebpf.XDP},
	stdlib.Bench:      {progType: ebpf.XDP},
	stdlib.Tracepoint: {progType: ebpf.TracePoint},
	stdlib.Interval:   {progType: ebpf.PerfEvent},
	stdlib.Profile:    {progType: ebpf.PerfEvent},
	stdlib.Software:   {progType: ebpf.PerfEvent},
	stdlib.Hardware:   {progType: ebpf.PerfEvent},
	stdlib.Watchpoint: {progType: ebpf.PerfEvent},
	stdlib.Kprobe:     {progType: ebpf.Kprobe},
	stdlib.Kretprobe:  {progType: ebpf.Kprobe},
	stdlib.Uprobe:     {progType: ebpf.Kprobe},
	stdlib.Uretprobe:  {progType: ebpf.Kprobe},
	stdlib.USDT:       {progType: ebpf.Kprobe},
	stdlib.Fentry:     {progType: ebpf.Tracing, attachType: ebpf.AttachTraceFEntry},
	stdlib.Fexit:      {progType: ebpf.Tracing, attachType: ebpf.AttachTraceFExit},
	stdlib.Iter:       {progType: ebpf.Tracing, attachType: ebpf.AttachTraceIter},
}

// SortedMaps returns the user maps in name order.
func (o *Object) SortedMaps() []*MapDef {
	var out []*MapDef
	for _, m := range o.Maps {
		if !m.Internal {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Map returns the map named name, or nil.
func (o *Object) Map(name string) *MapDef {
	for _, m := range o.Maps {
		if m.Name == name {
			return m
		}
	}
	return nil
}
