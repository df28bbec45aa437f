package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// catLimit bounds what one cat() prints, so a script that cats a device
// or an endless file cannot stall the event loop forever.
const catLimit = 1 << 20

// appendCat handles a cat() record: it formats the path and appends the
// file's contents as they are (JSON: a "cat" message).
func (p *printer) appendCat(b []byte, ev *codegen.EventDef, args []output.Arg, rec []byte) []byte {
	path := string(output.AppendPrintf(nil, ev.Pieces, args, rec, p.res))
	f, err := os.Open(path)
	if err != nil {
		p.runError("failed to open file '%s': %s", path, errnoText(err))
		return b
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, catLimit))
	if err != nil {
		p.runError("failed to read file '%s': %s", path, errnoText(err))
	}
	if p.json {
		return output.AppendJSONText(b, "cat", text)
	}
	return append(b, text...)
}

// appendSystem handles a system() record: it formats the command, runs it
// with /bin/sh -c and appends what it printed on stdout (JSON: a "syscall"
// message, as bpftrace names it). The command's stderr is ours; it runs to
// completion before the next event is printed, as in bpftrace.
func (p *printer) appendSystem(b []byte, ev *codegen.EventDef, args []output.Arg, rec []byte) []byte {
	command := string(output.AppendPrintf(nil, ev.Pieces, args, rec, p.res))
	p.w.Write(b)
	b = b[:0]
	p.w.Flush()
	cmd := exec.Command("/bin/sh", "-c", command)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			p.runError("system(%q): %v", command, err)
		}
	}
	if p.json {
		return output.AppendJSONText(b, "syscall", out.Bytes())
	}
	return append(b, out.Bytes()...)
}

// runError reports a failure of an action a record asked for, after the
// output printed so far.
func (p *printer) runError(msg string, args ...any) {
	p.w.Flush()
	fmt.Fprintf(os.Stderr, "ERROR: "+msg+"\n", args...)
}

// errnoText is the C strerror() text of err's errno, or err's own text.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return string(output.AppendStrerror(nil, int64(errno)))
	}
	return err.Error()
}
