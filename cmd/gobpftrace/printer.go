package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/engine"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// printer turns event records into output. It runs on the event reader's
// goroutine; output is buffered and flushed when the ring is drained.
//
// The first error writing the output (a full disk, a closed pipe) is
// reported once on stderr and closes failed: the session then ends
// tracing, and everything written afterwards is dropped.
type printer struct {
	// catLimit is max_cat_bytes: what one cat() prints at most, so that
	// a cat of a device or an endless file cannot stall the event loop
	// (check.DefaultMaxCatBytes when 0).
	catLimit int64

	w *bufio.Writer
	l *runtime.Loaded
	// run decodes the records (nil for a printer of maps only).
	run  *engine.Run
	json bool
	res  *resolver
	buf  []byte

	exited   chan struct{}
	exitSeen bool
	// ending is set when END runs: its records are printed even after
	// an exit().
	ending bool
	code   int
	// lost is the number of lost events already reported.
	lost        uint64
	lostChecked time.Time
	// dropped is the number of refused updates already reported per map.
	dropped map[string]uint64
	// errBuf holds text-mode runtime error warnings not yet written to
	// stderr; output buffered before them has been written already (see
	// printer_rterr.go).
	errBuf []byte

	// noWarnings drops warnf() messages (--no-warnings).
	noWarnings bool
	// divert, when set, receives the output of the records handled
	// instead of w, and exit() neither ends tracing nor drops later
	// records: the capture of a test probe's output and the discard of a
	// benchmark's (modes.go). errorfs counts errorf() records.
	divert  io.Writer
	errorfs int

	// failed is closed on the first output write error, werr.
	failed chan struct{}
	werr   error
	// actx bounds the blocking actions cat() and system(): when it is
	// cancelled (a signal ends tracing) they are interrupted.
	actx context.Context
	// mu serializes the reader goroutine (lockedHandle, lockedFlush) with
	// map dumps asked for by SIGUSR1 on another goroutine.
	mu sync.Mutex
}

func newPrinter(w io.Writer, l *runtime.Loaded, json bool) *printer {
	return &printer{
		w:       bufio.NewWriterSize(w, 64<<10),
		l:       l,
		json:    json,
		res:     newResolver(l),
		exited:  make(chan struct{}),
		dropped: map[string]uint64{},
		buf:     make([]byte, 0, 4096),
		failed:  make(chan struct{}),
		actx:    context.Background(),
	}
}

// handle processes one ring-buffer record. The run has carried out its
// action already (clear, zero, unwatch: engine/events.go); the printer
// formats.
func (p *printer) handle(rec []byte) {
	e, ok := p.run.Event(rec)
	if !ok {
		return
	}
	ev := e.Def
	if p.exitSeen && !p.ending {
		// exit() ends tracing at once: what other probes sent after it
		// (other CPUs, another firing before the probes are detached)
		// is dropped, as in bpftrace; END's output comes after.
		return
	}
	args := e.Args
	b := p.buf[:0]
	switch ev.Kind {
	case codegen.EventPrintf:
		if p.json {
			b = output.AppendJSONPrintf(b, ev.Pieces, args, rec, p.res)
		} else {
			b = e.AppendText(b, p.res)
		}
	case codegen.EventPrint:
		if p.json {
			a := args[0]
			b = output.AppendJSONPrint(b, a.Type, rec[a.Offset:a.Offset+a.Type.Size()], p.res)
		} else {
			b = e.AppendText(b, p.res)
		}
	case codegen.EventPrintMap:
		top, div := output.PrintMapArgs(args, rec)
		b = p.appendMap(b, ev.Map, top, div)
	case codegen.EventTime:
		if p.json {
			b = output.AppendJSONText(b, "time", e.AppendText(nil, p.res))
		} else {
			b = e.AppendText(b, p.res)
		}
	case codegen.EventJoin:
		if p.json {
			b = output.AppendJSONText(b, "join", e.JoinText())
		} else {
			b = e.AppendText(b, p.res)
		}
	case codegen.EventCat:
		b = p.appendCat(b, ev, args, rec)
	case codegen.EventSystem:
		b = p.appendSystem(b, ev, args, rec)
	case codegen.EventRuntimeError:
		b = p.runtimeError(b, ev, rec)
	case codegen.EventErrorf, codegen.EventWarnf:
		b = p.logf(b, ev, args, rec)
	case codegen.EventExit:
		if len(args) > 0 {
			p.code = e.ExitCode()
		}
		if p.divert == nil && !p.exitSeen {
			p.exitSeen = true
			close(p.exited)
		}
	}
	switch {
	case len(b) == 0:
	case p.divert != nil:
		p.divert.Write(b)
	default:
		p.writeErrs()
		p.w.Write(b)
	}
	p.buf = b[:0]
}

