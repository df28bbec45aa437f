package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// nofpProgram is a C program built without frame pointers: main calls
// funcA, which calls funcB, funcC and funcD; funcV has a variable-length
// array, so its frame is found through rbp even so. With an argument it
// loops until killed (for -p and --dwarf-pid).
const nofpProgram = `#include <unistd.h>
#include <string.h>
volatile int sink;
__attribute__((noinline)) void funcD(void) { sink = 42; }
__attribute__((noinline)) void funcC(void) { funcD(); sink; }
__attribute__((noinline)) void funcB(void) { funcC(); sink; }
__attribute__((noinline)) void funcA(void) { funcB(); sink; }
__attribute__((noinline)) void funcW(void) { sink = 7; }
__attribute__((noinline)) void funcV(int n) { char buf[n]; memset(buf, sink, n); funcW(); sink = buf[n / 2]; }
int main(int argc, char **argv) {
	do {
		funcA();
		funcA();
		funcV(argc * 1000);
		write(1, "x\n", 2);
		if (argc > 1) usleep(10000);
	} while (argc > 1);
	return 0;
}
`

// dwFrames are the function names of the frames of a printed stack.
func dwFrames(stack string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(stack), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), "+")
		out = append(out, name)
	}
	return out
}

// stackBlocks splits the output into its stacks: blocks of indented
// frame lines between "== NAME ==" headers.
func stackBlocks(t *testing.T, out string) map[string]string {
	t.Helper()
	blocks := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^== (\w+) ==\n((?:[ \t]+\S.*\n|\n)*)`).FindAllStringSubmatch(out, -1) {
		blocks[m[1]] = m[2]
	}
	return blocks
}

// TestGuestDwUstack: in a program built without frame pointers,
// dw_ustack unwinds a uprobe's stack to _start through every caller
// (ustack stops after the first frame or two); it does so through a
// frame whose CFA is rbp-based (a variable-length array), from a
// tracepoint (the task's saved user registers), and the same stack
// recorded twice is one map key. It runs in the kernel matrix's guests
// too: a kernel without bpf_loop (before 5.17) refuses dw_ustack at the
// call, naming the helper.
func TestGuestDwUstack(t *testing.T) {
	needRoot(t)
	bin := compileC(t, nofpProgram, "-O2", "-fomit-frame-pointer", "-fno-inline")
	if !runtime.HaveHelper(asm.FnLoop) {
		r := gbt(t, "-e", `uprobe:`+bin+`:funcD { print(dw_ustack()); }`, "-c", bin)
		expectCode(t, r, exitScript)
		matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:\d+-\d+: ERROR: dw_ustack needs the helper bpf_loop, which this kernel lacks \(Linux 5.17 or later has it\)$`)
		return
	}
	prog := `config = { unstable_dw_ustack = enable }
uprobe:` + bin + `:funcD { printf("== dw ==\n%s\n", dw_ustack()); printf("== fp ==\n%s\n", ustack()); @d[dw_ustack(3)] = count(); }
uprobe:` + bin + `:funcW { printf("== vla ==\n%s\n", dw_ustack()); }
tracepoint:syscalls:sys_enter_write /pid == cpid/ { printf("== tp ==\n%s\n", dw_ustack()); }`
	r, out := gbtSplit(t, "-q", "-e", prog, "-c", bin)
	expectCode(t, r, 0)
	if strings.Contains(r.stderr, "WARNING") {
		t.Errorf("warnings:\n%s", r.stderr)
	}
	blocks := stackBlocks(t, out)
	main := []string{"main", "__libc_start_call_main", "__libc_start_main", "_start"}
	for _, c := range []struct {
		block string
		want  []string
	}{
		{"dw", append([]string{"funcD", "funcC", "funcB", "funcA"}, main...)},
		{"vla", append([]string{"funcW", "funcV"}, main...)},
		{"tp", append([]string{"write"}, main...)},
	} {
		got := dwFrames(blocks[c.block])
		// libc's start-up functions are named differently across
		// versions: the program's frames must be exact, then _start.
		if len(got) < 5 || strings.Join(got[:len(c.want)-3], " ") != strings.Join(c.want[:len(c.want)-3], " ") || got[len(got)-1] != "_start" {
			t.Errorf("%s stack %q, want %q\n%s", c.block, got, c.want, out)
		}
	}
	if fp := dwFrames(blocks["fp"]); len(fp) >= 5 {
		t.Errorf("the frame-pointer stack has %d frames (%q): the program has frame pointers, the test shows nothing", len(fp), fp)
	}
	if !regexp.MustCompile(`(?m)^@d\[\n\s+funcD\+0\n\s+funcC\+\d+\n\s+funcB\+\d+\n\]: 2$`).MatchString(out) {
		t.Errorf("dw_ustack(3) as a key: want one key counted twice:\n%s", out)
	}
}

// TestDwUstackTargets (in the guests too): with -p the process's tables are loaded; with
// --dwarf-pid naming another process, the traced one has none, which is
// warned about (bpftrace HEAD's message) and answered with the
// frame-pointer stack; without any target process dw_ustack is refused
// at its position.
func TestDwUstackTargets(t *testing.T) {
	needRoot(t)
	if !runtime.HaveHelper(asm.FnLoop) {
		t.Skip("no bpf_loop: dw_ustack is refused (TestGuestDwUstack checks the error)")
	}
	bin := compileC(t, nofpProgram, "-O2", "-fomit-frame-pointer", "-fno-inline")
	var pids []string
	for range 2 {
		cmd := exec.Command(bin, "loop")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		pids = append(pids, strconv.Itoa(cmd.Process.Pid))
	}
	time.Sleep(50 * time.Millisecond) // past the dynamic loader
	prog := `config = { unstable_dw_ustack = enable } uprobe:` + bin + `:funcD /pid == ` + pids[0] + `/ { printf("== dw ==\n%s\n", dw_ustack()); exit(); }`
	r := gbt(t, "-q", "-p", pids[0], "-e", prog)
	expectCode(t, r, 0)
	if got := dwFrames(stackBlocks(t, r.stdout)["dw"]); len(got) < 5 || strings.Join(got[:5], " ") != "funcD funcC funcB funcA main" {
		t.Errorf("-p: stack %q\n%s", got, r)
	}

	r = gbt(t, "-q", "--dwarf-pid", pids[1], "-e", prog)
	expectCode(t, r, 0)
	matchAll(t, "stderr", r.stderr, `WARNING: No DWARF unwind data available for this process. Use -p or --dwarf-pid to specify target PIDs.`)
	if got := dwFrames(stackBlocks(t, r.stdout)["dw"]); len(got) == 0 || got[0] != "funcD" {
		t.Errorf("--dwarf-pid of another process: stack %q, want the frame-pointer stack from funcD\n%s", got, r)
	}

	r = gbt(t, "-e", prog)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:\d+-\d+: ERROR: dw_ustack requires a target process. Use -p, -c, or --dwarf-pid to specify one.$`)
}
