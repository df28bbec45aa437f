package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// foldedProgram has frame pointers (built -O0 -fno-omit-frame-pointer):
// main calls funcA twice, which calls funcB, which spins argv[1] times
// (-1: for ever, for the profile test; none without an argument), then
// done, then sleeps, so that the process's symbols can be read when the
// maps are printed (the tests end tracing with exit(), and the
// tracer's end ends the child).
const foldedProgram = `#include <stdlib.h>
#include <unistd.h>
volatile unsigned long sink;
__attribute__((noinline)) void funcB(long n) { for (long i = 0; i != n; i++) sink += i; }
__attribute__((noinline)) void funcA(long n) { funcB(n); sink++; }
__attribute__((noinline)) void done(void) { sink = 0; }
int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 0;
	funcA(n);
	funcA(n);
	done();
	sleep(10);
	return 0;
}
`

// foldedLine is a line of Brendan Gregg's folded format as flamegraph.pl
// reads it: frames (which may hold spaces, never at the ends), a space,
// a count.
var foldedLine = regexp.MustCompile(`^[^ ]+( [^ ]+)* \d+$`)

// foldedLines splits the map dump of a folded map into its lines (the
// blank lines of the exit preamble dropped), each checked against
// foldedLine, and returns the counts by frames.
func foldedLines(t *testing.T, out string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			continue
		}
		if !foldedLine.MatchString(l) {
			t.Errorf("line %q is not a folded line", l)
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		n, _ := strconv.Atoi(l[i+1:])
		counts[l[:i]] += n
	}
	return counts
}

// TestFoldedProfile: a CPU profile of a program with frame pointers in
// folded mode, as a flame graph is made: @[comm, ustack(folded)] prints
// one line per stack, "prog;…;main;funcA;funcB N", without the map's
// name, and nearly every sample lands on that line.
func TestFoldedProfile(t *testing.T) {
	needRoot(t)
	bin := compileC(t, foldedProgram, "-O0", "-fno-omit-frame-pointer")
	r, out := gbtSplit(t, "-e", `profile:hz:997 /pid == cpid/ { @[comm, ustack(folded)] = count(); } interval:ms:700 { exit(); }`, "-c", bin+" -1")
	expectCode(t, r, 0)
	if strings.Contains(out, "@") {
		t.Errorf("the map dump names the map:\n%s", out)
	}
	want := regexp.MustCompile(`^prog;(\S+;)*main;funcA;funcB$`)
	total, hits := 0, 0
	for frames, n := range foldedLines(t, out) {
		total += n
		if want.MatchString(frames) {
			hits += n
		}
	}
	if total < 20 || hits*10 < total*8 {
		t.Errorf("%d of %d samples in prog;…;main;funcA;funcB:\n%s", hits, total, out)
	}
}

// TestFoldedUprobe: exact folded lines from a uprobe. dw_ustack(folded)
// unwinds from the entry of funcB through every caller to _start, and
// both calls of funcB make one line; kstack(folded) of a uprobe has no
// frames and leaves the line as comm alone; a folded stack prints as one
// line in printf; JSON keys the map by the folded line.
func TestFoldedUprobe(t *testing.T) {
	needRoot(t)
	if !runtime.HaveHelper(asm.FnLoop) {
		t.Skip("no bpf_loop: dw_ustack is refused (TestGuestDwUstack checks the error)")
	}
	bin := compileC(t, foldedProgram, "-O0", "-fno-omit-frame-pointer")
	prog := `config = { unstable_dw_ustack = enable }
uprobe:` + bin + `:funcB { @[comm, dw_ustack(folded)] = count(); @k[comm, kstack(folded)] = count(); printf("<%s>\n", dw_ustack(folded, 3)); }
uprobe:` + bin + `:done { exit(); }`
	r, out := gbtSplit(t, "-q", "-e", prog, "-c", bin)
	expectCode(t, r, 0)
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 4 {
		t.Fatalf("want two printf lines and two map lines:\n%s", out)
	}
	for _, l := range lines[:2] {
		if l != "<main;funcA;funcB>" {
			t.Errorf("printf line %q, want <main;funcA;funcB>", l)
		}
	}
	if !regexp.MustCompile(`^prog;_start;(\S+;)*main;funcA;funcB 2$`).MatchString(lines[2]) || !foldedLine.MatchString(lines[2]) {
		t.Errorf("dw_ustack line %q, want prog;_start;…;main;funcA;funcB 2", lines[2])
	}
	if lines[3] != "prog 2" {
		t.Errorf("kstack line %q, want \"prog 2\"", lines[3])
	}

	r = gbt(t, "-q", "-f", "json", "-e", strings.Replace(prog, `printf("<%s>\n", dw_ustack(folded, 3));`, "", 1), "-c", bin)
	expectCode(t, r, 0)
	maps := map[string]map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var msg struct {
			Type string
			Data json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &msg); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if msg.Type == "map" {
			if err := json.Unmarshal(msg.Data, &maps); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
		}
	}
	if m := maps["@"]; len(m) != 1 {
		t.Errorf("JSON map @ %v: want one key\n%s", m, r.stdout)
	}
	for k, n := range maps["@"] {
		if !strings.HasPrefix(k, "prog;_start;") || !strings.HasSuffix(k, ";main;funcA;funcB") || n != 2 {
			t.Errorf("JSON entry %q: %d", k, n)
		}
	}
	if n, ok := maps["@k"]["prog"]; !ok || n != 2 {
		t.Errorf("JSON map @k %v: want {\"prog\": 2}", maps["@k"])
	}
}

// TestFoldedStackModeConfig: stack_mode = folded in the config block or
// BPFTRACE_STACK_MODE=folded styles a ustack written without a mode, in
// printf and as a map key (the dump is then folded lines).
func TestFoldedStackModeConfig(t *testing.T) {
	needRoot(t)
	t.Parallel()
	bin := compileC(t, foldedProgram, "-O0", "-fno-omit-frame-pointer")
	// At funcB's entry, funcA has not built its frame yet: Linux 6.11+
	// finds it at the top of the stack, older kernels skip it.
	prog := `uprobe:` + bin + `:funcB { printf("<%s>\n", ustack(3)); @[comm, ustack] = count(); exit(); }`
	for _, inv := range []invocation{
		{args: []string{"-q", "-e", "config = { stack_mode = folded } " + prog, "-c", bin}},
		{args: []string{"-q", "-e", prog, "-c", bin}, env: []string{"BPFTRACE_STACK_MODE=folded"}},
	} {
		r := runTool(t, inv)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `(?m)^<(\S+;)?main;(funcA;)?funcB>$`, `(?m)^prog;(\S+;)*main;(funcA;)?funcB [12]$`)
	}
}
