package runtime

import (
	"debug/dwarf"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestUserFuncProto reads a function's parameters from the DWARF of a
// program built with -g: their names, C spellings as bpftrace lists them,
// and types (a struct that points to itself included); a function the
// DWARF lacks, and a file without DWARF, are errors.
func TestUserFuncProto(t *testing.T) {
	cc := lookCC(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	os.WriteFile(src, []byte(`struct Node { struct Node *next; int v; char name[8]; unsigned flag : 3; };
int fn(int *n, char c, struct Node *node, const char *str, unsigned long u, struct Node byval) { return *n + c + node->v + str[0] + (int)u + byval.v; }
int main(void) { return 0; }
`), 0o644)
	bin := filepath.Join(dir, "p")
	if out, err := exec.Command(cc, "-g", "-O0", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	h := &Host{}
	proto, err := h.UserFuncProto(bin, "fn")
	if err != nil {
		t.Fatal(err)
	}
	var decls []string
	for _, p := range proto.Params {
		decls = append(decls, p.Decl+" "+p.Name)
	}
	if got, want := strings.Join(decls, ", "), "int* n, char c, struct Node* node, const char* str, long unsigned int u, struct Node byval"; got != want {
		t.Errorf("params %q, want %q", got, want)
	}
	node, ok := proto.Params[2].Type.(*types.Pointer).Elem.(*types.Struct)
	if !ok || node.Name != "Node" || node.Bytes != 24 || len(node.Fields) != 4 {
		t.Fatalf("struct Node: %+v", proto.Params[2].Type.(*types.Pointer).Elem)
	}
	if next := node.Fields[0].Type.(*types.Pointer); next.Elem != node || next.Space != types.User {
		t.Errorf("next: %+v, want a user pointer to the struct itself", next)
	}
	if f := node.Fields[2]; f.Offset != 12 || f.Type.String() != "int8[8]" {
		t.Errorf("name: %+v", f)
	}
	if f := node.Fields[3]; f.BitSize != 3 || f.Offset+f.BitOffset/8 != 20 {
		t.Errorf("flag: %+v", f)
	}
	if got := proto.Params[4].Type.String(); got != "uint64" {
		t.Errorf("u: %s", got)
	}
	if _, err := h.UserFuncProto(bin, "nosuch"); err == nil || !strings.Contains(err.Error(), "no DWARF debug info for function nosuch") {
		t.Errorf("missing function: %v", err)
	}
	stripped := filepath.Join(dir, "s")
	if out, err := exec.Command(cc, "-o", stripped, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	if _, err := h.UserFuncProto(stripped, "fn"); err == nil || !strings.Contains(err.Error(), "no DWARF debug info") {
		t.Errorf("no DWARF: %v", err)
	}
}

// TestSourceFrames maps addresses of a program built with -g -O2 to
// source lines: inside a function inlined into another, the inlined
// function first (its line), then the caller at the call site; inside a
// plain function, its line alone; outside the DWARF, nothing.
func TestSourceFrames(t *testing.T) {
	cc := lookCC(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "inl.c")
	os.WriteFile(src, []byte(`static inline __attribute__((always_inline)) int inner(int x) {
	return x * 3 + 1;
}
int __attribute__((noinline)) outer(int x) {
	int y = inner(x);
	return y * y;
}
int main(int argc, char **argv) { return outer(argc); }
`), 0o644)
	bin := filepath.Join(dir, "inl")
	if out, err := exec.Command(cc, "-g", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	f, err := openDWARF(bin)
	if err != nil {
		t.Fatal(err)
	}
	// The inlined call's first address, from the DWARF itself.
	var inl uint64
	r := f.data.Reader()
	for e, _ := r.Next(); e != nil; e, _ = r.Next() {
		if e.Tag == dwarf.TagInlinedSubroutine {
			if ranges, err := f.data.Ranges(e); err == nil && len(ranges) > 0 {
				inl = ranges[0][0]
				break
			}
		}
	}
	if inl == 0 {
		t.Fatal("no inlined subroutine in the program's DWARF")
	}
	frames := f.source(inl)
	if len(frames) != 2 || frames[0].Func != "inner" || !frames[0].Inlined || frames[0].Line != src+":2" ||
		frames[1].Inlined || frames[1].Line != src+":5" {
		t.Errorf("inlined address: %+v, want inner at %s:2 inlined in the caller at %s:5", frames, src, src)
	}
	mainAddr := uint64(0)
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	syms, _ := ef.Symbols()
	for _, s := range syms {
		if s.Name == "main" {
			mainAddr = s.Value
		}
	}
	if frames := f.source(mainAddr); len(frames) != 1 || frames[0].Line != src+":8" {
		t.Errorf("main: %+v, want %s:8", frames, src)
	}
	if frames := f.source(1); frames != nil {
		t.Errorf("address 1: %+v", frames)
	}
}

// lookCC returns the C compiler; without one the test is skipped, or
// fails under CI=true (.ci/run installs it). In the kernel matrix's guests,
// which have none, the tests that build C programs are skipped: they read
// files, which does not depend on the kernel.
func lookCC(t *testing.T) string {
	t.Helper()
	if os.Getenv("GOBPFTRACE_GUEST") == "1" {
		t.Skip("reading DWARF does not depend on the kernel (and the guests have no C compiler): tested on the host")
	}
	cc, err := exec.LookPath("gcc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs gcc (.ci/run installs it); CI=true forbids skipping")
		}
		t.Skip("needs gcc")
	}
	return cc
}
