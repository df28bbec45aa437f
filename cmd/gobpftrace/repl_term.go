package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/peterh/liner"
	"golang.org/x/term"
)

// The terminal front end of the shell: liner edits the input line (the
// only file that imports it), and probe output streams above it.
//
// Output must not corrupt the line being edited, but liner cannot redraw
// on demand. So the screen is split with a scroll region: every row but
// the last scrolls with output, and the last row is liner's alone. Output
// is written at the bottom of the region, between a save and a restore of
// the cursor, in one write; accepted input is echoed into the region so
// the transcript reads like a normal terminal session.

const (
	promptText     = "gobpftrace> "
	continuePrompt = "       ...> "
)

// screen writes output into the scroll region above the prompt row.
type screen struct {
	mu      sync.Mutex
	f       *os.File
	rows    int
	partial []byte // output not yet ended by a newline
}

// newScreen sets up the scroll region on f.
func newScreen(f *os.File) *screen {
	s := &screen{f: f}
	s.resize()
	return s
}

// resize sets the scroll region to all rows but the last and puts the
// cursor on the last row (setting a region homes the cursor).
func (s *screen) resize() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rows, err := term.GetSize(int(s.f.Fd()))
	if err != nil || rows < 3 {
		rows = 24
	}
	s.rows = rows
	fmt.Fprintf(s.f, "\x1b[1;%dr\x1b[%d;1H", rows-1, rows)
}

// emit writes the complete lines of p (and remembers a trailing partial
// line) at the bottom of the region, leaving the cursor where it was.
func (s *screen) emit(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	end := strings.LastIndexByte(string(s.partial), '\n')
	if end < 0 {
		return
	}
	lines := strings.Split(string(s.partial[:end]), "\n")
	s.partial = append(s.partial[:0], s.partial[end+1:]...)
	var b strings.Builder
	fmt.Fprintf(&b, "\x1b7\x1b[%d;1H", s.rows-1)
	for _, l := range lines {
		b.WriteString("\r\n")
		b.WriteString(l)
	}
	b.WriteString("\x1b8")
	s.f.WriteString(b.String())
}

// clearInput blanks the prompt row after liner accepted a line (liner
// expects a fresh line, and its newline cannot scroll the last row).
func (s *screen) clearInput() {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.f, "\x1b[%d;1H\x1b[2K", s.rows)
}

// reset restores the whole screen as the scroll region, below the output.
func (s *screen) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.partial = append(s.partial, '\n')
	}
	fmt.Fprintf(s.f, "\x1b[r\x1b[%d;1H\r\x1b[K", s.rows)
}

// historyPath is where the shell keeps its history:
// $XDG_STATE_HOME/gobpftrace/history, else ~/.gobpftrace_history.
func historyPath() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "gobpftrace", "history")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".gobpftrace_history")
}

// runTerminal runs the shell with line editing on the terminal.
func runTerminal(r *repl, terms <-chan struct{}) {
	scr := newScreen(os.Stdout)
	r.out.emit = scr.emit
	r.errw = r.out
	r.s.Stderr = r.out
	ln := liner.NewLiner()
	ln.SetCtrlCAborts(true)
	ln.SetTabCompletionStyle(liner.TabCircular)
	ln.SetWordCompleter(r.complete)
	hist := historyPath()
	if f, err := os.Open(hist); err == nil {
		ln.ReadHistory(f)
		f.Close()
	}
	done := func() {
		saveHistory(ln, hist)
		ln.Close()
		r.out.mu.Lock()
		r.out.emit = nil
		r.out.mu.Unlock()
		scr.reset()
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	go func() {
		for {
			select {
			case <-winch:
				scr.resize()
			case <-terms:
				// SIGTERM while editing: liner cannot be interrupted, so
				// end the session from here.
				done()
				r.Close()
				os.Exit(exitOK)
			}
		}
	}()
	io.WriteString(r.out, r.banner())
	var pending []string
	for !r.quit {
		prompt := promptText
		if len(pending) > 0 {
			prompt = continuePrompt
		}
		line, err := ln.Prompt(prompt)
		scr.clearInput()
		r.reap()
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			// Ctrl-C: cancel the input, keep the session.
			if len(pending) > 0 {
				io.WriteString(r.out, prompt+"^C\n")
			}
			pending = nil
			continue
		case err != nil: // io.EOF: Ctrl-D
			if len(pending) > 0 {
				pending = nil
				continue
			}
			done()
			return
		}
		io.WriteString(r.out, prompt+line+"\n")
		pending = append(pending, line)
		text := strings.Join(pending, "\n")
		if !inputComplete(text) {
			continue
		}
		pending = nil
		if strings.TrimSpace(text) != "" {
			ln.AppendHistory(strings.Join(strings.Fields(text), " "))
		}
		r.Exec(text)
	}
	done()
}

// saveHistory writes the history file, readable by its owner only.
func saveHistory(ln *liner.State, path string) {
	if path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return
	}
	ln.WriteHistory(f)
	f.Chmod(0o600)
	f.Close()
}