// flush writes buffered output; called when the ring is drained. At most
// once a second it also reports events lost since the last report, so a
// long-running trace shows losses as they happen.
func (p *printer) flush() {
	if now := time.Now(); now.Sub(p.lostChecked) >= time.Second {
		p.lostChecked = now
		p.reportLost()
		p.reportDrops()
	}
	p.flushOut()
}

// flushOut writes the buffered output and reports the first write error
// (bufio.Writer keeps it: every later write fails the same way).
func (p *printer) flushOut() {
	p.writeErrs()
	if err := p.w.Flush(); err != nil {
		p.writeFailed(err)
	}
}

// writeFailed reports the first output write error and closes failed.
func (p *printer) writeFailed(err error) {
	if p.werr != nil {
		return
	}
	p.werr = err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		fmt.Fprintf(os.Stderr, "ERROR: writing output to %s: %s\n", pe.Path, errnoText(pe.Err))
	} else {
		fmt.Fprintf(os.Stderr, "ERROR: writing output: %s\n", errnoText(err))
	}
	close(p.failed)
}

// lockedHandle is handle for the event reader of a session that may dump
// maps on SIGUSR1 from another goroutine.
func (p *printer) lockedHandle(rec []byte) {
	p.mu.Lock()
	p.handle(rec)
	p.mu.Unlock()
}

// lockedFlush is flush for the same reader.
func (p *printer) lockedFlush() {
	p.mu.Lock()
	p.flush()
	p.mu.Unlock()
}

// signalDump prints every map as at exit (SIGUSR1) while tracing goes on.
func (p *printer) signalDump(obj *codegen.Object) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exitDump(obj)
	p.flushOut()
}

// readMap reads a map for printing (the CPU copies of a percpuhash's
// plain values merged).
func (p *printer) readMap(name string) *output.Map {
	if p.l.Object.Map(name) == nil {
		return nil
	}
	m, err := p.l.OutputMap(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
		return nil
	}
	return m
}

func (p *printer) appendMap(b []byte, name string, top, div int) []byte {
	m := p.readMap(name)
	if m == nil {
		return b
	}
	if a, isAgg := m.Value.(*types.Agg); m.Key == nil && len(m.Entries) == 0 && (!isAgg || a.Kind != types.Hist && a.Kind != types.LHist) {
		// print() of a scalar map not assigned yet prints its zero
		// value, as bpftrace does.
		m.Entries = []output.MapEntry{{Values: [][]byte{make([]byte, m.Value.Size())}}}
	}
	if p.json {
		return output.AppendJSONMap(b, m, top, div, p.res)
	}
	return output.AppendMap(b, m, top, div, p.res)
}

// exitDump prints every map at the end of the run.
func (p *printer) exitDump(obj *codegen.Object) {
	var maps []*output.Map
	for _, def := range obj.SortedMaps() {
		if m := p.readMap(def.Name); m != nil {
			maps = append(maps, m)
		}
	}
	if p.json {
		p.w.Write(output.AppendJSONMapDump(nil, maps, p.res))
		return
	}
	b := output.AppendExitPreamble(nil)
	p.w.Write(output.AppendMapDump(b, maps, p.res))
}

// reportDrops warns about map updates refused because a map was full: on
// stderr, or in JSON mode as a helper_error message in the output.
func (p *printer) reportDrops() {
	drops, err := p.l.Drops()
	if err != nil {
		return
	}
	names := make([]string, 0, len(drops))
	for name := range drops {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		n := drops[name]
		if n <= p.dropped[name] {
			continue
		}
		def := p.l.Object.Map(name)
		if p.json {
			p.w.Write(output.AppendJSONMapFull(nil, name, n-p.dropped[name], p.updateSite(def)))
			p.dropped[name] = n
			continue
		}
		fmt.Fprintf(os.Stderr, "WARNING: Map full; can't update element: %s dropped %d updates (capacity %d; raise max_map_keys)\n",
			name, n-p.dropped[name], def.Spec.MaxEntries)
		p.dropped[name] = n
	}
}

