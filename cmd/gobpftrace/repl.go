package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/engine"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// The interactive shell (REPL). Each input is a unit compiled and loaded
// on its own, in milliseconds:
//
//   - probe blocks (`tracepoint:… { … }`, several at once, BEGIN, END) are
//     loaded and attached at once and stay attached until `:detach`; BEGIN
//     runs immediately, END when the session ends;
//   - statements and expressions (`print(@m)`, `@limit = 10`, `1 + 2`) run
//     once, as the body of a BEGIN probe, and are then unloaded;
//   - `let @m = hash(N);` declares a map.
//
// What units share is the user maps: they live in a runtime.MapPool for the
// whole session, and every unit is checked against their types
// (check.Config.Maps), so a map keeps the type of its first use. Each unit
// has its own ring buffer, event reader and printer, and its own internal
// maps, so units never need to agree on event numbering and detaching one
// leaves the others untouched. Output of all units goes through one
// line-synchronized writer (the terminal front end keeps it off the line
// being edited).

// replRingBuf is the ring buffer of an attached REPL probe, and
// replOnceRingBuf that of a one-shot statement: smaller than a script's,
// since a session holds many.
const (
	replRingBuf     = 1 << 20
	replOnceRingBuf = 256 << 10
)

// repl is an interactive session.
type repl struct {
	s    *Session
	out  *lineWriter // probe output and command results
	errw io.Writer   // diagnostics and status lines

	// shared holds the maps the session's units share.
	shared *engine.Units
	pool   *runtime.MapPool // shared's
	stats  io.Closer        // kernel run-time statistics, for hit counts

	mu     sync.Mutex // guards units
	units  []*unit
	nextID int
	// exited receives the units whose probes called exit(). A unit, not
	// its id: the id of a unit that never stays attached (BEGIN only) is
	// given to the next one, which must not be reaped in its place.
	exited chan *unit
	// saved are the one-shot inputs that changed maps and decls the map
	// declarations typed on their own, for :save.
	saved, decls []string
	quit         bool
	// depth is the nesting of Exec: a :load runs the file's text with
	// Exec, and that text may be a :load in turn.
	depth int

	// Blocking actions (cat(), system()) run with contexts: ctx ends
	// with the session (a signal), execCtx with the input being run,
	// which Ctrl-C (SIGINT) interrupts through execCancel.
	// metrics is the :metrics server, nil when none runs.
	metrics *replMetrics

	ctx        context.Context
	end        context.CancelFunc
	execMu     sync.Mutex // guards execCancel
	execCtx    context.Context
	execCancel context.CancelFunc
}

// maxExecDepth bounds the nesting of :load (a file that loads itself
// would recurse until the stack overflows).
const maxExecDepth = 8

// unit is one loaded input.
type unit struct {
	id   int
	text string
	c    *compiled
	run  *engine.Run
	l    *runtime.Loaded // run's
	p    *printer
	rd   *runtime.EventReader // run's
	done chan error           // the reader's result, once running
	// running is set when the reader goroutine was started (one-shot
	// units are drained without one).
	running bool
	// stopped is closed by halt: it ends the goroutine that waits for
	// the unit's exit().
	stopped chan struct{}
	// cancel interrupts the unit's blocking actions (its printer's actx).
	cancel context.CancelFunc
	ends   []*runtime.LoadedProgram
}

// lineWriter serializes output from the units' readers: whole writes are
// never interleaved, and when a front end sets emit it takes the text
// instead of w (to keep it off the line being edited).
//
// The first error writing to w (a full disk, a closed pipe) is kept, and
// failed is closed: the session reports it once and ends. The writers
// (the units' printers, the commands) are never given an error, so they
// do not report it again; what they write afterwards is dropped.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	emit   func(p []byte)
	err    error
	failed chan struct{}
}

// newLineWriter returns a lineWriter writing to w.
func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{w: w, failed: make(chan struct{})}
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	switch {
	case lw.emit != nil:
		lw.emit(p)
	case lw.err == nil:
		if _, err := lw.w.Write(p); err != nil {
			lw.err = err
			close(lw.failed)
		}
	}
	return len(p), nil
}

