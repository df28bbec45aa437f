package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// runREPL runs the interactive shell: with line editing when stdin and
// stdout are a terminal, else line by line from stdin (so sessions can be
// scripted). It returns the exit status.
func runREPL(s *Session, stdin io.Reader, stdout, stderr io.Writer) int {
	r, err := newREPL(s, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return exitScript
	}
	// Ctrl-C never ends the session: outside line editing (which reads it
	// as a key) it arrives as SIGINT, which interrupts the cat() or
	// system() of the input being run. SIGTERM, SIGHUP (the terminal went
	// away) and SIGQUIT end the session cleanly, as they end a script: END
	// runs, the maps are printed. Once the session ends, a Ctrl-C or
	// SIGTERM kills at once (an END that blocks cannot hold it). SIGPIPE
	// is caught so that writing to a closed pipe fails with EPIPE, which
	// ends the session as any output error does.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE)
	defer signal.Stop(sigs)
	terms := make(chan struct{})
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		for {
			select {
			case sig := <-sigs:
				switch sig {
				case syscall.SIGINT:
					r.Interrupt()
				case syscall.SIGPIPE:
				default:
					r.End()
					signal.Reset(syscall.SIGINT, syscall.SIGTERM)
					close(terms)
					return
				}
			case <-ended:
				return
			}
		}
	}()
	if isTerminal(stdin) && isTerminal(stdout) {
		runTerminal(r, terms)
	} else {
		runLines(r, stdin, terms)
	}
	signal.Reset(syscall.SIGINT, syscall.SIGTERM)
	r.Close()
	if err := r.out.writeError(); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "ERROR: writing output to %s: %s\n", pe.Path, errnoText(pe.Err))
		} else {
			fmt.Fprintf(stderr, "ERROR: writing output: %s\n", errnoText(err))
		}
		return exitRuntime
	}
	return exitOK
}

// isTerminal reports whether w (a reader or writer) is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Limits of piped input: a line (liner bounds typed ones), and an input
// continued over lines (a probe block with unclosed braces), which is as
// large as a script may be.
const (
	maxInputLine = 1 << 20
	maxInput     = runtime.MaxSourceSize
)

// inputLine is one line of piped input, numbered from 1, or the error
// that stopped it (err), or a line refused as too long (tooLong).
type inputLine struct {
	text    string
	n       int
	tooLong bool
	err     error
}

