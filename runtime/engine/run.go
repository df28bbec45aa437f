//go:build linux

package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/output"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Run is a generated script in the kernel, from its BEGIN to its END.
//
// Its phases, in the order bpftrace documents and the CLI follows: Load
// (programs and maps in the kernel, the event reader ready, dw_ustack's
// tables of -p and --dwarf-pid), Begin (BEGIN probes, before anything is
// attached so that their records come first), Attach, Start (events are
// read on a goroutine of their own, iterators run, the -c command is let
// go), then, when Done says so or the caller decides, Stop (no probe
// fires any more; the events already sent are handled) and End (END
// probes, their events handled). Maps can be read at any moment (Map).
// Close releases everything. Trace, Wait and Finish bundle the phases
// for programs that need no more control.
type Run struct {
	// Script is what runs; Loaded its programs and maps in the kernel.
	Script *Script
	Loaded *runtime.Loaded

	targets               *Targets
	reader                *runtime.EventReader
	handle                func(rec []byte)
	args                  [][]output.Arg // by event id (events.go)
	onError               func(error)
	begins, ends, signals []*runtime.LoadedProgram

	exited   chan struct{}
	exitOnce sync.Once
	// readerDone is closed when the reader has stopped, readerErr then
	// holds its error.
	readerDone chan struct{}
	readerErr  error
	started    bool
}

// RunOptions configure a Run.
type RunOptions struct {
	// Targets are the run's processes (nil: none).
	Targets *Targets
	// VerifierLog keeps the verifier's log of each program (-v).
	VerifierLog bool
	// Pool, when set, supplies and keeps the script's maps (the
	// interactive shell's units share their session's maps).
	Pool *runtime.MapPool
	// StartNs is the boot-clock time `elapsed` counts from; 0 means now.
	StartNs uint64
	// Handle receives each event record, on the reader's goroutine (nil:
	// they are dropped), after the run has carried out its action
	// (clear, zero, unwatch: events.go); Run.Event decodes it. Flush is
	// called each time the buffered events have been handled (nil:
	// nothing). OnError receives the failures of those actions (nil:
	// ignored).
	Handle  func(rec []byte)
	Flush   func()
	OnError func(error)
}

// Load puts the generated script s into the kernel. A *runtime.LoadError
// explains a program the kernel refused (runtime.ExplainVerifierError).
// Warnings (dw_ustack tables that could not be read) are returned with
// the Run.
func Load(s *Script, o *RunOptions) (*Run, []error, error) {
	if s.Object == nil {
		return nil, nil, errors.New("loading a script: it has not been generated")
	}
	t := o.Targets
	if t == nil {
		t = &Targets{}
	}
	l, err := runtime.Load(s.Object, &runtime.LoadOptions{VerifierLog: o.VerifierLog, Cpid: t.Cpid(), Pool: o.Pool, StartNs: o.StartNs})
	if err != nil {
		return nil, nil, err
	}
	r := &Run{Script: s, Loaded: l, targets: t, handle: o.Handle, onError: o.OnError, args: eventArgs(s.Object), exited: make(chan struct{}), readerDone: make(chan struct{})}
	for _, lp := range l.Programs {
		switch lp.Kind {
		case stdlib.Begin:
			r.begins = append(r.begins, lp)
		case stdlib.End:
			r.ends = append(r.ends, lp)
		case stdlib.SelfSignal:
			r.signals = append(r.signals, lp)
		}
	}
	flush := o.Flush
	if flush == nil {
		flush = func() {}
	}
	r.reader, err = l.NewEventReader(r.record, flush, nil)
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	return r, t.LoadUnwindTables(l), nil
}

// record carries out the action of an event record (events.go) and
// passes it on.
func (r *Run) record(rec []byte) {
	if e, ok := r.Event(rec); ok {
		r.act(e)
	}
	if r.handle != nil {
		r.handle(rec)
	}
}

// Reader is the run's event reader (the CLI's test and bench modes drive
// it themselves).
func (r *Run) Reader() *runtime.EventReader { return r.reader }

// Begin runs the BEGIN probes.
func (r *Run) Begin() []error {
	var errs []error
	for _, b := range r.begins {
		if err := r.Loaded.RunOnce(b); err != nil {
			errs = append(errs, fmt.Errorf("running BEGIN: %w", err))
		}
	}
	return errs
}

// Attach attaches every probe: uprobes and perf events to the -p
// process, perf events to the -c command. A *runtime.AttachError names
// the probe that failed.
func (r *Run) Attach() error {
	return r.Loaded.Attach(&runtime.AttachOptions{Pid: r.targets.pid, Child: r.targets.Cpid()})
}

