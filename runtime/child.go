//go:build linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Environment variables that turn a re-executed gobpftrace into the -c shim.
const (
	childEnvFD   = "GOBPFTRACE_CHILD_FD"
	childEnvPath = "GOBPFTRACE_CHILD_PATH"
)

// childGo is the byte the parent writes to let the shim exec the command;
// childReady the byte the shim writes once its runtime has started.
const (
	childGo    = 'g'
	childReady = 'r'
)

// MaybeRunChildShim must be called first thing in main(). In a normal run it
// returns immediately. When the process was started by StartChild it is the
// -c child: it waits until the parent calls Child.Release (the probes are
// attached by then) and replaces itself with the command, keeping its pid.
// If the parent goes away or aborts instead, it exits with status 126
// without running the command. It never returns in the shim.
func MaybeRunChildShim() {
	fdText, ok := os.LookupEnv(childEnvFD)
	if !ok {
		return
	}
	path := os.Getenv(childEnvPath)
	os.Unsetenv(childEnvFD)
	os.Unsetenv(childEnvPath)
	fd, err := strconv.Atoi(fdText)
	if err != nil || path == "" {
		fmt.Fprintf(os.Stderr, "gobpftrace: bad %s=%q\n", childEnvFD, fdText)
		os.Exit(126)
	}
	// Tell the parent the Go runtime has finished starting (it reads
	// /proc/self/cgroup and other files): from here on the only system
	// calls are the wait and the exec, so probes attached after this
	// point see nothing of the shim.
	unix.Write(fd+1, []byte{childReady})
	unix.Close(fd + 1)
	var b [1]byte
	var n int
	for {
		n, err = unix.Read(fd, b[:])
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(fd)
	if n != 1 || b[0] != childGo {
		os.Exit(126) // the tracer aborted or died before attaching
	}
	err = syscall.Exec(path, os.Args, os.Environ())
	fmt.Fprintf(os.Stderr, "gobpftrace: executing %s: %v\n", path, err)
	os.Exit(127)
}

// SplitCommand splits a -c command line on white space, without any shell
// interpretation (as bpftrace does).
func SplitCommand(cmd string) []string { return strings.Fields(cmd) }

// Child is the -c command: started stopped, released once the probes are
// attached.
type Child struct {
	cmd  *exec.Cmd
	gate *os.File // write end of the pipe the shim waits on; nil once used

	mu sync.Mutex

	done    chan struct{}
	waitErr error
}

// StartChild starts argv (argv[0] is resolved through $PATH when it has no
// '/') with the given environment (os.Environ() when nil), sharing our
// stdin, stdout and stderr. The command does not run yet: the process is a
// copy of this binary blocked in MaybeRunChildShim until Release, so its pid
// (Pid, the `cpid` builtin) is already the command's pid.
func StartChild(argv []string, env []string) (*Child, error) {
	if len(argv) == 0 {
		return nil, errors.New("starting child: empty command")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	defer readyR.Close()
	if env == nil {
		env = os.Environ()
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       argv,
		Env:        append(env[:len(env):len(env)], childEnvFD+"=3", childEnvPath+"="+path),
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ExtraFiles: []*os.File{r, readyW},
	}
	err = cmd.Start()
	r.Close()
	readyW.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	// Wait until the shim is idle (or died: EOF).
	var b [1]byte
	readyR.Read(b[:])
	c := &Child{cmd: cmd, gate: w, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// Pid is the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Release lets the child exec the command. Call it once the probes are
// attached.
func (c *Child) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gate == nil {
		return errors.New("releasing child: already released or killed")
	}
	_, err := c.gate.Write([]byte{childGo})
	c.gate.Close()
	c.gate = nil
	if err != nil {
		return fmt.Errorf("releasing child: %w", err)
	}
	return nil
}

// Done is closed when the child has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Wait blocks until the child exits and returns its exit error (nil for a
// zero status; an *exec.ExitError otherwise).
func (c *Child) Wait() error {
	<-c.done
	return c.waitErr
}

// ExitCode returns the child's exit status, or -1 if it has not exited or
// was killed by a signal.
func (c *Child) ExitCode() int {
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// Kill ends the child if it is still running: before Release the shim is
// told to exit without running the command; after it, the command gets
// SIGTERM. It does not wait; use Wait.
func (c *Child) Kill() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gate != nil {
		c.gate.Close() // EOF: the shim exits without exec'ing
		c.gate = nil
		return nil
	}
	select {
	case <-c.done:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing child %d: %w", c.Pid(), err)
	}
	return nil
}

// Signals returns a context that is cancelled on SIGINT or SIGTERM (or when
// parent is), and a function that stops the notification and restores the
// default behaviour.
func Signals(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
