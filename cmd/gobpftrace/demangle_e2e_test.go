package main

import "testing"

// TestCppDemangle probes a C++ program by its mangled function name: the
// function prints demangled in usym() and ustack, as with bpftrace's
// default cpp_demangle = true, and as the binary names it with
// cpp_demangle = false. (The program waits after the call, so that its
// mappings can be read when the stack is printed.)
func TestCppDemangle(t *testing.T) {
	needRoot(t)
	cxx := needTool(t, "g++")
	src := tempFile(t, "demangle.cc", `namespace geo { struct Shape { int sides; int area(int scale); }; }
int __attribute__((noinline)) geo::Shape::area(int scale) { return sides * scale; }
#include <unistd.h>
int main() { geo::Shape s{3}; volatile int r = s.area(2); sleep(5); return r == 6 ? 0 : 1; }
`)
	bin := compileProgram(t, cxx, src, "-O1")
	prog := `uprobe:` + bin + `:_ZN3geo5Shape4areaEi { printf("%s|%s", usym(reg("ip")), ustack(1)); exit(); }`
	r := gbt(t, "-q", "-e", prog, "-c", bin)
	expectRun(t, r, 0, "geo::Shape::area|\n        geo::Shape::area+0\n\n\n", "")
	r = gbt(t, "-q", "-e", `config = { cpp_demangle = false } `+prog, "-c", bin)
	expectRun(t, r, 0, "_ZN3geo5Shape4areaEi|\n        _ZN3geo5Shape4areaEi+0\n\n\n", "")
}
