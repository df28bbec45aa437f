package main

import (
	"debug/elf"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// watchedProgram writes, reads and executes at known places: the 8-byte
// word at 0x10000000 is written 5 times, then one byte inside it, then
// twice by a second thread (8 writes, 2 of them by the thread) and read
// twice; the word at 0x10000008 is written once and read once; target()
// runs 3 times. The words after them are written but not watched.
const watchedProgram = `#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#define AREA ((void *)0x10000000)
static void *thread(void *arg) {
	volatile uint64_t *w = AREA;
	w[0] = 100;
	w[0] = 101;
	return arg;
}
__attribute__((noinline)) void target(void) { __asm__ volatile(""); }
int main(void) {
	volatile uint64_t *w = mmap(AREA, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (w != AREA) { perror("mmap"); return 1; }
	for (int i = 0; i < 5; i++) w[0] = i;
	((volatile uint8_t *)w)[3] = 7;
	w[1] = 1;
	w[2] = 2; w[3] = 3;
	uint64_t r = w[0] + w[0] + w[1];
	pthread_t t;
	pthread_create(&t, 0, thread, 0);
	pthread_join(t, 0);
	for (int i = 0; i < 3; i++) target();
	return (int)(r & 0);
}
`

// needBreakpoints skips t when the tool reports that hardware breakpoints
// do not work on this machine (Firecracker does not pass the debug
// registers through: breakpoint events open but never fire), except in
// the kernel matrix's guests, which have them (QEMU emulates the debug
// registers).
func needBreakpoints(t *testing.T, r toolResult) {
	t.Helper()
	if !strings.Contains(r.stderr, "hardware breakpoints are not available") {
		return
	}
	if os.Getenv("GOBPFTRACE_GUEST") == "1" {
		t.Fatalf("hardware breakpoints do not work in this guest:\n%v", r)
	}
	t.Skipf("hardware breakpoints do not work on this machine; the test runs in make kernels' guests:\n%s", r.stderr)
}

// TestGuestWatchpointCountsAccesses: watchpoints on fixed addresses of a
// -c child count exactly its accesses: writes (mode w, including a
// thread created after attaching and a one-byte write inside the word),
// reads and writes (rw), and executions of a function (x). The rw
// count is the main thread's: in the 6.12 guest, a thread created after
// attaching (which inherits the events) also reports the rw breakpoint
// on word 1 whenever its writes to word 0 hit the w breakpoint (seen with
// reg("ip"): the same instruction reported by both), a fault of that
// kernel's inherited breakpoints (5.10 and 6.1 count 2 in one QEMU).
func TestGuestWatchpointCountsAccesses(t *testing.T) {
	needRoot(t)
	bin := compileC(t, watchedProgram, "-O1", "-no-pie", "-pthread")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var target uint64
	for _, s := range syms {
		if s.Name == "target" {
			target = s.Value
		}
	}
	if target == 0 {
		t.Fatal("no symbol target in the test program")
	}
	script := fmt.Sprintf(`watchpoint:0x10000000:8:w { @w = count(); if (tid != pid) { @w_thread = count(); } }
watchpoint:0x10000008:8:rw /tid == pid/ { @rw = count(); }
watchpoint:0x%x:1:x { @x = count(); }`, target)
	r, out := gbtSplit(t, "-e", script, "-c", bin)
	needBreakpoints(t, r)
	expectCode(t, r, 0)
	for _, want := range []string{"@w: 8", "@w_thread: 2", "@rw: 2", "@x: 3"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(out) {
			t.Errorf("want %q in the output:\n%s\n%v", want, out, r)
		}
	}
}

// TestWatchpointErrors: bad watchpoint specs are one positioned error
// with bpftrace's wording, before anything is loaded.
func TestWatchpointErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"watchpoint:0x10000000:3:w", "stdin:1:1-26: ERROR: watchpoint length must be one of (1,2,4,8)"},
		{"watchpoint:0:8:w", "stdin:1:1-17: ERROR: watchpoint must be attached to a non-zero address"},
		{"watchpoint:0x10000000:8:r", "ERROR: invalid watchpoint mode: r\n"},
	} {
		r := gbt(t, "-e", c.spec+" { @ = count(); }")
		expectCode(t, r, 1)
		if !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "ERROR") != 1 {
			t.Errorf("%s: want one error %q:\n%s", c.spec, c.want, r.stderr)
		}
	}
}

// unwatchedProgram writes the watched word once, pauses long enough for
// the tracer to act on the unwatch() that write caused, then writes it 4
// more times.
const unwatchedProgram = `#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
	volatile uint64_t *w = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (w != (void *)0x10000000) { perror("mmap"); return 1; }
	w[0] = 1;
	sleep(2);
	for (int i = 0; i < 4; i++) w[0] = i;
	return 0;
}
`

// TestGuestWatchpointUnwatch: unwatch() in the watchpoint's own probe
// removes it: of the child's 5 writes only the first is counted.
func TestGuestWatchpointUnwatch(t *testing.T) {
	needRoot(t)
	bin := compileC(t, unwatchedProgram, "-O1")
	r, out := gbtSplit(t, "-e", `watchpoint:0x10000000:8:w { @w = count(); unwatch(0x10000000); }`, "-c", bin)
	needBreakpoints(t, r)
	expectCode(t, r, 0)
	if !regexp.MustCompile(`(?m)^@w: 1$`).MatchString(out) {
		t.Errorf("want @w: 1 (the writes after unwatch() not counted):\n%s\n%v", out, r)
	}
}
