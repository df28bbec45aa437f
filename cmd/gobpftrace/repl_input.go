package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
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
	// as a key) it arrives as SIGINT, which is ignored; SIGTERM ends the
	// session cleanly.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	terms := make(chan struct{})
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGTERM {
				close(terms)
				return
			}
		}
	}()
	if isTerminal(stdin) && isTerminal(stdout) {
		runTerminal(r, terms)
	} else {
		runLines(r, stdin, terms)
	}
	r.Close()
	return exitOK
}

// isTerminal reports whether w (a reader or writer) is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runLines feeds stdin to the session line by line; an input continues
// over lines while it has unclosed braces.
func runLines(r *repl, stdin io.Reader, terms <-chan struct{}) {
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var pending strings.Builder
	for !r.quit {
		select {
		case <-terms:
			return
		case u := <-r.exited:
			r.reapOne(u)
		case line, ok := <-lines:
			if !ok {
				if pending.Len() > 0 {
					r.Exec(pending.String())
				}
				return
			}
			pending.WriteString(line)
			pending.WriteByte('\n')
			if inputComplete(pending.String()) {
				r.Exec(pending.String())
				pending.Reset()
			}
		}
	}
}

// inputComplete reports whether text can be run: its braces and
// parentheses are balanced and no string or block comment is open.
// Commands are always complete.
func inputComplete(text string) bool {
	if strings.HasPrefix(strings.TrimSpace(text), ":") {
		return true
	}
	depth := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '"':
			for i++; i < len(text) && text[i] != '"'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
			if i >= len(text) {
				return false
			}
		case '/':
			if i+1 < len(text) && text[i+1] == '/' {
				for i < len(text) && text[i] != '\n' {
					i++
				}
			} else if i+1 < len(text) && text[i+1] == '*' {
				end := strings.Index(text[i+2:], "*/")
				if end < 0 {
					return false
				}
				i += end + 3
			}
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		}
	}
	return depth <= 0
}
