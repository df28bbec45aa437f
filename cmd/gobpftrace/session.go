package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/engine"
)

// Session drives one script from source text to kernel to screen:
// parse → check → compile → load → attach → run → END → map dump →
// detach. Its writers are injected so it runs under tests without a
// terminal.
type Session struct {
	Stdout, Stderr io.Writer
	opts           *options
	host           *runtime.Host
}

// newSession returns a session writing to stdout and stderr.
func newSession(o *options, stdout, stderr io.Writer) *Session {
	return &Session{Stdout: stdout, Stderr: stderr, opts: o}
}

// Host returns the lazily created host.
func (s *Session) Host() *runtime.Host {
	if s.host == nil {
		s.host = runtime.NewHost(&runtime.HostOptions{StrLen: strLen(), DebugPaths: s.opts.debugInfo})
	}
	return s.host
}

// compiled is a script through the engine's stages.
type compiled = engine.Script

// compile runs the front end and the code generator and prints
// diagnostics. It returns nil after errors.
func (s *Session) compile(name, text string) *compiled {
	c := s.frontEnd(name, text)
	if c == nil {
		return nil
	}
	if err := c.Generate(s.engineOptions()); err != nil {
		s.reportError(err)
		return nil
	}
	if s.dump("asm") {
		dumpAsm(s.Stdout, c.Object)
	}
	return c
}

// frontEnd parses and checks a script and prints diagnostics (and the ast
// and types dumps). It returns nil after errors.
func (s *Session) frontEnd(name, text string) *compiled {
	if err := runtime.CheckPrivileges(); err != nil && len(s.opts.debug) == 0 {
		// Reading tracepoint formats needs privileges too: say so first.
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return nil
	}
	c, err := engine.Parse(name, text)
	if err != nil {
		s.reportError(err)
		return nil
	}
	if s.dump("ast") {
		fmt.Fprintln(s.Stdout, ast.Dump(c.Program))
	}
	if err := c.Check(s.engineOptions()); err != nil {
		s.reportError(err)
		return nil
	}
	s.reportWarnings(c.Source, &c.Diagnostics)
	if !s.opts.noWarnings {
		for _, w := range c.Warnings {
			fmt.Fprintf(s.Stderr, "WARNING: %s\n", w)
		}
	}
	if s.dump("types") {
		dumpTypes(s.Stdout, c.Info)
	}
	return c
}

// reportError prints the failure of an engine stage (errorText; no
// warnings under --no-warnings).
func (s *Session) reportError(err error) {
	fmt.Fprint(s.Stderr, errorText(err, s.opts.noWarnings))
}

// errorText is the text of an engine stage's failure: its diagnostics
// rendered (without the warnings when noWarnings), or its message and
// hint.
func errorText(err error, noWarnings bool) string {
	var e *engine.Error
	switch {
	case !errors.As(err, &e):
		return "ERROR: " + err.Error() + "\n"
	case e.Diagnostics != nil:
		diags := e.Diagnostics
		if noWarnings {
			diags = dropWarnings(diags)
		}
		if len(diags.Items) == 0 {
			return ""
		}
		return e.Source.Render(diags)
	}
	text := ""
	if e.Msg != "" {
		text = "ERROR: " + e.Msg + "\n"
	}
	if e.Hint != "" {
		text += "HINT: " + e.Hint + "\n"
	}
	return text
}

// reportWarnings renders diagnostics, without the warnings under
// --no-warnings.
func (s *Session) reportWarnings(src *diag.Source, diags *diag.List) {
	if s.opts.noWarnings {
		diags = dropWarnings(diags)
	}
	if len(diags.Items) > 0 {
		fmt.Fprint(s.Stderr, src.Render(diags))
	}
}

// engineOptions are the engine's compilation options for this session's
// flags and environment; the host is created once and shared.
func (s *Session) engineOptions() *engine.Options {
	return &engine.Options{
		Host:        s.Host(),
		Params:      s.opts.params,
		NamedParams: s.opts.named,
		Env:         configEnv(),
		Listing:     s.opts.list,
		Unsafe:      s.opts.unsafe,
		StrLen:      strLen(),
		Pid:         s.opts.pid,
		Include:     s.opts.includer(),
		// dw_ustack's unwind tables are loaded for these processes.
		UnwindTargets: s.opts.pid != 0 || s.opts.cmd != "" || len(s.opts.dwarfPids) > 0,
		MaxBPFProgs:   maxBPFProgs(),
		MaxMapKeys:    envMaxMapKeys(),
		DebugPaths:    s.opts.debugInfo,
		HelperErrors:  s.opts.helperErrors,
		Tracepoints:   s.opts.tracepoints,
	}
}

