package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// vmSpec describes one guest.
type vmSpec struct {
	Qemu    string // qemu-system-x86_64
	Accel   string // "tcg" or "kvm"
	Vmlinuz string
	Initrd  string
	MemMB   int
	CPUs    int
	Work    string // host directory shared read-write as "work" ("" for none)
}

// qemuArgs is the qemu command line: no default devices, the serial port
// as the console on stdout (stdin is not connected, so qemu leaves the
// terminal alone), the host's root read-only and the working tree
// read-write over virtio-9p, no network card, and no reboot: a panic or
// the init's power-off ends qemu. A soft lockup panics the guest, so a
// kernel that deadlocks under a test ends the run at once (with the
// lockup on the console) instead of at the runner's timeout.
func qemuArgs(s vmSpec) []string {
	a := []string{
		"-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
		"-machine", "pc", "-m", strconv.Itoa(s.MemMB), "-smp", strconv.Itoa(s.CPUs),
	}
	if s.Accel == "kvm" {
		a = append(a, "-accel", "kvm", "-cpu", "host")
	} else {
		// One host thread for all vCPUs: multi-threaded TCG can go on
		// running a stale translation of kernel text that another vCPU
		// has just patched (a jump label of the syscall tracepoints,
		// toggled whenever one is attached or detached). The 5.10 guest
		// then loops on an int3 that is no longer in memory, and both
		// vCPUs hit soft lockups in syscall_trace_enter or
		// syscall_exit_to_user_mode.
		a = append(a, "-accel", "tcg,thread=single", "-cpu", "max")
	}
	a = append(a,
		"-kernel", s.Vmlinuz, "-initrd", s.Initrd,
		"-append", "console=ttyS0 quiet loglevel=1 panic=-1 oops=panic softlockup_panic=1 rdinit=/init",
		"-serial", "stdio", "-monitor", "none",
		"-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
	)
	if s.Work != "" {
		a = append(a, "-virtfs", "local,path="+s.Work+",mount_tag=work,security_model=none,multidevs=remap")
	}
	return a
}

// startLine is the guest init's first line: the console before it is
// firmware and kernel noise, shown only when the guest fails to start.
const startLine = "<<gobpftrace-guest-start>>"

// exitLine matches the guest init's report of the command's status.
var exitLine = regexp.MustCompile(`^<<gobpftrace-guest-exit (\d+)>>$`)

// guestExit returns the exit status the guest init reported in console
// (the last report), or ok=false when there is none.
func guestExit(console string) (code int, ok bool) {
	for _, l := range strings.Split(console, "\n") {
		if m := exitLine.FindStringSubmatch(strings.TrimRight(l, "\r")); m != nil {
			code, _ = strconv.Atoi(m[1])
			ok = true
		}
	}
	return code, ok
}

// runQemu runs qemu with args, copying its console (without carriage
// returns and without the exit marker) to out line by line and returning
// the whole console. qemu never outlives the call: it is killed when ctx
// ends, and the kernel kills it (PR_SET_PDEATHSIG) if this process dies,
// even by SIGKILL. onStart, when not nil, receives qemu's pid.
func runQemu(ctx context.Context, qemu string, args []string, out io.Writer, onStart func(pid int)) (string, error) {
	type result struct {
		console string
		err     error
	}
	done := make(chan result, 1)
	go func() {
		// The death signal is tied to the thread that forked qemu: keep
		// this goroutine on it until qemu is reaped.
		runtime.LockOSThread()
		cmd := exec.Command(qemu, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			done <- result{err: err}
			return
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			done <- result{err: fmt.Errorf("starting %s: %w", qemu, err)}
			return
		}
		if onStart != nil {
			onStart(cmd.Process.Pid)
		}
		stop := make(chan struct{})
		go func() {
			select {
			case <-ctx.Done():
				cmd.Process.Kill()
			case <-stop:
			}
		}()
		var console strings.Builder
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		started, ended := false, false
		for sc.Scan() {
			l := strings.TrimRight(sc.Text(), "\r")
			console.WriteString(l + "\n")
			switch {
			case !started:
				started = strings.HasSuffix(l, startLine)
			case exitLine.MatchString(l):
				ended = true // what follows is the power-off
			case !ended:
				fmt.Fprintln(out, l)
			}
		}
		if !started {
			// The guest never reached init: show why.
			fmt.Fprint(out, console.String())
		}
		io.Copy(io.Discard, stdout)
		err = cmd.Wait()
		close(stop)
		if ctx.Err() != nil {
			err = ctx.Err()
		} else if err != nil {
			err = fmt.Errorf("qemu: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
		done <- result{console.String(), err}
	}()
	r := <-done
	return r.console, r.err
}