// writeError returns the first error writing to w, if any.
func (lw *lineWriter) writeError() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.err
}

// newREPL starts a session writing to out and errw.
func newREPL(s *Session, out, errw io.Writer) (*repl, error) {
	if err := runtime.CheckPrivileges(); err != nil {
		return nil, err
	}
	units, err := engine.NewUnits()
	if err != nil {
		return nil, err
	}
	r := &repl{s: s, out: newLineWriter(out), errw: errw, shared: units, pool: units.Pool(),
		nextID: 1, exited: make(chan *unit, 16)}
	r.ctx, r.end = context.WithCancel(context.Background())
	r.execCtx = r.ctx
	// The session's load and attach error reports go where the shell's do.
	s.Stdout, s.Stderr = r.out, errw
	// Hit counts need the kernel's per-program statistics; without them
	// :probes shows "-".
	if c, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME)); err == nil {
		r.stats = c
	}
	return r, nil
}

// banner names the kernel facilities the session can use.
func (r *repl) banner() string {
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}
	_, btfErr := os.Stat("/sys/kernel/btf/vmlinux")
	f := runtime.Features()
	return fmt.Sprintf("%s interactive shell (kernel %s)\n"+
		"  ring buffer %s, BTF %s, kprobes %s, uprobes %s, tracepoints %s, hit counts %s\n"+
		"Type a probe to attach it, a statement to run it, :help for commands.\n",
		version, f.Release, yes(f.RingBuf), yes(btfErr == nil), yes(f.Kprobes), yes(f.Uprobes), yes(f.Tracepoints), yes(r.stats != nil))
}

// Exec runs one complete input: a command, probe blocks, a map
// declaration or statements. Errors are printed; the session goes on.
func (r *repl) Exec(text string) {
	if r.depth >= maxExecDepth {
		fmt.Fprintf(r.errw, "ERROR: :load nested more than %d deep\n", maxExecDepth-1)
		return
	}
	r.depth++
	defer func() { r.depth-- }()
	if r.depth == 1 {
		ctx, cancel := context.WithCancel(r.ctx)
		r.execMu.Lock()
		r.execCtx, r.execCancel = ctx, cancel
		r.execMu.Unlock()
		defer func() {
			r.execMu.Lock()
			r.execCtx, r.execCancel = r.ctx, nil
			r.execMu.Unlock()
			cancel()
		}()
	}
	r.reap()
	trimmed := strings.TrimSpace(text)
	switch {
	case trimmed == "":
		return
	case strings.HasPrefix(trimmed, ":"):
		r.command(trimmed)
		return
	}
	src := diag.NewSource("repl", text)
	prog, pdiags := parser.Parse(src)
	if !pdiags.HasErrors() && (len(prog.Probes) > 0 || len(prog.MapDecls) > 0) {
		r.addUnit(src, prog)
		return
	}
	block, sdiags := parser.ParseStmts(src)
	if sdiags.HasErrors() {
		// Report the parse that got further: a probe block is reported as
		// one.
		if looksLikeProbe(trimmed) {
			sdiags = pdiags
		}
		fmt.Fprint(r.errw, src.Render(sdiags))
		return
	}
	r.runOnce(src, block)
}

// Interrupt interrupts the blocking actions of the input being run (for
// Ctrl-C); the session goes on. It may be called from any goroutine.
func (r *repl) Interrupt() {
	r.execMu.Lock()
	defer r.execMu.Unlock()
	if r.execCancel != nil {
		r.execCancel()
	}
}

// End interrupts every blocking action, of the input being run and of
// the attached units, for a signal that ends the session. It may be
// called from any goroutine; Close still has to be called.
func (r *repl) End() { r.end() }

// looksLikeProbe reports whether input starts like an attach point
// (provider:… or BEGIN/END) rather than a statement.
func looksLikeProbe(text string) bool {
	word := text
	if i := strings.IndexAny(text, " \t\n{/,"); i >= 0 {
		word = text[:i]
	}
	if strings.Contains(word, ":") && !strings.HasPrefix(word, ":") {
		return true
	}
	switch word {
	case "BEGIN", "END", "begin", "end":
		return true
	}
	return false
}

