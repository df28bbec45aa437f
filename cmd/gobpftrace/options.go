package main

// The behaviour of options that the session only consults: --dry-run,
// --no-warnings, --probe-filter and -B. Parsing is in cli.go.

import (
	"bufio"
	"bytes"
	"io"

	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// dryRun is bpftrace's --dry-run: load every program and attach every
// probe, then detach and stop. Nothing runs: BEGIN and END are not run, no
// event is read, no map is printed and the -c command is not started (its
// cpid is 0). A load or attach failure is reported as when tracing.
func (s *Session) dryRun(c *compiled) int {
	l, err := runtime.Load(c.Object, &runtime.LoadOptions{VerifierLog: s.opts.verbose})
	if err != nil {
		return s.loadFailed(c, err)
	}
	defer l.Close()
	if err := l.Attach(&runtime.AttachOptions{Pid: s.opts.pid}); err != nil {
		return s.attachFailed(c, err)
	}
	return exitOK
}

// filterProbes applies --probe-filter: the programs of probes whose names
// do not match are dropped before anything is loaded; those run once
// (begin, end, self) stay, as in bpftrace. With none left, the run ends
// as one whose probes are all missing: "No probes to attach".
func (s *Session) filterProbes(c *compiled) {
	re := s.opts.probeFilter
	if re == nil {
		return
	}
	kept := c.Object.Programs[:0]
	for _, p := range c.Object.Programs {
		if stdlib.Probes[p.Kind].RunOnce || p.Internal || re.MatchString(p.Probe) {
			kept = append(kept, p)
		}
	}
	c.Object.Programs = kept
	c.Object.DropUnusedDispatchers()
}

// dropWarnings removes the warnings from diags (--no-warnings).
func dropWarnings(diags *diag.List) *diag.List {
	kept := &diag.List{}
	for _, d := range diags.Items {
		if d.Severity != diag.Warning {
			kept.Items = append(kept.Items, d)
		}
	}
	return kept
}

// fullBufferSize is the buffer of -B full.
const fullBufferSize = 64 << 10

// buffered applies -B to the tracing output. The printer writes what it
// has decoded each time the ring buffer is drained; by default (and with
// -B none) that goes straight to w. -B line holds back a trailing partial
// line until its newline arrives; -B full holds output until fullBufferSize
// bytes have accumulated. Close writes what is held, then closes w.
func buffered(w io.WriteCloser, mode string) io.WriteCloser {
	switch mode {
	case "line":
		return &lineBuffered{w: w}
	case "full":
		return &fullBuffered{Writer: bufio.NewWriterSize(w, fullBufferSize), w: w}
	}
	return w
}

// lineBuffered passes whole lines through and holds a partial one.
type lineBuffered struct {
	w    io.WriteCloser
	held []byte
}

func (lw *lineBuffered) Write(b []byte) (int, error) {
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 {
		lw.held = append(lw.held, b...)
		return len(b), nil
	}
	out := b[:i+1]
	if len(lw.held) > 0 {
		out = append(lw.held, out...)
	}
	if _, err := lw.w.Write(out); err != nil {
		return 0, err
	}
	lw.held = append(lw.held[:0], b[i+1:]...)
	return len(b), nil
}

func (lw *lineBuffered) Close() error {
	var err error
	if len(lw.held) > 0 {
		_, err = lw.w.Write(lw.held)
		lw.held = nil
	}
	if cerr := lw.w.Close(); err == nil {
		err = cerr
	}
	return err
}

// fullBuffered is a bufio.Writer that flushes on Close.
type fullBuffered struct {
	*bufio.Writer
	w io.WriteCloser
}

func (fw *fullBuffered) Close() error {
	err := fw.Flush()
	if cerr := fw.w.Close(); err == nil {
		err = cerr
	}
	return err
}
