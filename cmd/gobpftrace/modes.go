package main

// --mode bench and --mode test: bpftrace's benchmark and test runners.
// After BEGIN, instead of attaching any probe, the script's bench: or
// test: programs (XDP programs, which BPF_PROG_TEST_RUN can repeat) are
// run in the tracer one after the other; their results are printed as
// bpftrace prints them (runtime/output/results.go); then END runs and the
// maps are printed as at any exit. The event reader is drained on this
// goroutine after each run, so each run's records are handled before the
// next: a benchmark's are discarded, a test's captured and shown only if
// it fails.

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/output"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// benchTarget is how long a benchmark runs at least: its repeat count
// grows until the runs take that long together, as in bpftrace.
const benchTarget = time.Millisecond

// modeKind is the probe kind --mode runs.
func modeKind(mode string) stdlib.ProbeKind {
	if mode == "bench" {
		return stdlib.Bench
	}
	return stdlib.Test
}

// nothingRuns reports, after bpftrace's error, a script of which nothing
// would run: no BEGIN or END, and no test: or bench: probes for the
// --mode given (without one: no other probes), but some of the other kind
// or mode.
func (s *Session) nothingRuns(c *compiled) bool {
	var tests, benches bool
	for _, p := range c.Object.Programs {
		switch {
		case p.Kind == stdlib.Test:
			tests = true
		case p.Kind == stdlib.Bench:
			benches = true
		case p.Kind == stdlib.Begin || p.Kind == stdlib.End || s.opts.mode == "":
			return false
		}
		if s.opts.mode != "" && p.Kind == modeKind(s.opts.mode) {
			return false
		}
	}
	switch {
	case tests:
		fmt.Fprintln(s.Stderr, "ERROR: No probes attached; use --test to run test probes.")
	case benches:
		fmt.Fprintln(s.Stderr, "ERROR: No probes attached; use --bench to run benchmark probes.")
	default:
		return false
	}
	return true
}

// runMode runs the probes of --mode in script order and reports whether
// every test passed and every benchmark ran.
func (s *Session) runMode(p *printer, l *runtime.Loaded, rd *runtime.EventReader) bool {
	kind := modeKind(s.opts.mode)
	var progs []*runtime.LoadedProgram
	var names []string
	for _, lp := range l.Programs {
		if lp.Kind == kind {
			progs = append(progs, lp)
			names = append(names, strings.TrimPrefix(lp.Probe, kind.String()+":"))
		}
	}
	// BEGIN's output first.
	s.drain(p, rd, nil)
	if kind == stdlib.Bench {
		return s.runBenches(p, l, rd, progs, names)
	}
	return s.runTests(p, l, rd, progs, names)
}

// drain handles the records in the ring with their output diverted to w
// (nil: printed).
func (s *Session) drain(p *printer, rd *runtime.EventReader, w io.Writer) {
	p.mu.Lock()
	p.divert = w
	p.mu.Unlock()
	if err := rd.Drain(); err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
	p.mu.Lock()
	p.divert = nil
	p.mu.Unlock()
}

// resetRun clears what a run of a test or benchmark leaves for the next:
// the exit code, the errorf() count, and exit()'s flag in the kernel,
// which would make the programs do nothing.
func (s *Session) resetRun(p *printer, l *runtime.Loaded) {
	p.code, p.errorfs = 0, 0
	if err := l.SetState(codegen.SlotExited, 0); err != nil {
		fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
	}
}

// emit writes a result line to the output.
func (p *printer) emit(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.w.Write(b)
	p.flushOut()
}

// runBenches times each benchmark: its repeat count grows (by 1000, 100,
// 10 or 2 as the total time is under 1 µs, 10 µs, 100 µs or 1 ms) until
// the runs take 1 ms together; the table gets its average time per run
// and that count. A benchmark that returns non-zero is skipped; one that
// calls exit(N) or errorf() fails.
func (s *Session) runBenches(p *printer, l *runtime.Loaded, rd *runtime.EventReader, progs []*runtime.LoadedProgram, names []string) bool {
	ok, header := true, false
	for i, lp := range progs {
		iters := 1
		for {
			s.resetRun(p, l)
			ret, avg, err := l.RunRepeat(lp, iters)
			if err != nil {
				fmt.Fprintf(s.Stderr, "ERROR: %v\n", err)
				return false
			}
			s.drain(p, rd, io.Discard)
			if p.code == 0 && ret != 0 {
				break // skipped
			}
			if total := avg * time.Duration(iters); total < benchTarget {
				iters *= growth(total)
				continue
			}
			if p.code != 0 || p.errorfs != 0 {
				fmt.Fprintf(s.Stderr, "ERROR: Benchmark '%s' failed.\n", names[i])
				ok = false
				break
			}
			var b []byte
			if p.json {
				b = output.AppendJSONBenchmark(b, names[i], avg, iters)
			} else {
				if !header {
					b = output.AppendBenchHeader(b, names)
					header = true
				}
				b = output.AppendBenchRow(b, names, names[i], avg, iters)
			}
			p.emit(b)
			break
		}
	}
	p.code = 0
	// Records a benchmark's runs could not put in the ring are not
	// losses of the trace.
	p.lost, _ = l.Lost()
	return ok
}

// growth is the factor by which a benchmark's repeat count grows after
// runs that took total together.
func growth(total time.Duration) int {
	switch {
	case total < time.Microsecond:
		return 1000
	case total < 10*time.Microsecond:
		return 100
	case total < 100*time.Microsecond:
		return 10
	}
	return 2
}

// runTests runs each test once: it passes when it returns 0 without
// exit(N) or errorf(); the report shows the output of those that fail.
func (s *Session) runTests(p *printer, l *runtime.Loaded, rd *runtime.EventReader, progs []*runtime.LoadedProgram, names []string) bool {
	var results []output.TestResult
	ok := true
	for i, lp := range progs {
		s.resetRun(p, l)
		var capture bytes.Buffer
		ret, dur, err := l.RunRepeat(lp, 1)
		if err != nil {
			fmt.Fprintf(&capture, "ERROR: %v\n", err)
		}
		s.drain(p, rd, &capture)
		r := output.TestResult{Name: names[i], Duration: dur, Output: capture.String(),
			Passed: err == nil && ret == 0 && p.code == 0 && p.errorfs == 0}
		ok = ok && r.Passed
		results = append(results, r)
		if p.json {
			p.emit(output.AppendJSONTest(nil, r))
		} else {
			p.emit(output.AppendTestRun(nil, results, len(progs)))
		}
	}
	p.code = 0
	return ok
}