// checkUnit checks prog against the session's maps and compiles it.
func (r *repl) checkUnit(src *diag.Source, prog *ast.Program, ringBuf int) *compiled {
	c := &compiled{Source: src, Program: prog}
	o := r.s.engineOptions()
	o.RingBufSize = ringBuf
	err := r.shared.Check(c, o)
	if err == nil {
		if len(c.Diagnostics.Items) > 0 {
			fmt.Fprint(r.errw, src.Render(&c.Diagnostics))
		}
		err = c.Generate(o)
	}
	if err != nil {
		fmt.Fprint(r.errw, errorText(err, false))
		return nil
	}
	return c
}

// load loads a compiled unit with the session's maps and prepares its
// reader; the unit's blocking actions end with ctx. On error it reports
// and returns nil.
func (r *repl) load(c *compiled, id int, ctx context.Context) *unit {
	u := &unit{id: id, text: c.Source.Text, c: c, done: make(chan error, 1), stopped: make(chan struct{})}
	run, _, err := r.shared.Load(c, &engine.RunOptions{
		// The reader starts after the printer exists.
		Handle: func(rec []byte) { u.p.handle(rec) }, Flush: func() { u.p.flush() },
		OnError: func(err error) { fmt.Fprintf(r.errw, "ERROR: %v\n", err) }})
	if err != nil {
		r.s.loadFailed(c, err)
		return nil
	}
	u.run, u.l, u.rd = run, run.Loaded, run.Reader()
	pids := r.s.opts.dwarfPids
	if r.s.opts.pid != 0 {
		pids = append([]int{r.s.opts.pid}, pids...)
	}
	for _, w := range engine.AddUnwindProcesses(u.l, pids) {
		fmt.Fprintf(r.errw, "WARNING: dw_ustack: %v\n", w)
	}
	u.p = newPrinter(r.out, u.l, false)
	u.p.run = run
	u.p.actx, u.cancel = context.WithCancel(ctx)
	return u
}

// declare records map declarations typed on their own: the maps are
// created, with the declared kind and size, by the first input that uses
// them.
func (r *repl) declare(src *diag.Source, prog *ast.Program) {
	// The checker wants a probe; an empty BEGIN stands in.
	prog.Probes = []*ast.Probe{beginProbe(&ast.Block{Pos: prog.Pos})}
	c := &compiled{Source: src, Program: prog}
	diags := r.shared.CheckDeclarations(c, r.s.engineOptions())
	kept := diags.Items[:0]
	for _, d := range diags.Items {
		if !strings.HasPrefix(d.Msg, "Unused map") {
			kept = append(kept, d)
		}
	}
	diags.Items = kept
	if len(diags.Items) > 0 {
		fmt.Fprint(r.errw, src.Render(diags))
	}
	if diags.HasErrors() {
		return
	}
	existing := map[string]bool{}
	for _, name := range r.shared.Declare(c) {
		existing[name] = true
		fmt.Fprintf(r.errw, "ERROR: %s already exists in this session\n", name)
	}
	for _, d := range prog.MapDecls {
		if existing[d.Name] {
			continue
		}
		sp := d.Span()
		r.decls = append(r.decls, strings.TrimSpace(src.Text[sp.Start:sp.End]))
		fmt.Fprintf(r.errw, "declared %s\n", d.Name)
	}
}

