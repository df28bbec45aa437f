package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

// fusedWorkload is a program that makes the system calls of the fused
// comparisons, each with fixed arguments (raw syscall(2): no libc
// variation), and writes nothing (its output would interleave with the
// tracer's).
const fusedWorkload = `#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	struct stat st;
	char buf[4096];
	int fd = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY, 0);
	syscall(SYS_read, fd, buf, 7);
	syscall(SYS_close, fd);
	syscall(SYS_openat, AT_FDCWD, "/nonexistent/fused", O_RDONLY | O_CLOEXEC, 0);
	syscall(SYS_open, "/etc/passwd", O_RDONLY, 0);
	syscall(SYS_stat, "/etc", &st);
	syscall(SYS_lstat, "/nonexistent/fused", &st);
	syscall(SYS_newfstatat, AT_FDCWD, "/etc/hostname", &st, 0);
	syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, buf);
	syscall(SYS_kill, 1, 0);
	syscall(SYS_kill, 999999, 0);
	syscall(SYS_setuid, 0);
	syscall(SYS_setresuid, -1, -1, -1);
	syscall(SYS_setfsuid, 0);
	for (int i = 0; i < 3; i++)
		syscall(SYS_getppid);
	return 0;
}
`

// fusedScripts are scripts in the manner of bpftrace's tools that use
// syscall tracepoints (opensnoop, statsnoop, killsnoop, setuids, counts
// over every system call), limited to the -c command so that their
// output is the same from run to run.
var fusedScripts = map[string]struct {
	script string
	// want are lines the output must have (whatever the form).
	want []string
}{
	"opensnoop": {`tracepoint:syscalls:sys_enter_open, tracepoint:syscalls:sys_enter_openat /pid == cpid/ { @filename[tid] = args.filename; }
tracepoint:syscalls:sys_exit_open, tracepoint:syscalls:sys_exit_openat /@filename[tid]/ {
	$ret = args.ret; $fd = $ret >= 0 ? $ret : -1; $errno = $ret >= 0 ? 0 : - $ret;
	printf("%s %4d %3d %s\n", probe, $fd, $errno, str(@filename[tid])); delete(@filename[tid]);
}`, []string{"tracepoint:syscalls:sys_exit_openat    3   0 /etc/hostname", "tracepoint:syscalls:sys_exit_openat   -1   2 /nonexistent/fused", "tracepoint:syscalls:sys_exit_open    3   0 /etc/passwd"}},
	"statsnoop": {`tracepoint:syscalls:sys_enter_statfs /pid == cpid/ { @fn[tid] = args.pathname; }
tracepoint:syscalls:sys_enter_statx, tracepoint:syscalls:sys_enter_newstat, tracepoint:syscalls:sys_enter_newlstat, tracepoint:syscalls:sys_enter_newfstatat /pid == cpid/ { @fn[tid] = args.filename; }
tracepoint:syscalls:sys_exit_statfs, tracepoint:syscalls:sys_exit_statx, tracepoint:syscalls:sys_exit_newstat, tracepoint:syscalls:sys_exit_newlstat, tracepoint:syscalls:sys_exit_newfstatat /@fn[tid]/ {
	printf("%-40s %3d %s\n", probe, args.ret, str(@fn[tid])); delete(@fn[tid]);
}`, []string{"tracepoint:syscalls:sys_exit_newstat       0 /etc\n", "tracepoint:syscalls:sys_exit_newlstat     -2 /nonexistent/fused\n", "tracepoint:syscalls:sys_exit_statx         0 /\n"}},
	"killsnoop": {`tracepoint:syscalls:sys_enter_kill /pid == cpid/ { @tpid[tid] = args.pid; @tsig[tid] = args.sig; print(args); }
tracepoint:syscalls:sys_exit_kill /@tpid[tid]/ { printf("kill %d %d %d\n", @tpid[tid], @tsig[tid], args.ret); delete(@tpid[tid]); delete(@tsig[tid]); }`,
		[]string{"kill 1 0 0", "kill 999999 0 -3", "{ .__syscall_nr = 62, .pid = 999999, .sig = 0 }"}},
	"setuids": {`tracepoint:syscalls:sys_enter_setuid, tracepoint:syscalls:sys_enter_setfsuid /pid == cpid/ { @uid[tid] = args.uid; }
tracepoint:syscalls:sys_enter_setresuid /pid == cpid/ { @uid[tid] = args.ruid; @suid[tid] = args.suid; }
tracepoint:syscalls:sys_exit_setuid, tracepoint:syscalls:sys_exit_setfsuid, tracepoint:syscalls:sys_exit_setresuid /@uid[tid] || @suid[tid]/ {
	printf("%s uid=%d suid=%d ret=%d\n", probe, (int32)@uid[tid], (int32)@suid[tid], args.ret); delete(@uid[tid]); delete(@suid[tid]);
}
END { clear(@uid); clear(@suid); }`, []string{"tracepoint:syscalls:sys_exit_setresuid uid=-1 suid=-1 ret=0"}},
	// Wildcards (not every system call: detaching hundreds of
	// tracepoints takes the unfused run 15 s or more).
	"wildcards": {`tracepoint:syscalls:sys_enter_get*, tracepoint:syscalls:sys_enter_*stat*, tracepoint:syscalls:sys_enter_*open*, tracepoint:syscalls:sys_enter_kill /pid == cpid/ { @enter[probe] = count(); }
tracepoint:syscalls:sys_exit_*stat*, tracepoint:syscalls:sys_exit_*open*, tracepoint:syscalls:sys_exit_read, tracepoint:syscalls:sys_exit_kill /pid == cpid/ { @exit[probe, args.ret < 0] = count(); }`,
		[]string{"@enter[tracepoint:syscalls:sys_enter_getppid]: 3", "@exit[tracepoint:syscalls:sys_exit_kill, true]: 1", "@exit[tracepoint:syscalls:sys_exit_read, false]: "}},
	// Two probes on one system call run in script order; the second
	// takes a user stack (a helper that needs the real context).
	"order": {`tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("first %d\n", args.__syscall_nr); }
tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("second %d\n", len(ustack) > 0); }`,
		[]string{"first 110\nsecond 1\nfirst 110\nsecond 1\nfirst 110\nsecond 1\n"}},
}