// checkConfig is the checker's configuration for this session's options
// (listings check with it directly).
func (s *Session) checkConfig() *check.Config { return s.engineOptions().CheckConfig() }

func (s *Session) dump(stage string) bool {
	for _, d := range s.opts.debug {
		if d == stage || d == "all" {
			return true
		}
	}
	return false
}

// Run compiles and runs a script and returns the exit status.
func (s *Session) Run(name, text string) int {
	c := s.compile(name, text)
	if c == nil {
		return exitScript
	}
	if len(s.opts.debug) > 0 {
		return exitOK
	}
	s.filterProbes(c)
	if s.opts.verifyOnly {
		return s.verifyOnly(c)
	}
	if s.opts.dryRun {
		return s.dryRun(c)
	}
	if s.nothingRuns(c) {
		return exitScript
	}
	if len(c.Object.Programs) == 0 {
		// missing_probes = warn or ignore, or --probe-filter, removed
		// every probe: as bpftrace.
		if !s.opts.quiet {
			fmt.Fprintln(s.Stdout, "No probes to attach")
		}
		return exitScript
	}
	return s.trace(c)
}

// verifyOnly loads every program through the verifier and stops.
func (s *Session) verifyOnly(c *compiled) int {
	l, err := runtime.Load(c.Object, nil)
	if err != nil {
		return s.loadFailed(c, err)
	}
	l.Close()
	if !s.opts.quiet {
		fmt.Fprintf(s.Stderr, "%d programs loaded and verified (--verify-only: nothing attached)\n", len(c.Object.Programs))
	}
	return exitOK
}

// loadFailed reports a load error, mapping verifier rejections to the
// script line the verifier stopped at: a kernel limit the script hit is a
// script error; anything else is a gobpftrace bug.
func (s *Session) loadFailed(c *compiled, err error) int {
	var le *runtime.LoadError
	var ve *ebpf.VerifierError
	var ue *runtime.UnavailableError
	if errors.As(err, &le) && le.Program != nil && errors.As(err, &ue) {
		// A facility the kernel lacks (fentry/fexit): at the probe.
		return s.attachFailed(c, &runtime.AttachError{Program: &runtime.LoadedProgram{Program: le.Program}, Err: ue})
	}
	if errors.As(err, &le) && le.Program != nil && errors.As(err, &ve) {
		r := runtime.ExplainVerifierError(le.Program, ve)
		d := &diag.Diagnostic{Span: r.Span(c.Source), Severity: diag.Error, Code: diag.CodeVerifier, Msg: r.Msg}
		if r.Limit {
			// A kernel limit the script hit: the user's to fix.
			fmt.Fprint(s.Stderr, c.Source.Format(d.Hint("%s", r.Hint)))
			if s.opts.verbose {
				fmt.Fprintf(s.Stderr, "%+v\n", ve)
			}
			return exitScript
		}
		d.Msg = fmt.Sprintf("the kernel verifier rejected the program for %s", le.Program.Probe)
		d.Hint("this is a gobpftrace bug; please report it with the script")
		fmt.Fprint(s.Stderr, c.Source.Format(d))
		if s.opts.verbose {
			fmt.Fprintf(s.Stderr, "%+v\n", ve)
		} else {
			fmt.Fprintf(s.Stderr, "%v\n(run with -v for the full verifier log)\n", ve)
		}
		return exitRuntime
	}
	fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	if errors.Is(err, os.ErrPermission) {
		fmt.Fprintln(s.Stderr, "HINT: gobpftrace needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs")
	}
	return exitRuntime
}