// addUnit loads and attaches probe blocks.
func (r *repl) addUnit(src *diag.Source, prog *ast.Program) {
	if len(prog.Probes) == 0 {
		r.declare(src, prog)
		return
	}
	c := r.checkUnit(src, prog, replRingBuf)
	if c == nil {
		return
	}
	for _, p := range c.Object.Programs {
		if k := p.Kind; k == stdlib.SelfSignal || k == stdlib.Test || k == stdlib.Bench {
			// Run by the command-line session (on SIGUSR1, --mode),
			// never in the shell.
			fmt.Fprintf(r.errw, "ERROR: %s probes do not run in the interactive shell\n", k)
			return
		}
	}
	// The unit outlives the input: its actions end with the session or
	// when it is detached.
	u := r.load(c, r.nextID, r.ctx)
	if u == nil {
		return
	}
	var begins []*runtime.LoadedProgram
	for _, lp := range u.l.Programs {
		switch lp.Kind {
		case stdlib.Begin:
			begins = append(begins, lp)
		case stdlib.End:
			u.ends = append(u.ends, lp)
		}
	}
	for _, err := range u.run.Begin() {
		fmt.Fprintf(r.errw, "ERROR: %v\n", err)
	}
	if err := u.run.Attach(); err != nil {
		r.s.attachFailed(c, err)
		// BEGIN ran: its output is printed all the same.
		r.await(u)
		u.close()
		return
	}
	u.running = true
	go func() { u.done <- u.rd.Run() }()
	go r.watchExit(u)
	n := len(u.l.Programs) - len(begins) - len(u.ends)
	if n == 0 && len(u.ends) == 0 {
		// Only BEGIN: done once its output is out.
		r.await(u)
		u.close()
		return
	}
	r.nextID++
	r.mu.Lock()
	r.units = append(r.units, u)
	r.mu.Unlock()
	fmt.Fprintf(r.errw, "[%d] attached %d probe%s: %s\n", u.id, n, plural(n), strings.Join(u.probeNames(), ", "))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// probeNames are the unit's attached probes, in order, without repeats.
func (u *unit) probeNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, lp := range u.l.Programs {
		if lp.Kind == stdlib.Begin || seen[lp.Probe] {
			continue
		}
		seen[lp.Probe] = true
		names = append(names, lp.Probe)
	}
	return names
}

// hits is the number of times the unit's programs ran, when the kernel
// keeps statistics.
func (u *unit) hits() (uint64, bool) {
	var n uint64
	for _, lp := range u.l.Programs {
		st, err := lp.Prog.Stats()
		if err != nil {
			return 0, false
		}
		n += st.RunCount
	}
	return n, true
}

// watchExit reports u on r.exited when its probes call exit(); it ends
// when u is stopped, whichever comes first.
func (r *repl) watchExit(u *unit) {
	select {
	case <-u.p.exited:
		select {
		case r.exited <- u:
		case <-u.stopped:
		}
	case <-u.stopped:
	}
}

// await stops u once its output is out, as part of the input being
// run: Ctrl-C interrupts its blocking actions.
func (r *repl) await(u *unit) {
	stop := context.AfterFunc(r.execCtx, u.cancel)
	u.stop(false)
	stop()
}

// stop detaches the unit's probes, stops its reader and prints what is
// left in its ring; it is called once per unit. interrupt first
// interrupts its blocking actions, running or queued: for a unit being
// detached rather than one whose output is awaited.
func (u *unit) stop(interrupt bool) {
	u.halt(interrupt)
	u.finish()
}

// halt is stop up to the end of the reader goroutine; finish does the
// rest.
func (u *unit) halt(interrupt bool) {
	close(u.stopped)
	if interrupt {
		u.cancel()
	}
	u.l.Detach()
	u.rd.Stop()
	if u.running {
		// Drain only once the reader goroutine is done with the ring.
		if err := <-u.done; err != nil {
			fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
		}
	}
}

// finish prints what is left in the unit's ring and its losses.
func (u *unit) finish() {
	if err := u.rd.Drain(); err != nil {
		fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
	}
	u.p.reportLost()
	u.p.reportDrops()
	u.p.flush()
}

// close releases the unit's kernel objects (the pooled maps stay).
func (u *unit) close() {
	u.cancel()
	u.run.Close()
}

// runOnce runs statements as a one-shot BEGIN program. A lone expression
// that is not a call is printed, as a calculator would.
func (r *repl) runOnce(src *diag.Source, block *ast.Block) {
	if len(block.Stmts) == 1 {
		if es, ok := block.Stmts[0].(*ast.ExprStmt); ok {
			if _, isCall := es.X.(*ast.Call); !isCall {
				es.X = &ast.Call{Pos: es.Pos, Name: "print", NameSpan: es.Span(), Args: []ast.Expr{es.X}}
			}
		}
	}
	prog := &ast.Program{Pos: block.Pos, Probes: []*ast.Probe{beginProbe(block)}}
	c := r.checkUnit(src, prog, replOnceRingBuf)
	if c == nil {
		return
	}
	u := r.load(c, 0, r.execCtx)
	if u == nil {
		return
	}
	defer u.close()
	for _, lp := range u.l.Programs {
		if err := u.l.RunOnce(lp); err != nil {
			fmt.Fprintf(r.errw, "ERROR: %v\n", err)
		}
	}
	u.stop(false)
	if changesMaps(block) {
		r.saved = append(r.saved, strings.TrimSpace(src.Text))
	}
}

