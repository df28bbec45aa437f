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
	f, err := openDWARF(bin, nil, true)
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

// pairProg is the C program of the DWARF tests: a struct, a typedef of
// it, and fn, whose body starts at line 4.
const pairProg = `struct Pair { int a; long b; };
typedef struct Pair pair_t;
int __attribute__((noinline)) fn(pair_t *p, int n)
{
	return p->a + n;
}
int main(void) { pair_t p = {1, 2}; return fn(&p, 3); }
`

// buildC writes the C sources (file name to text) into dir and compiles
// them there with cc and flags into dir/out, whose path it returns.
func buildC(t *testing.T, cc, dir, out string, srcs map[string]string, flags ...string) string {
	t.Helper()
	args := append(append([]string{}, flags...), "-o", out)
	for name, text := range srcs {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	cmd := exec.Command(cc, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, b)
	}
	return filepath.Join(dir, out)
}

// symbolAddr is the value of symbol name of the ELF file at path.
func symbolAddr(t *testing.T, path, name string) uint64 {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	syms, _ := ef.Symbols()
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("no symbol %s in %s", name, path)
	return 0
}

// paramDecls spells the parameters of fn of the ELF file at path, read
// with the debug file search path search.
func paramDecls(path string, search []string, fn string) (string, error) {
	h := NewHost(&HostOptions{DebugPaths: search})
	proto, err := h.UserFuncProto(path, fn)
	if err != nil {
		return "", err
	}
	var decls []string
	for _, p := range proto.Params {
		decls = append(decls, p.Decl+" "+p.Name)
	}
	return strings.Join(decls, ", "), nil
}

// TestUserTypeAndSourceLine reads a program's own types by name (a
// struct, a typedef of it) and maps a source line to the address of its
// code as bpftrace does: the file by a tail of its path, the first
// statement of the line; unknown files, lines without code and
// ambiguous file names are errors with bpftrace's wording.
func TestUserTypeAndSourceLine(t *testing.T) {
	cc := lookCC(t)
	dir := t.TempDir()
	bin := buildC(t, cc, dir, "p", map[string]string{"p.c": pairProg}, "-g", "-O0")
	f, err := openDWARF(bin, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"struct Pair", "pair_t"} {
		typ, err := f.userType(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s, ok := typ.(*types.Struct); !ok || s.Name != "Pair" || s.Bytes != 16 || len(s.Fields) != 2 || s.Fields[1].Offset != 8 {
			t.Errorf("%s: %+v", name, typ)
		}
	}
	if _, err := f.userType("struct Nope"); err == nil || !strings.Contains(err.Error(), "struct Nope not found") {
		t.Errorf("struct Nope: %v", err)
	}
	fn := symbolAddr(t, bin, "fn")
	for _, file := range []string{"p.c", filepath.Join(dir, "p.c"), "./p.c"} {
		if addr, err := f.lineAddr(file, 4, 0); err != nil || addr != fn {
			t.Errorf("%s:4 is %#x, %v; want fn's address %#x", file, addr, err, fn)
		}
	}
	for _, c := range []struct {
		file      string
		line, col int
		err       string
	}{
		{"q.c", 4, 0, "No compilation unit matches q.c"},
		{"x/p.c", 4, 0, "No compilation unit matches x/p.c"},
		{"p.c", 1, 0, "Unable to map 'p.c:1' to address"},
		{"p.c", 4, 99, "Unable to map 'p.c:4:99' to address"},
	} {
		if _, err := f.lineAddr(c.file, c.line, c.col); err == nil || err.Error() != c.err {
			t.Errorf("%s:%d:%d: %v, want %q", c.file, c.line, c.col, err, c.err)
		}
	}
	// Two files of the same name in different directories.
	two := buildC(t, cc, dir, "two", map[string]string{
		"a/u.c": "int fa(int x)\n{\n\treturn x + 1;\n}\n",
		"b/u.c": "int fa(int);\nint main(void)\n{\n\treturn fa(1);\n}\n",
	}, "-g", "-O0")
	f, err = openDWARF(two, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.lineAddr("u.c", 2, 0); err == nil || !strings.HasPrefix(err.Error(), "Ambiguous source path, matches multiple files: ") {
		t.Errorf("u.c: %v", err)
	}
	if addr, err := f.lineAddr("a/u.c", 2, 0); err != nil || addr != symbolAddr(t, two, "fa") {
		t.Errorf("a/u.c:2 is %#x, %v; want fa's address", addr, err)
	}
}

// TestPathEndsWith compares paths by whole elements from the end.
func TestPathEndsWith(t *testing.T) {
	for _, c := range []struct {
		path, pattern string
		want          bool
	}{
		{"/a/b/c.c", "c.c", true}, {"/a/b/c.c", "b/c.c", true}, {"/a/b/c.c", "/a/b/c.c", true},
		{"/a/b/c.c", "./c.c", true}, {"/a/bc.c", "c.c", false}, {"/a/b/c.c", "a/c.c", false},
		{"c.c", "/x/c.c", false}, {"/a/b/c.c", "", false}, {"/a/b/../d/c.c", "d/c.c", true},
	} {
		if got := pathEndsWith(c.path, c.pattern); got != c.want {
			t.Errorf("pathEndsWith(%q, %q) = %v", c.path, c.pattern, got)
		}
	}
}

// lookTool returns the path of a program the tests run; without it the
// test is skipped, or fails under CI=true.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("needs %s; CI=true forbids skipping", name)
		}
		t.Skipf("needs %s", name)
	}
	return path
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
