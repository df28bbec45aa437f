//go:build linux

package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// childGo is the byte the tracer writes on the gate to let the stopped
// child exec the command.
const childGo = 'g'

// KillGrace is how long Child.Kill lets the command handle SIGTERM before
// it sends SIGKILL.
const KillGrace = time.Second

// SplitCommand splits a -c command line on white space, without any shell
// interpretation (as bpftrace does).
func SplitCommand(cmd string) []string { return strings.Fields(cmd) }

// Child is the -c command: started stopped, released once the probes are
// attached. It dies with SIGKILL when the tracer dies (the parent-death
// signal survives the exec of the command).
type Child struct {
	cmd  *exec.Cmd
	path string // the command's file

	mu      sync.Mutex
	gate    *os.File // write end of the pipe the stub waits on; nil once used
	killing bool     // Kill has been called

	done    chan struct{}
	waitErr error
}

// StartChild starts argv (argv[0] is resolved through $PATH when it has no
// '/') with the given environment (os.Environ() when nil), sharing our
// stdin, stdout and stderr. The command does not run yet: the process is a
// stub blocked on a pipe until Release, so its pid (Pid, the `cpid`
// builtin) is already the command's pid. StartChild returns once the stub
// is blocked, so probes attached afterwards see none of its start-up. Do
// not call it from a goroutine locked to its thread: the parent-death
// signal fires when the thread that forked the child exits.
func StartChild(argv []string, env []string) (*Child, error) {
	if len(argv) == 0 {
		return nil, errors.New("starting child: empty command")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	if env == nil {
		env = os.Environ()
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	cmd, err := stubCommand(path, argv, env, r)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
	c := &Child{cmd: cmd, path: path, gate: w, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	if err := waitStubBlocked(c.Pid(), c.done); err != nil {
		c.Kill()
		c.Wait()
		return nil, fmt.Errorf("starting child %s: %w", argv[0], err)
	}
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
// zero status; an *exec.ExitError otherwise). After Kill it returns within
// KillGrace.
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

// Kill ends the child if it is still running: before Release the stub is
// told to exit (status 126) without running the command; after it, the
// command gets SIGTERM, and SIGKILL if it is still alive KillGrace later.
// It does not wait; use Wait. Calling it again does nothing.
func (c *Child) Kill() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killing {
		return nil
	}
	c.killing = true
	select {
	case <-c.done:
		return nil
	default:
	}
	// Whatever the first step, a child that outlives the grace period is
	// killed: Wait never blocks for longer.
	time.AfterFunc(KillGrace, func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
		}
	})
	if c.gate != nil {
		c.gate.Close() // EOF: the stub exits without exec'ing
		c.gate = nil
		return nil
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing child %d: %w", c.Pid(), err)
	}
	return nil
}

// stubWaitTimeout bounds how long StartChild waits for the stub to block.
const stubWaitTimeout = 5 * time.Second

// waitStubBlocked waits until a thread of process pid sleeps in
// read(stubGateFD, …): the stub has then made all its system calls but the
// read's return and the execve. It polls /proc/PID/task/TID/syscall ("NR
// ARG1 …" while blocked; the stub reaches the read within microseconds)
// and gives up when the process exits (done is closed) or after
// stubWaitTimeout. (The stub has one thread; the fallback shim's Go
// runtime may block in the read on any of its threads.)
func waitStubBlocked(pid int, done <-chan struct{}) error {
	taskDir := "/proc/" + strconv.Itoa(pid) + "/task"
	want := []byte(strconv.Itoa(unix.SYS_READ) + " 0x" + strconv.FormatInt(stubGateFD, 16) + " ")
	deadline := time.Now().Add(stubWaitTimeout)
	buf := make([]byte, 256)
	pause := 20 * time.Microsecond
	for {
		tasks, _ := os.ReadDir(taskDir)
		for _, task := range tasks {
			n, err := readSmall(taskDir+"/"+task.Name()+"/syscall", buf)
			if err == nil && bytes.HasPrefix(buf[:n], want) {
				return nil
			}
		}
		select {
		case <-done:
			return errors.New("the stub exited before the command was released")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the stub did not block on its gate within %v", stubWaitTimeout)
		}
		time.Sleep(pause)
		pause = min(2*pause, time.Millisecond)
	}
}

// readSmall reads the start of a small file into buf.
func readSmall(path string, buf []byte) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	return unix.Read(fd, buf)
}