// changesMaps reports whether statements assign to maps or clear, zero
// or delete them: the one-shot input :save keeps.
func changesMaps(b *ast.Block) bool {
	changed := false
	ast.Inspect(b, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if _, ok := n.Target.(*ast.MapExpr); ok {
				changed = true
			}
		case *ast.Call:
			switch n.Name {
			case "clear", "zero", "delete":
				changed = true
			}
		}
		return !changed
	})
	return changed
}

// beginProbe is a BEGIN probe with body, spanning it: how one-shot input
// runs.
func beginProbe(body *ast.Block) *ast.Probe {
	ap := &ast.AttachPoint{Pos: body.Pos, Raw: "BEGIN", Provider: "BEGIN"}
	return &ast.Probe{Pos: body.Pos, Attach: []*ast.AttachPoint{ap}, Body: body}
}

// reap detaches the units whose probes called exit().
func (r *repl) reap() {
	for {
		select {
		case u := <-r.exited:
			r.reapOne(u)
		default:
			return
		}
	}
}

// reapOne detaches u, whose probe called exit(), unless it is detached
// already.
func (r *repl) reapOne(u *unit) {
	if r.detachIf(func(x *unit) bool { return x == u }) {
		fmt.Fprintf(r.errw, "[%d] exited and detached\n", u.id)
	}
}

// detach stops and releases one unit; false when there is none with id.
func (r *repl) detach(id int) bool {
	return r.detachIf(func(x *unit) bool { return x.id == id })
}

// detachIf stops and releases the attached unit match selects; false when
// there is none.
func (r *repl) detachIf(match func(*unit) bool) bool {
	r.mu.Lock()
	var u *unit
	for i, x := range r.units {
		if match(x) {
			u = x
			r.units = append(r.units[:i], r.units[i+1:]...)
			break
		}
	}
	r.mu.Unlock()
	if u == nil {
		return false
	}
	u.stop(true)
	u.close()
	return true
}

// Close ends the session the way a script ends: END probes run, every
// unit is detached, the maps are printed, everything is released.
func (r *repl) Close() {
	r.mu.Lock()
	units := r.units
	r.units = nil
	r.mu.Unlock()
	for _, u := range units {
		u.halt(true)
	}
	for _, u := range units {
		// As at the end of a script, END's cat() and system() run to
		// completion.
		u.p.actx = context.Background()
		for _, e := range u.ends {
			if err := u.l.RunOnce(e); err != nil {
				fmt.Fprintf(r.errw, "ERROR: running END: %v\n", err)
			}
		}
		u.finish()
		u.close()
	}
	r.stopMetrics()
	r.printMaps(nil)
	r.shared.Close()
	if r.stats != nil {
		r.stats.Close()
	}
}

// printMaps prints the named session maps (all when names is empty) as
// a script's exit dump does.
func (r *repl) printMaps(names []string) {
	view, err := r.pool.View(strLen())
	if err != nil {
		fmt.Fprintf(r.errw, "ERROR: %v\n", err)
		return
	}
	defer view.Close()
	if len(names) > 0 {
		keep := view.Object.Maps[:0]
		for _, def := range view.Object.Maps {
			for _, n := range names {
				if def.Name == n {
					keep = append(keep, def)
				}
			}
		}
		view.Object.Maps = keep
	}
	if len(view.Object.Maps) == 0 {
		return
	}
	p := newPrinter(r.out, view, false)
	p.exitDump(view.Object)
	p.flush()
}

// sortedUnits returns the attached units by id.
func (r *repl) sortedUnits() []*unit {
	r.mu.Lock()
	defer r.mu.Unlock()
	us := append([]*unit(nil), r.units...)
	sort.Slice(us, func(i, j int) bool { return us[i].id < us[j].id })
	return us
}