// trace loads, attaches and runs until exit() / a signal / the -c child
// exits, then runs END, prints the maps and detaches.
func (s *Session) trace(c *compiled) int {
	// Signals end tracing (see sessionSignals). They are caught from the
	// start, so that one arriving while the programs load has no default
	// effect either (no goroutine dump on SIGQUIT).
	sigs := catchSignals()
	defer sigs.Stop()

	// The metrics address is bound first: one in use is an error before
	// anything starts.
	ms, err := s.listenMetrics()
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	defer ms.close()

	// The -c command (started stopped) and the -p process. However
	// tracing ends, the command is gone when we return: SIGTERM and,
	// runtime.KillGrace later, SIGKILL. (When we die instead, its
	// parent-death signal kills it.)
	var p *printer
	targets, err := engine.StartTargets(&engine.TargetOptions{Command: s.opts.cmd, Pid: s.opts.pid, DwarfPids: s.opts.dwarfPids,
		Remember: func(pid int) { p.res.usyms.Remember(uint64(pid)) }})
	if err != nil {
		// A command that cannot start or a process that does not exist
		// is a mistake on the command line, reported like a script
		// error.
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitScript
	}
	defer targets.Close()
	run, warns, err := engine.Load(c, &engine.RunOptions{Targets: targets, VerifierLog: s.opts.verbose,
		// The reader starts after the printer exists.
		Handle: func(rec []byte) { p.lockedHandle(rec) }, Flush: func() { p.lockedFlush() },
		OnError: func(err error) { fmt.Fprintf(s.Stderr, "ERROR: %v\n", err) }})
	if err != nil {
		return s.loadFailed(c, err)
	}
	// Detaching comes last, after the results (hundreds of tracepoints
	// take seconds).
	defer withProgress(s.Stderr, s.stderrTTY(), "Detaching probes", &run.Loaded.DetachProgress, progressDelay, func() { run.Close() })
	l, rd := run.Loaded, run.Reader()
	if s.opts.verbose {
		s.reportPrograms(l)
	}
	for _, w := range warns {
		fmt.Fprintf(s.Stderr, "WARNING: dw_ustack: %v\n", w)
	}

	out, err := s.openOutput()
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
		return exitRuntime
	}
	defer out.Close()
	p = newPrinter(out, l, s.opts.format == "json")
	p.run = run
	p.catLimit = int64(c.Info.Config.MaxCatBytes)
	p.res.usyms.Demangle = !c.Info.Config.NoCppDemangle
	p.res.usyms.DebugPaths = s.opts.debugInfo
	p.res.debugInfo = !c.Info.Config.NoDebugInfo
	p.noWarnings = s.opts.noWarnings

	if ms != nil {
		if err := ms.serve(s, l, p); err != nil {
			fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
			return exitRuntime
		}
	}

	// Asked to stop while loading: nothing has run yet, and nothing will.
	if sigs.Pending() {
		return exitOK
	}
	// A signal that ends tracing also interrupts a blocking cat() or
	// system() in progress.
	p.actx = sigs.Phase()

	signals := run.SignalProbes()
	// Start-up order, as bpftrace documents it: BEGIN runs before the
	// other probes are attached (so its records come first in the ring and
	// timers start a full period after it); then everything is attached;
	// then the test-suite marker is printed, and only then are events read
	// — so the marker precedes BEGIN's output, as with bpftrace.
	// "Attached N probes" (stderr) follows the attach and precedes the
	// marker; in JSON mode the
	// attached_probes message opens the output.
	// --mode bench and --mode test attach nothing and announce nothing.
	mode := s.opts.mode
	if p.json && mode == "" {
		s.announce(p, c.Object.AttachPoints())
	}
	for _, err := range run.Begin() {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
	modeOK := true
	if mode != "" {
		modeOK = s.runMode(p, l, rd)
	} else {
		var err error
		withProgress(s.Stderr, s.stderrTTY(), "Attaching probes", &l.AttachProgress, progressDelay, func() { err = run.Attach() })
		if err != nil {
			return s.attachFailed(c, err)
		}
		if !p.json {
			// Before the marker, as bpftrace: the suite compares what
			// follows the marker with the expected output.
			s.announce(p, c.Object.AttachPoints())
		}
	}
	s.notifyAttached(p)
	warns, errs := run.Start()
	for _, w := range warns {
		fmt.Fprintf(s.Stderr, "WARNING: dw_ustack: %v\n", w)
	}
	for _, err := range errs {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
	// Nothing attached, or iterators that have run to their end: the
	// script ends as with bpftrace (self:signal probes keep it going).
	onlySpecial := mode != "" || !run.RunsOnItsOwn()

	// Wait for the end of tracing.
	targetsDone := run.TargetsDone()
	var dumps sync.WaitGroup
	if !onlySpecial || targetsDone != nil {
	wait:
		for {
			select {
			case <-p.exited:
			case sig := <-sigs.C:
				if sig == syscall.SIGUSR1 && len(signals) > 0 {
					// The script's self:signal:SIGUSR1 probes, in
					// script order, as bpftrace HEAD runs them.
					s.runSignalProbes(l, signals)
					continue
				}
				if sig == syscall.SIGUSR1 {
					// Without them, print the maps (bpftrace before
					// 0.21) without blocking the wait: a system() in
					// progress may hold the printer.
					dumps.Go(func() { p.signalDump(c.Object) })
					continue
				}
				sigs.Interrupt(sig)
			case <-p.failed:
			case <-targetsDone:
			case <-run.ReaderDone():
			}
			break wait
		}
	}
	sigs.Late()

	// Tear down: stop the probes so no more events arrive, handle the
	// events already in the ring, stop the child (its mappings kept by
	// the symbolizer through TargetOptions.Remember, for the maps printed
	// after it), run END and handle its events, then print the maps; the
	// probes are detached last (run.Close).
	err = run.Stop()
	if err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
	dumps.Wait()
	// END's cat() and system() run to completion unless a signal comes.
	p.actx = sigs.Phase()
	p.ending = true
	for _, err := range run.End() {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
	p.reportLost()
	p.reportDrops()
	if !c.Info.Config.NoPrintMapsOnExit && !s.opts.metrics.only {
		p.exitDump(c.Object)
	}
	p.flush()
	// Scrapes read the maps until they have been printed.
	ms.close()
	if err := out.Close(); err != nil {
		p.writeFailed(err)
	}
	if p.werr != nil {
		return exitRuntime
	}
	if !modeOK && p.code == 0 {
		return exitScript
	}
	return p.code
}

// reportPrograms prints, for -v, each program's kernel id, size and the
// verifier's statistics line.
func (s *Session) reportPrograms(l *runtime.Loaded) {
	if line := tracepointSummary(l.Object); line != "" {
		fmt.Fprintln(s.Stderr, line)
	}
	for _, lp := range l.Programs {
		id := "?"
		if info, err := lp.Prog.Info(); err == nil {
			if n, ok := info.ID(); ok {
				id = strconv.Itoa(int(n))
			}
		}
		stats := strings.TrimSpace(lp.Prog.VerifierLog)
		if i := strings.LastIndex(stats, "\nprocessed "); i >= 0 {
			stats = stats[i+1:]
		}
		if i := strings.IndexByte(stats, '\n'); i >= 0 {
			stats = stats[:i]
		}
		form := ""
		switch {
		case lp.Fused != nil:
			form = fmt.Sprintf(", fused: raw_syscalls:%s slot %d", lp.Fused.Hook, lp.Fused.Slot)
		case lp.Internal:
			form = ", dispatcher of the fused syscall tracepoints"
		case lp.RawForm:
			form = ", raw tracepoint " + lp.Target.Event
		}
		fmt.Fprintf(s.Stderr, "Program ID: %s  %s (%s, %d instructions%s)\n", id, lp.Probe, lp.Name, len(lp.Insns), form)
		if stats != "" {
			fmt.Fprintf(s.Stderr, "    verifier: %s\n", stats)
		}
	}
}

// runSignalProbes runs the self:signal probes when the tracer receives
// the signal. A failure is reported and tracing goes on.
func (s *Session) runSignalProbes(l *runtime.Loaded, progs []*runtime.LoadedProgram) {
	for _, lp := range progs {
		if err := l.RunOnce(lp); err != nil {
			fmt.Fprintf(s.Stderr, "ERROR: running %s: %v\n", lp.Probe, err)
		}
	}
}

// announce prints the "Attached N probes" line (or the JSON message).
func (s *Session) announce(p *printer, n int) {
	if !s.opts.quiet && !s.opts.metrics.only {
		if p.json {
			p.attached(n)
		} else {
			plural := "s"
			if n == 1 {
				plural = ""
			}
			fmt.Fprintf(s.Stderr, "Attached %d probe%s\n", n, plural)
		}
	}
}

// notifyAttached prints the marker bpftrace's test suite waits for before
// it triggers the traced workload, when the environment asks for it.
func (s *Session) notifyAttached(p *printer) {
	if _, ok := os.LookupEnv("__BPFTRACE_NOTIFY_PROBES_ATTACHED"); ok {
		p.flush()
		fmt.Fprintln(s.Stdout, "__BPFTRACE_NOTIFY_PROBES_ATTACHED")
	}
}

// attachFailed reports an attach error at the attach point.
func (s *Session) attachFailed(c *compiled, err error) int {
	var ae *runtime.AttachError
	if errors.As(err, &ae) {
		d := &diag.Diagnostic{Span: ae.Program.Span, Severity: diag.Error, Code: diag.CodeProbe,
			Msg: fmt.Sprintf("cannot attach %s: %v", ae.Program.Probe, ae.Err)}
		var ue *runtime.UnavailableError
		if errors.As(err, &ue) {
			for _, alt := range ue.Alternatives {
				d.Hint("use %s instead", alt)
			}
		}
		fmt.Fprint(s.Stderr, c.Source.Format(d))
		return exitRuntime
	}
	fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	return exitRuntime
}

// openOutput returns the tracing output: -o FILE or stdout, nothing with
// --metrics-only.
func (s *Session) openOutput() (io.WriteCloser, error) {
	if s.opts.metrics.only {
		return nopCloser{io.Discard}, nil
	}
	if s.opts.outFile != "" {
		f, err := os.Create(s.opts.outFile)
		if err != nil {
			return nil, fmt.Errorf("opening output file: %w", err)
		}
		return buffered(f, s.opts.buffering), nil
	}
	return buffered(nopCloser{s.Stdout}, s.opts.buffering), nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
