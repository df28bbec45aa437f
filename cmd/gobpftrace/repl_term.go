package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/peterh/liner"
	"golang.org/x/sys/unix"
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
	if err := readHistory(hist, func(rd io.Reader) error {
		_, err := ln.ReadHistory(rd)
		return err
	}); err != nil {
		fmt.Fprintf(r.out, "WARNING: %v\n", err)
	}
	done := func() {
		err := writeHistory(hist, func(w io.Writer) { ln.WriteHistory(w) })
		ln.Close()
		r.out.mu.Lock()
		r.out.emit = nil
		r.out.mu.Unlock()
		scr.reset()
		if err != nil {
			fmt.Fprintf(os.Stderr, "WARNING: %v\n", err)
		}
	}
	// busy is held while an input runs and from the end of the session
	// on. While the line is edited, the goroutine below detaches the
	// units that called exit() and ends the session on a signal (liner
	// cannot be interrupted); neither may run alongside an input or the
	// session's own end.
	var busy sync.Mutex
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	go func() {
		for {
			select {
			case <-winch:
				scr.resize()
			case u := <-r.exited:
				busy.Lock()
				r.reapOne(u)
				busy.Unlock()
			case <-terms:
				busy.Lock()
				done()
				r.Close()
				os.Exit(exitOK)
			}
		}
	}()
	io.WriteString(r.out, r.banner())
	var pending []string
	for {
		prompt := promptText
		if len(pending) > 0 {
			prompt = continuePrompt
		}
		line, err := ln.Prompt(prompt)
		busy.Lock()
		scr.clearInput()
		r.reap()
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			// Ctrl-C: cancel the input, keep the session.
			if len(pending) > 0 {
				io.WriteString(r.out, prompt+"^C\n")
			}
			pending = nil
		case err != nil: // io.EOF: Ctrl-D
			if len(pending) == 0 {
				r.quit = true
			}
			pending = nil
		default:
			io.WriteString(r.out, prompt+line+"\n")
			pending = append(pending, line)
			if text := strings.Join(pending, "\n"); inputComplete(text) {
				pending = nil
				if entry := strings.Join(strings.Fields(text), " "); entry != "" && len(entry) < maxHistoryEntry {
					ln.AppendHistory(entry)
				}
				r.Exec(text)
			}
		}
		if r.quit {
			// busy stays held: the session ends here.
			done()
			return
		}
		busy.Unlock()
		select {
		case <-terms:
			// A signal ended the session while the input ran: the
			// goroutine above ends it. No prompt, which would otherwise
			// be drawn where END's output is about to be printed.
			select {}
		default:
		}
	}
}

// maxHistoryEntry bounds the inputs kept in the history: liner reads the
// file with a 4 KiB line buffer and stops at the first longer line, which
// would lose every entry after it.
const maxHistoryEntry = 4000

// maxHistoryRead bounds how much of the history file is read: its last
// part, which holds the entries liner keeps (liner.HistoryLimit of them,
// each shorter than maxHistoryEntry).
const maxHistoryRead = liner.HistoryLimit * maxHistoryEntry

// openHistory opens the history file without following a symbolic link
// (or blocking on a FIFO) and refuses anything but a regular file, so
// the file gobpftrace, often run as root, reads, truncates and chmods is
// never one a link points it to.
func openHistory(path string, flag int) (*os.File, int64, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o600)
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return nil, 0, fmt.Errorf("history file %s is a symbolic link; not using it", path)
		}
		return nil, 0, fmt.Errorf("history file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("history file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("history file %s is not a regular file; not using it", path)
	}
	return f, fi.Size(), nil
}

// readHistory passes the history file to read: nothing (and no error)
// when there is none yet, else its last maxHistoryRead bytes from the
// start of a line.
func readHistory(path string, read func(io.Reader) error) error {
	if path == "" {
		return nil
	}
	f, size, err := openHistory(path, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var rd io.Reader = f
	if size > maxHistoryRead {
		if _, err := f.Seek(size-maxHistoryRead, io.SeekStart); err != nil {
			return fmt.Errorf("history file: %w", err)
		}
		br := bufio.NewReader(f)
		// Skip the partial line the seek landed in.
		for {
			_, err := br.ReadSlice('\n')
			if err == nil {
				break
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				return nil
			}
		}
		rd = br
	}
	if err := read(rd); err != nil {
		return fmt.Errorf("history file %s: %w", path, err)
	}
	return nil
}

// writeHistory replaces the history file with what write writes,
// readable by its owner only.
func writeHistory(path string, write func(io.Writer)) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	f, _, err := openHistory(path, os.O_WRONLY|os.O_CREATE)
	if err != nil {
		return err
	}
	defer f.Close()
	// Truncate and chmod the file opened, once it is known to be a
	// regular file.
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	bw := bufio.NewWriter(f)
	write(bw)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing history file: %w", err)
	}
	return f.Close()
}
