package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// Progress of long attaches and detaches. Attaching or detaching
// hundreds of probes takes seconds (the kernel waits for RCU grace
// periods when a tracepoint's perf event closes): when one takes longer
// than progressDelay and stderr is a terminal, a counter on one line,
// rewritten in place, says how far it has got ("Detaching probes:
// 120/360"), and is erased when done. Output that is not a terminal gets
// nothing, so logs and tests see the same lines whatever the timing.

// progressDelay is how long an operation runs before its counter shows;
// progressTick how often the counter is rewritten.
const (
	progressDelay = time.Second
	progressTick  = 100 * time.Millisecond
)

// withProgress runs f, reporting p on w (when tty) as "what: done/total"
// once f has taken longer than delay.
func withProgress(w io.Writer, tty bool, what string, p *runtime.Progress, delay time.Duration, f func()) {
	if !tty {
		f()
		return
	}
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(delay):
	}
	t := time.NewTicker(progressTick)
	defer t.Stop()
	for {
		n, total := p.Counts()
		fmt.Fprintf(w, "\r%s: %d/%d", what, n, total)
		select {
		case <-done:
			fmt.Fprint(w, "\r\033[K")
			return
		case <-t.C:
		}
	}
}

// stderrTTY reports whether the session's stderr is a terminal.
func (s *Session) stderrTTY() bool {
	f, ok := s.Stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
