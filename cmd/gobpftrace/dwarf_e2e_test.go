package main

import (
	"os"
	"os/exec"
	"path/filepath"
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

// lineProg is the program of the source location tests: f's body starts
// at line 3.
const lineProg = `#include <unistd.h>
int __attribute__((noinline)) f(int n)
{
	return n + 1;
}
int main(void) { volatile int r = 0; for (int i = 0; i < 3; i++) r += f(i); return r == 0; }
`

// TestUprobeSourceLocation attaches a uprobe to a source line
// (uprobe:BIN@FILE:LINE, bpftrace's syntax): the line of f's opening
// brace is f's first instruction, so both probes see the same pc; the
// probe is named by its address, as bpftrace names it.
func TestUprobeSourceLocation(t *testing.T) {
	needRoot(t)
	cc := needTool(t, "gcc")
	src := tempFile(t, "line.c", lineProg)
	bin := compileProgram(t, cc, src, "-g", "-O0")
	prog := `uprobe:` + bin + `@line.c:3 { @a = reg("pc"); @p[probe] = 1; }
uprobe:` + bin + `:f { if (@a != 0) { printf("same pc: %d\n", @a == reg("pc")); exit(); } }`
	r := gbt(t, "-q", "-e", prog, "-c", bin)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^same pc: 1$`, `^@p\[uprobe:`+regexp.QuoteMeta(bin)+`:\d+\]: 1$`)
	r = gbt(t, "-e", `uprobe:`+bin+`@line.c:1 { }`)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `ERROR: DWARF error: Unable to map 'line.c:1' to address$`)
}

// TestDebugInfoOption reads the DWARF of a stripped program from its
// separate debug file in a --debuginfo directory (relative to the
// program's), for -lv, args and source locations; without the option
// the program has no DWARF.
func TestDebugInfoOption(t *testing.T) {
	needRoot(t)
	cc := needTool(t, "gcc")
	objcopy := needTool(t, "objcopy")
	src := tempFile(t, "line.c", lineProg)
	bin := compileProgram(t, cc, src, "-g", "-O0")
	dir := filepath.Dir(bin)
	if err := os.Mkdir(filepath.Join(dir, "dbg"), 0o755); err != nil {
		t.Fatal(err)
	}
	stripped := filepath.Join(dir, "stripped")
	for _, args := range [][]string{
		{"--only-keep-debug", bin, filepath.Join(dir, "dbg", "stripped.debug")},
		{"--strip-debug", bin, stripped},
	} {
		if out, err := exec.Command(objcopy, args...).CombinedOutput(); err != nil {
			t.Fatalf("objcopy: %v\n%s", err, out)
		}
	}
	r := gbt(t, "-lv", "uprobe:"+stripped+":f", "--debuginfo=./dbg")
	expectRun(t, r, 0, "uprobe:"+stripped+":f\n    int n\n", "")
	r = gbt(t, "-lv", "uprobe:"+stripped+":f")
	expectRun(t, r, 0, "uprobe:"+stripped+":f\n", "")
	prog := `uprobe:` + stripped + `:f { printf("n=%d\n", args.n); }
uprobe:` + stripped + `@line.c:3 { printf("line 3\n"); }`
	r = gbt(t, "-q", "--debuginfo", "nope:dbg", "-e", prog, "-c", stripped)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^n=0$`, `^line 3$`)
}

// TestUprobeArgsDeclaredStruct follows an argument pointing to a struct
// its function's compilation unit only declares: the definition comes
// from another unit of the program's DWARF; a cast names it as well.
func TestUprobeArgsDeclaredStruct(t *testing.T) {
	needRoot(t)
	cc := needTool(t, "gcc")
	use := tempFile(t, "use.c", "struct Opaque;\nint __attribute__((noinline)) use(struct Opaque *o) { return o != 0; }\n")
	def := tempFile(t, "def.c", `struct Opaque { long pad; int x; };
int use(struct Opaque *o);
int main(void) { struct Opaque o = {1, 42}; return use(&o) - 1; }
`)
	bin := compileProgram(t, cc, use, "-g", "-O0", def)
	r := gbt(t, "-q", "-e", `uprobe:`+bin+`:use { printf("x=%d %d\n", args.o->x, ((struct Opaque *)arg0)->x); exit(); }`, "-c", bin)
	expectRun(t, r, 0, "x=42 42\n\n\n", "")
}