// TestFusedSameOutput runs each script fused and as tracepoints on the
// same workload: the outputs are identical, and -v tells the forms.
func TestFusedSameOutput(t *testing.T) {
	needRoot(t)
	fusedSameOutput(t)
}

// TestGuestFused is TestFusedSameOutput in the kernel matrix's guests
// (5.10, 6.1, 6.12: tail calls from raw tracepoint programs, the records
// of older kernels); TestFusedSameOutput covers the host's kernel.
func TestGuestFused(t *testing.T) {
	needRoot(t)
	if os.Getenv("GOBPFTRACE_GUEST") != "1" {
		t.Skip("runs in make kernels' guests; TestFusedSameOutput covers this kernel")
	}
	fusedSameOutput(t)
}

// fusedSameOutput runs every script of fusedScripts both ways.
func fusedSameOutput(t *testing.T) {
	work := compileC(t, fusedWorkload, "-O1")
	for name, s := range fusedScripts {
		t.Run(name, func(t *testing.T) {
			var outs [2]string
			for i, mode := range []string{"fused", "perf"} {
				r := gbt(t, "-v", "--tracepoints", mode, "-e", s.script, "-c", work)
				expectCode(t, r, 0)
				form := `\d+ fused onto raw_syscalls \(`
				if mode == "perf" {
					form = `\d+ as perf events \(`
				}
				matchAll(t, "stderr", r.stderr, `(?m)^Tracepoints: `+form)
				outs[i] = r.stdout
			}
			if outs[0] != outs[1] {
				t.Errorf("fused output differs from the tracepoints':\n--- fused:\n%s--- tracepoints:\n%s", outs[0], outs[1])
			}
			for _, w := range s.want {
				if !strings.Contains(outs[0], w) {
					t.Errorf("output lacks %q:\n%s", w, outs[0])
				}
			}
		})
	}
}

