package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// appendCat handles a cat() record: it formats the path and appends the
// file's contents as they are (JSON: a "cat" message). The file is opened
// non-blocking, so reading a pipe or a device goes through Go's poller and
// stops when a signal ends tracing (p.actx) instead of holding the event
// loop.
func (p *printer) appendCat(b []byte, ev *codegen.EventDef, args []output.Arg, rec []byte) []byte {
	path := string(output.AppendPrintf(nil, ev.Pieces, args, rec, p.res))
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		p.runError("failed to open file '%s' (%s)", path, errnoText(err))
		return b
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	stop := context.AfterFunc(p.actx, func() { f.SetReadDeadline(time.Now()) })
	defer stop()
	limit := p.catLimit
	if limit <= 0 {
		limit = check.DefaultMaxCatBytes
	}
	text, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil && p.actx.Err() == nil {
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
// completion before the next event is printed, as in bpftrace — unless a
// signal ends tracing (p.actx): then its process group gets SIGTERM (and
// SIGKILL systemWaitDelay later), so the tracer ends promptly. It runs in
// a process group of its own for that reason.
func (p *printer) appendSystem(b []byte, ev *codegen.EventDef, args []output.Arg, rec []byte) []byte {
	command := string(output.AppendPrintf(nil, ev.Pieces, args, rec, p.res))
	p.w.Write(b)
	b = b[:0]
	p.flushOut()
	cmd := exec.CommandContext(p.actx, "/bin/sh", "-c", command)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = systemWaitDelay
	if err := cmd.Run(); err != nil && p.actx.Err() == nil {
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

// systemWaitDelay is how long an interrupted system() command may take to
// exit after SIGTERM before it is killed.
const systemWaitDelay = 500 * time.Millisecond

// runError reports a failure of an action a record asked for, after the
// output printed so far.
func (p *printer) runError(msg string, args ...any) {
	p.flushOut()
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
