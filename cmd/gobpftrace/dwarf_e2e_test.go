package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestUprobeArgsDWARF reads a C program's function arguments by name in
// uprobes, typed from its DWARF: scalars, pointers followed to integers
// and struct members (strings, arrays), `args->` and args as a whole value
// printed, stored in maps and compared, as bpftrace's dwarf tests do; its
// stack frames print their source lines.
func TestUprobeArgsDWARF(t *testing.T) {
	needRoot(t)
	cc := needTool(t, "gcc")
	src := tempFile(t, "args.c", `#include <unistd.h>
struct Foo { int a; char b[10]; int c[3]; };
int __attribute__((noinline)) f1(int *n, char c) { return *n + c; }
int __attribute__((noinline)) f2(struct Foo *foo1, struct Foo *foo2) { return foo1->a + foo2->c[1]; }
int main(void) { int n = 13; struct Foo foo = {123, "hello", {1, 2, 3}}; volatile int r = f1(&n, 'x') + f2(&foo, &foo); sleep(5); return r == 0; }
`)
	bin := compileProgram(t, cc, src, "-g", "-O0")
	prog := `uprobe:` + bin + `:f1 { printf("c=%c n=%d %d\n", args.c, *args.n, args->c); print(args.c == 120); @a = args; @k[args] = 1; }
uprobe:` + bin + `:f2 { printf("a=%d b=%s c1=%d\n", args.foo1.a, args.foo1.b, args.foo2->c[1]); print(args.foo1.c); print(ustack(2)); exit(); }`
	r := gbt(t, "-q", "-e", prog, "-c", bin)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`^c=x n=13 120$`, `^true$`, `^a=123 b=hello c1=2$`, `^\[1,2,3\]$`,
		`^@a: \{ \.n = 0x[0-9a-f]+, \.c = 120 \}$`, `^@k\[\{ \.n = 0x[0-9a-f]+, \.c = 120 \}\]: 1$`,
		// Stack frames show their source lines (show_debug_info).
		`^        f2\+0@`+regexp.QuoteMeta(src)+`:4\n        main\+\d+@`+regexp.QuoteMeta(src)+`:5$`)
	// The parameters are listed with -lv.
	r = gbt(t, "-lv", "uprobe:"+bin+":f2")
	expectRun(t, r, 0, "uprobe:"+bin+":f2\n    struct Foo* foo1\n    struct Foo* foo2\n", "")
}

// TestUprobeWildcardTargetPid: with -p, a uprobe target with wildcards
// is searched among the process's binaries (its program and libraries),
// for listing and for tracing; without, "*" searches every process's.
func TestUprobeWildcardTargetPid(t *testing.T) {
	needRoot(t)
	cc := needTool(t, "gcc")
	src := tempFile(t, "loop.c", `#include <unistd.h>
int __attribute__((noinline)) tick(int n) { return n + 1; }
int main(void) { for (int i = 0;; i++) { tick(i); usleep(10000); } }
`)
	bin := compileProgram(t, cc, src, "-g", "-O0")
	proc := exec.Command(bin)
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
	pid := strconv.Itoa(proc.Process.Pid)
	r := gbt(t, "-l", "-p", pid, "-e", `uprobe:*:tick { }`)
	expectRun(t, r, 0, "uprobe:"+bin+":tick\n", "")
	r = gbt(t, "-q", "-p", pid, "-e", `uprobe:*:tick { printf("%s %d\n", probe, args.n >= 0); exit(); }`)
	expectRun(t, r, 0, "uprobe:"+bin+":tick 1\n\n\n", "")
	// Without -p, "*" is the files of every running process (as in
	// bpftrace), the test program's among them.
	r = gbt(t, "-q", "-e", `uprobe:*:tick /pid == `+pid+`/ { printf("%s\n", probe); exit(); }`)
	expectRun(t, r, 0, "uprobe:"+bin+":tick\n\n\n", "")
}