// TestFusedNothingLeft: the fused programs, their dispatchers and program
// arrays, raw tracepoints and perf events are gone once gobpftrace has
// exited, however tracing ended, and closing them takes no time (but the
// perf event's 50 ms).
func TestFusedNothingLeft(t *testing.T) {
	needRoot(t)
	// Fused syscall probes, raw tracepoints (sched_switch) and a perf
	// event (sched_process_exit reads its record).
	script := `tracepoint:syscalls:sys_enter_* { @[probe] = count(); } tracepoint:syscalls:sys_exit_read { @r = count(); }
tracepoint:sched:sched_switch { @s = count(); } tracepoint:sched:sched_process_exit { @e[args.pid > 0] = count(); }`
	for _, stop := range []string{"exit", "signal", "child"} {
		t.Run(stop, func(t *testing.T) {
			args := []string{"-e", script}
			switch stop {
			case "exit":
				args = []string{"-e", script + ` interval:ms:200 { exit(); }`}
			case "child":
				args = append(args, "-c", "/bin/sleep 0.5")
			}
			var progs []ebpf.ProgramID
			r := runTool(t, invocation{args: args, during: func(p *runningTool) {
				if !p.stderr.waitFor("Attached", p.done, 30*time.Second) {
					return
				}
				progs = programIDs(t, p.cmd.Process.Pid)
				if stop == "signal" {
					p.cmd.Process.Signal(os.Interrupt)
				}
			}})
			expectCode(t, r, 0)
			matchAll(t, "stdout", r.stdout, `(?m)^@\[tracepoint:syscalls:sys_enter_\w+\]: \d+$`)
			// (Not timed in the guests: emulated CPUs are 20 times
			// slower there.)
			if r.elapsed > 5*time.Second && os.Getenv("GOBPFTRACE_GUEST") != "1" {
				t.Errorf("%d fused probes took %v to end", 361, r.elapsed)
			}
			// 362 programs (360 sys_enter_* and sys_exit_read, with
			// the dispatchers), fewer only if the kernel has fewer
			// syscall tracepoints.
			if len(progs) < 100 {
				t.Fatalf("the tracer held %d programs, want hundreds", len(progs))
			}
			expectProgramsGone(t, progs)
		})
	}
}

// expectProgramsGone waits (up to 5 s: the kernel frees them after RCU
// grace periods) for the programs ids to be unloaded.
func expectProgramsGone(t *testing.T, ids []ebpf.ProgramID) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var left []string
	for _, id := range ids {
		for {
			prog, err := ebpf.NewProgramFromID(id)
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			if err == nil {
				prog.Close()
			}
			if time.Now().After(deadline) {
				left = append(left, fmt.Sprint(id))
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(left) > 0 {
		t.Errorf("%d programs still loaded after the tracer exited: %s", len(left), strings.Join(left, " "))
	}
}

// TestFusedUpstreamTools runs bpftrace's tools that trace syscall
// tracepoints (opensnoop, statsnoop, killsnoop, setuids: syscount's
// probes are raw_syscalls ones) fused and as perf events on the same
// workload: their lines about it, from its comm on (the pid and time
// before it differ from run to run), are identical, and not empty.
func TestFusedUpstreamTools(t *testing.T) {
	needRoot(t)
	dir := upstreamToolsDir(t)
	work := filepath.Join(t.TempDir(), "gbtfusedwork")
	if err := os.Rename(compileC(t, fusedWorkload, "-O1"), work); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"opensnoop", "statsnoop", "killsnoop", "setuids"} {
		t.Run(tool, func(t *testing.T) {
			var outs [2]string
			for i, mode := range []string{"fused", "perf"} {
				r, out := gbtSplit(t, "-v", "--tracepoints", mode, filepath.Join(dir, tool+".bt"), "-c", work)
				expectCode(t, r, 0)
				// The forms really differ: every syscall probe fused, or none.
				form := `\d+ fused onto raw_syscalls \(`
				if mode == "perf" {
					form = `\d+ as perf events \(`
				}
				matchAll(t, "stderr", r.stderr, `(?m)^Tracepoints: `+form)
				var lines []string
				for _, line := range strings.Split(out, "\n") {
					if at := strings.Index(line, "gbtfusedwork "); at >= 0 {
						lines = append(lines, line[at:])
					}
				}
				outs[i] = strings.Join(lines, "\n")
			}
			if outs[0] != outs[1] || outs[0] == "" {
				t.Errorf("%s: the workload's lines differ or are missing:\n--- fused:\n%s\n--- perf events:\n%s", tool, outs[0], outs[1])
			}
			t.Logf("%s: %d lines", tool, strings.Count(outs[0], "\n")+1)
		})
	}
}