// Start reads events on a goroutine of its own, runs the iterators and
// lets the -c command go. What failed on the way is returned, as
// warnings (the command's unwind tables) and errors; the run goes on.
func (r *Run) Start() (warns, errs []error) {
	r.started = true
	go func() {
		r.readerErr = r.reader.Run()
		close(r.readerDone)
	}()
	if err := r.Loaded.RunIterators(); err != nil {
		errs = append(errs, err)
	}
	warns, err := r.targets.Release(r.Loaded)
	if err != nil {
		errs = append(errs, err)
	}
	return warns, errs
}

// Exited is closed when a probe has called exit().
func (r *Run) Exited() <-chan struct{} { return r.exited }

// ReaderDone is closed when the reader has stopped on its own (a failure
// reading the ring; Stop returns the error).
func (r *Run) ReaderDone() <-chan struct{} { return r.readerDone }

// TargetsDone is closed when the -c command or the -p process has
// exited (nil without them).
func (r *Run) TargetsDone() <-chan struct{} { return r.targets.Done() }

// SignalProbes are the self:signal probes, which the caller runs when
// the signal arrives (RunProbe).
func (r *Run) SignalProbes() []*runtime.LoadedProgram { return r.signals }

// RunProbe runs a probe that runs on request (self:signal).
func (r *Run) RunProbe(p *runtime.LoadedProgram) error { return r.Loaded.RunOnce(p) }

// RunsOnItsOwn reports whether the run has nothing that fires by itself
// once started: nothing attached (or only iterators, which have run to
// their end), and no self:signal probe. Such a run ends as soon as it
// has started, as with bpftrace, unless it has targets to wait for.
func (r *Run) RunsOnItsOwn() bool {
	return !(r.Loaded.NumAttachable() == 0 && len(r.signals) == 0 || r.Loaded.Iterates())
}

// Stop stops every probe from firing and handles the events already
// sent. Stopping is fast whatever the number of probes
// (runtime.Loaded.Quiesce): what is slow to undo, closing hundreds of
// tracepoints, waits for Close, after END and the results. The -c command
// is stopped after the events: their user stacks are resolved through
// its /proc entries (TargetOptions.Remember keeps its mappings for the
// maps printed after it). It returns the reader's error, if any.
func (r *Run) Stop() error {
	if err := r.Loaded.Quiesce(); err != nil {
		r.warn(err)
	}
	var err error
	if r.started {
		r.reader.Stop()
		<-r.readerDone
		err = r.readerErr
	}
	r.targets.Stop()
	return err
}

// End runs the END probes and handles their events.
func (r *Run) End() []error {
	var errs []error
	for _, e := range r.ends {
		if err := r.Loaded.RunOnce(e); err != nil {
			errs = append(errs, fmt.Errorf("running END: %w", err))
		}
	}
	if err := r.reader.Drain(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// Map reads the script map name as it is now (the CPU copies of a
// percpuhash's plain values merged).
func (r *Run) Map(name string) (*output.Map, error) { return r.Loaded.OutputMap(name) }

// Close detaches the probes and releases the programs, maps and reader
// (Stop first to let the events in flight be handled). Detaching is what
// takes long with many tracepoints (the kernel waits for RCU grace
// periods); everything is gone when Close returns.
func (r *Run) Close() error {
	err := r.reader.Close()
	return errors.Join(err, r.Loaded.Close())
}

// Trace loads s and runs it up to Start: BEGIN, attach, events read with
// o.Handle. Errors of BEGIN and Start are returned as warnings with the
// Run; a load or attach failure closes everything and is returned.
func Trace(s *Script, o *RunOptions) (*Run, []error, error) {
	r, warns, err := Load(s, o)
	if err != nil {
		return nil, nil, err
	}
	warns = append(warns, r.Begin()...)
	if err := r.Attach(); err != nil {
		r.Close()
		return nil, nil, err
	}
	w, errs := r.Start()
	return r, append(append(warns, w...), errs...), nil
}

// Finish ends a started run: Stop, then End. Close it afterwards.
func (r *Run) Finish() []error {
	var errs []error
	if err := r.Stop(); err != nil {
		errs = append(errs, err)
	}
	return append(errs, r.End()...)
}

// Wait waits until the run should end: a probe called exit(), the -c
// command or the -p process exited, the reader failed, or ctx is done
// (its error is returned; nil otherwise). A run without anything that
// fires by itself (RunsOnItsOwn false) and without targets returns at
// once.
func (r *Run) Wait(ctx context.Context) error {
	if !r.RunsOnItsOwn() && r.TargetsDone() == nil {
		return nil
	}
	select {
	case <-r.exited:
	case <-r.TargetsDone():
	case <-r.readerDone:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Lost is the number of events lost so far because the ring (or perf)
// buffer was full.
func (r *Run) Lost() (uint64, error) { return r.Loaded.Lost() }