// reportLost prints how many events the ring buffer could not take: on
// stderr, so it is seen while tracing and does not mix with the trace
// (JSON: a lost_events message in the output).
func (p *printer) reportLost() {
	n, err := p.l.Lost()
	if err != nil || n <= p.lost {
		return
	}
	delta := n - p.lost
	p.lost = n
	if p.json {
		p.w.Write(output.AppendJSONLost(nil, delta))
		return
	}
	fmt.Fprintf(os.Stderr, "Lost %d events\n", delta)
}

// attached writes the JSON attached_probes message.
func (p *printer) attached(n int) {
	p.w.Write(output.AppendJSONAttached(nil, n))
	p.flush()
}

// resolver supplies probe names and times to the output layer.
type resolver struct {
	obj *codegen.Object
	l   *runtime.Loaded
	// bootOffset converts boot-clock ns to wall-clock ns.
	bootOffset int64
	cgroups    runtime.CgroupPaths
	usyms      runtime.UserSymbols
	// debugInfo adds source lines and inlined functions to user stacks
	// (show_debug_info).
	debugInfo bool
}

func newResolver(l *runtime.Loaded) *resolver {
	r := &resolver{obj: l.Object, l: l, bootOffset: runtime.BootToWallOffset()}
	// A process that exited before its stack is printed is resolved in
	// the probed binaries.
	seen := map[string]bool{}
	for _, p := range l.Object.Programs {
		if b := p.Target.Binary; b != "" && !seen[b] {
			seen[b] = true
			r.usyms.Binaries = append(r.usyms.Binaries, b)
		}
	}
	return r
}

// ProbeName implements output.Resolver.
func (r *resolver) ProbeName(id uint64) string {
	if id < uint64(len(r.obj.ProbeNames)) {
		return r.obj.ProbeNames[id]
	}
	return ""
}

// AppendStrftime implements output.Resolver.
func (r *resolver) AppendStrftime(dst []byte, fmtID, ns uint64) []byte {
	if fmtID >= uint64(len(r.obj.TimeFormats)) {
		return dst
	}
	t := time.Unix(0, int64(ns)+r.bootOffset)
	return output.AppendStrftime(dst, r.obj.TimeFormats[fmtID], t)
}

// KernelSymbol implements output.Resolver (kernel symbols come with the
// kernel-types work).
func (r *resolver) KernelSymbol(addr uint64) string { return runtime.KernelSymbol(addr) }

// CgroupPath implements output.Resolver.
func (r *resolver) CgroupPath(id uint64, filter string) string { return r.cgroups.Path(id, filter) }

// UserSymbol implements output.Resolver: the function of process pid
// containing addr, without offset.
func (r *resolver) UserSymbol(pid, addr uint64) string {
	sym, _, _, _ := r.usyms.Resolve(pid, addr)
	return sym
}

// Stack implements output.Resolver: the frames of a stack recorded in the
// stack trace map, symbolized with /proc/kallsyms (kernel) or the
// process's mappings and ELF symbols (user, "func+off").
func (r *resolver) Stack(user bool, id, pid uint64) []output.Frame {
	if int64(id) < 0 {
		return nil
	}
	addrs, err := r.l.StackAddrs(id)
	if err != nil {
		return nil
	}
	frames := make([]output.Frame, 0, len(addrs))
	for _, a := range addrs {
		if !user {
			frames = append(frames, output.Frame{Addr: a, Sym: runtime.KernelSymbolOffset(a)})
			continue
		}
		f := output.Frame{Addr: a}
		sym, off, module, ok := r.usyms.Resolve(pid, a)
		f.Module = module
		if ok {
			f.Sym = sym + "+" + strconv.FormatUint(off, 10)
		}
		if r.debugInfo {
			src := r.usyms.Source(pid, a)
			for _, s := range src {
				if s.Inlined {
					frames = append(frames, output.Frame{Addr: a, Sym: s.Func, Line: s.Line, Inlined: true})
				} else {
					f.Line = s.Line
				}
			}
		}
		frames = append(frames, f)
	}
	return frames
}

// BuildIDStack implements output.BuildIDResolver.
func (r *resolver) BuildIDStack(id uint64) []output.BuildIDFrame {
	if int64(id) < 0 {
		return nil
	}
	frames, err := r.l.BuildIDStack(uint32(id))
	if err != nil {
		return nil
	}
	return frames
}

var (
	_ output.Resolver        = (*resolver)(nil)
	_ output.BuildIDResolver = (*resolver)(nil)
)

// dumpHeader is used by -d dumps.
func dumpHeader(w io.Writer, title string) {
	fmt.Fprintf(w, "%s\n%s\n", title, strings.Repeat("-", len(title)))
}