// readLines sends the lines of rd (without their line ends) to lines until
// the end of rd, a read error (sent as the last item) or done is closed,
// then closes lines. A line longer than maxInputLine is skipped and sent
// as tooLong, and reading goes on.
func readLines(rd io.Reader, lines chan<- inputLine, done <-chan struct{}) {
	defer close(lines)
	br := bufio.NewReaderSize(rd, 64<<10)
	var buf []byte
	for n := 1; ; n++ {
		buf = buf[:0]
		tooLong := false
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			if !tooLong && len(buf)+len(chunk) > maxInputLine+1 {
				tooLong, buf = true, buf[:0]
			}
			if !tooLong {
				buf = append(buf, chunk...)
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		// As bufio.ScanLines: a CRLF ends a line too.
		text := strings.TrimSuffix(strings.TrimSuffix(string(buf), "\n"), "\r")
		tooLong = tooLong || len(text) > maxInputLine
		if tooLong {
			text = ""
		}
		item := inputLine{text: text, n: n, tooLong: tooLong}
		if err != nil && !errors.Is(err, io.EOF) {
			item.err = fmt.Errorf("reading stdin: %w", err)
		}
		if item.tooLong || item.err != nil || len(buf) > 0 || err == nil {
			select {
			case lines <- item:
			case <-done:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// runLines feeds stdin to the session line by line; an input continues
// over lines while it has unclosed braces. An over-long line or input is
// reported and skipped, and the session goes on.
func runLines(r *repl, stdin io.Reader, terms <-chan struct{}) {
	lines := make(chan inputLine)
	done := make(chan struct{})
	defer close(done)
	go readLines(stdin, lines, done)
	var a lineAssembler
	for !r.quit && r.out.writeError() == nil {
		select {
		case <-terms:
			return
		case <-r.out.failed:
			return
		case u := <-r.exited:
			r.reapOne(u)
		case line, ok := <-lines:
			if !ok {
				if text := a.rest(); text != "" {
					r.Exec(text)
				}
				return
			}
			text, err := a.add(line)
			if err != nil {
				fmt.Fprintf(r.errw, "ERROR: %v\n", err)
			}
			if text != "" {
				r.Exec(text)
			}
		}
	}
}

// lineAssembler joins piped lines into inputs.
type lineAssembler struct {
	pending strings.Builder
	sc      inputScanner
	start   int // the line pending starts on
	// skipping is set while the rest of an over-long input is skipped.
	skipping bool
}

// add takes the next line and returns the input it completes, if any,
// and an error when the line is refused: a line longer than maxInputLine
// is skipped with the input it continues (its later lines are read as new
// inputs: the braces of the line are unknown); an input longer than
// maxInput is skipped to its end.
func (a *lineAssembler) add(line inputLine) (string, error) {
	if line.err != nil {
		return "", line.err
	}
	if a.skipping {
		a.sc.feed(line.text)
		a.sc.feed("\n")
		if a.sc.complete() {
			a.skipping, a.sc = false, inputScanner{}
		}
		return "", nil
	}
	if a.pending.Len() == 0 {
		a.start = line.n
	}
	continues := ""
	if a.pending.Len() > 0 {
		continues = fmt.Sprintf(" with the input it continues (from line %d)", a.start)
	}
	if line.tooLong {
		a.pending.Reset()
		a.sc = inputScanner{}
		return "", fmt.Errorf("stdin:%d: line longer than %d MiB, skipped%s", line.n, maxInputLine>>20, continues)
	}
	if a.pending.Len()+len(line.text) >= maxInput {
		a.pending.Reset()
		a.sc.feed(line.text)
		a.sc.feed("\n")
		a.skipping = !a.sc.complete()
		if !a.skipping {
			a.sc = inputScanner{}
		}
		return "", fmt.Errorf("stdin:%d: input from line %d longer than %d MiB, skipped to its end", line.n, a.start, maxInput>>20)
	}
	a.pending.WriteString(line.text)
	a.pending.WriteByte('\n')
	a.sc.feed(line.text)
	a.sc.feed("\n")
	if !a.sc.complete() {
		return "", nil
	}
	text := a.pending.String()
	a.pending.Reset()
	a.sc = inputScanner{}
	return text, nil
}

// rest is the unfinished input at the end of stdin ("" when skipping).
func (a *lineAssembler) rest() string {
	if a.skipping {
		return ""
	}
	return a.pending.String()
}

// inputComplete reports whether text can be run: its braces and
// parentheses are balanced and no string or block comment is open.
// Commands are always complete.
func inputComplete(text string) bool {
	var sc inputScanner
	sc.feed(text)
	return sc.complete()
}

// inputScanner tracks, over the pieces of an input fed to it one after
// the other, what inputComplete needs: so a long input piped line by line
// is scanned once, not once per line.
type inputScanner struct {
	state   scanState
	depth   int
	slash   bool // a '/' in code, which may open a comment
	star    bool // a '*' in a block comment, which may close it
	started bool // a non-space character was seen
	command bool // the first non-space character was ':'
}

// scanState is where an inputScanner is.
type scanState uint8

const (
	inCode scanState = iota
	inString
	inStringEscape
	inLineComment
	inBlockComment
)

// feed scans the next piece of the input.
func (sc *inputScanner) feed(text string) {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !sc.started && c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			sc.started, sc.command = true, c == ':'
		}
		switch sc.state {
		case inCode:
			if sc.slash {
				sc.slash = false
				switch c {
				case '/':
					sc.state = inLineComment
					continue
				case '*':
					sc.state, sc.star = inBlockComment, false
					continue
				}
			}
			switch c {
			case '"':
				sc.state = inString
			case '/':
				sc.slash = true
			case '{', '(':
				sc.depth++
			case '}', ')':
				sc.depth--
			}
		case inString:
			switch c {
			case '\\':
				sc.state = inStringEscape
			case '"':
				sc.state = inCode
			}
		case inStringEscape:
			sc.state = inString
		case inLineComment:
			if c == '\n' {
				sc.state = inCode
			}
		case inBlockComment:
			if sc.star && c == '/' {
				sc.state = inCode
			}
			sc.star = c == '*'
		}
	}
}

// complete reports whether the input scanned so far can be run.
func (sc *inputScanner) complete() bool {
	if sc.command {
		return true
	}
	return (sc.state == inCode || sc.state == inLineComment) && sc.depth <= 0
}
