//go:build linux && !amd64

package runtime

// On architectures without a machine-code stub (childstub.go is amd64
// only) the -c child starts as a re-executed gobpftrace that waits on the
// gate in MaybeRunChildShim. Its Go runtime threads may still make system
// calls after the tracer attached, which `pid == cpid` filters then count;
// the amd64 stub does not have that flaw.

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// childEnvPath names the variable that turns a re-executed gobpftrace into
// the -c shim and carries the command's path.
const childEnvPath = "GOBPFTRACE_CHILD_PATH"

// MaybeRunChildShim must be called first thing in main(). In a normal run it
// returns immediately. In the -c shim it waits on the gate (fd 3) until the
// tracer releases it and then replaces itself with the command, keeping
// its pid; when the gate closes without the go byte it exits with status
// 126 without running the command. It never returns in the shim.
func MaybeRunChildShim() {
	path, ok := os.LookupEnv(childEnvPath)
	if !ok {
		return
	}
	os.Unsetenv(childEnvPath)
	var b [1]byte
	var n int
	var err error
	for {
		n, err = unix.Read(stubGateFD, b[:])
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(stubGateFD)
	if n != 1 || b[0] != childGo {
		os.Exit(126)
	}
	err = syscall.Exec(path, os.Args, os.Environ())
	fmt.Fprintf(os.Stderr, "gobpftrace: cannot execute %s: %v\n", path, err)
	os.Exit(127)
}

// stubGateFD is the descriptor the shim reads (the first of ExtraFiles).
const stubGateFD = 3

// stubCommand returns the command that runs the stopped child: this binary
// re-executed with the command's argv and path, and gate as fd 3.
func stubCommand(path string, argv, env []string, gate *os.File) (*exec.Cmd, error) {
	return &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       argv,
		Env:        append(env[:len(env):len(env)], childEnvPath+"="+path),
		ExtraFiles: []*os.File{gate},
	}, nil
}
