package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// sessionSignals catches the signals of a tracing session.
//
// SIGINT, SIGTERM, SIGHUP and SIGQUIT end tracing cleanly: END runs, the
// maps are printed, the probes are detached and the -c child is stopped.
// (bpftrace dies on SIGHUP and SIGQUIT; a clean end is what a closed
// terminal or a Ctrl-\ should give, and Go's goroutine dump on SIGQUIT
// would only confuse.) The signal also interrupts a blocking cat() or
// system() in progress, so it takes effect at once. After a SIGINT the
// next one has its default effect: a second Ctrl-C kills gobpftrace at
// once (the kernel removes the probes, the child's parent-death signal
// kills it), as with bpftrace.
//
// SIGPIPE is caught, not ignored, so that writing to a closed pipe fails
// with EPIPE, which the printer reports and which ends tracing the same
// way, while the -c child and system() commands still start with the
// default disposition.
//
// SIGUSR1 runs the script's self:signal:SIGUSR1 probes, or prints the maps
// when it has none, and tracing goes on (the session reads C).
//
// The signals are caught from the start of a trace, so one that arrives
// while the programs load stops gobpftrace before anything runs
// (Pending). Tracing then runs in phases (tracing, then END): a
// terminating signal cancels the context of the current phase, which
// bounds the phase's blocking actions.
type sessionSignals struct {
	// C delivers the signals until Late is called.
	C chan os.Signal

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// catchSignals starts catching the session's signals.
func catchSignals() *sessionSignals {
	s := &sessionSignals{C: make(chan os.Signal, 8), cancel: func() {}, done: make(chan struct{})}
	signal.Notify(s.C, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE, syscall.SIGUSR1)
	return s
}

// Phase starts a phase and returns its context, which the next
// terminating signal cancels.
func (s *sessionSignals) Phase() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel()
	s.cancel = cancel
	s.mu.Unlock()
	return ctx
}

// Pending reports whether a terminating signal has arrived (SIGUSR1s
// received meanwhile are dropped).
func (s *sessionSignals) Pending() bool {
	for {
		select {
		case sig := <-s.C:
			if sig != syscall.SIGUSR1 {
				return true
			}
		default:
			return false
		}
	}
}

// Interrupt handles a terminating signal: it cancels the current phase
// and, for SIGINT, restores the default so that the next one kills.
func (s *sessionSignals) Interrupt(sig os.Signal) {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	if sig == os.Interrupt {
		signal.Reset(os.Interrupt)
	}
}

// Late hands the signals to a goroutine for the rest of the session (the
// teardown): terminating signals Interrupt, SIGUSR1 is dropped (the maps
// are about to be printed anyway).
func (s *sessionSignals) Late() {
	go func() {
		for {
			select {
			case sig := <-s.C:
				if sig != syscall.SIGUSR1 {
					s.Interrupt(sig)
				}
			case <-s.done:
				return
			}
		}
	}()
}

// Stop ends the handling. It is called as gobpftrace is about to exit, so
// the default dispositions it restores hardly matter.
func (s *sessionSignals) Stop() {
	signal.Stop(s.C)
	close(s.done)
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
}
