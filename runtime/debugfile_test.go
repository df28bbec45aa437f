package runtime

import (
	"debug/elf"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/host"
)

// stripDebug splits the program at bin with objcopy into a copy without
// DWARF (returned) and its debug file at debug; extra are more objcopy
// options for the stripped copy (--add-gnu-debuglink=…).
func stripDebug(t *testing.T, bin, debug string, extra ...string) string {
	t.Helper()
	objcopy := lookTool(t, "objcopy")
	if err := os.MkdirAll(filepath.Dir(debug), 0o755); err != nil {
		t.Fatal(err)
	}
	stripped := bin + "-stripped"
	for _, args := range [][]string{
		{"--only-keep-debug", bin, debug},
		append(append([]string{"--strip-debug"}, extra...), bin, stripped),
	} {
		if out, err := exec.Command(objcopy, args...).CombinedOutput(); err != nil {
			t.Fatalf("objcopy %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return stripped
}

// moveFile renames from to to, making to's directory.
func moveFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// TestSeparateDebugFile finds the DWARF of stripped programs in separate
// debug files as elfutils' standard search does: by name in a directory
// of the search path (relative to the program's directory, or holding its
// path when absolute), by build id under DIR/.build-id, and by
// .gnu_debuglink in the standard .debug subdirectory; a file of another
// build, or whose CRC differs from the link's, is not taken.
func TestSeparateDebugFile(t *testing.T) {
	cc := lookCC(t)
	const want = "pair_t* p, int n"
	dir := t.TempDir()
	bin := buildC(t, cc, dir, "p", map[string]string{"p.c": pairProg}, "-g", "-O0")
	debug := filepath.Join(dir, "p-stripped.debug.tmp")
	stripped := stripDebug(t, bin, debug)
	if _, err := paramDecls(stripped, nil, "fn"); !errors.Is(err, host.ErrNoDebugInfo) {
		t.Fatalf("without a debug file: %v", err)
	}

	// By name (the program's plus .debug) in a subdirectory.
	moveFile(t, debug, filepath.Join(dir, "dbg", "p-stripped.debug"))
	debug = filepath.Join(dir, "dbg", "p-stripped.debug")
	for _, search := range [][]string{{"dbg"}, {"nope:dbg"}, {"nope", "./dbg"}} {
		if got, err := paramDecls(stripped, search, "fn"); err != nil || got != want {
			t.Errorf("--debuginfo %q: %q, %v; want %q", search, got, err, want)
		}
	}
	if _, err := paramDecls(stripped, nil, "fn"); err == nil {
		t.Error("found in dbg/ without --debuginfo")
	}

	// In an absolute directory, below the program's directory path.
	root := t.TempDir()
	moveFile(t, debug, filepath.Join(root, dir, "p-stripped.debug"))
	debug = filepath.Join(root, dir, "p-stripped.debug")
	if got, err := paramDecls(stripped, []string{root}, "fn"); err != nil || got != want {
		t.Errorf("--debuginfo %s: %q, %v", root, got, err)
	}

	// By build id.
	id := buildIDOf(t, stripped)
	byID := filepath.Join(root, ".build-id", hex.EncodeToString(id[:1]), hex.EncodeToString(id[1:])+".debug")
	moveFile(t, debug, byID)
	if got, err := paramDecls(stripped, []string{root}, "fn"); err != nil || got != want {
		t.Errorf("by build id under %s: %q, %v", root, got, err)
	}

	// The debug file of another build, under the right name, is refused.
	other := buildC(t, cc, t.TempDir(), "p", map[string]string{"p.c": pairProg + "int other;\n"}, "-g", "-O0")
	stripDebug(t, other, filepath.Join(dir, "dbg", "p-stripped.debug"))
	if _, err := paramDecls(stripped, []string{"dbg"}, "fn"); err == nil {
		t.Error("took the debug file of another build")
	}

	// Without a build id: by .gnu_debuglink in .debug/, checked by CRC.
	dir = t.TempDir()
	bin = buildC(t, cc, dir, "q", map[string]string{"q.c": pairProg}, "-g", "-O0", "-Wl,--build-id=none")
	debug = filepath.Join(dir, "q.dbg")
	stripped = stripDebug(t, bin, debug, "--add-gnu-debuglink="+debug)
	moveFile(t, debug, filepath.Join(dir, ".debug", "q.dbg"))
	if got, err := paramDecls(stripped, nil, "fn"); err != nil || got != want {
		t.Errorf("by debuglink in .debug/: %q, %v", got, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".debug", "q.dbg"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	if _, err := paramDecls(stripped, nil, "fn"); err == nil {
		t.Error("took a debug file whose CRC differs")
	}
}

// buildIDOf is the build id of the ELF file at path.
func buildIDOf(t *testing.T, path string) []byte {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	id := buildID(ef)
	if len(id) < 2 {
		t.Fatalf("%s has no build id", path)
	}
	return id
}

// TestDebugLinkCandidates lists where a debug file is looked for, in
// the search path's order.
func TestDebugLinkCandidates(t *testing.T) {
	got := debugLinkCandidates("/usr/bin", "ls.debug", debugSearchPath([]string{"dbg:/opt/d", "-rel"}))
	want := []string{
		"/usr/bin/dbg/ls.debug", "/opt/d/usr/bin/ls.debug", "/opt/d/bin/ls.debug", "/usr/bin/rel/ls.debug",
		"/usr/bin/ls.debug", "/usr/bin/.debug/ls.debug", "/usr/lib/debug/usr/bin/ls.debug", "/usr/lib/debug/bin/ls.debug",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("candidates\n%q\nwant\n%q", got, want)
	}
}

// TestObjectSymsFromDebugFile: a program stripped of its symbol table has
// its local functions symbolized from its separate debug file.
func TestObjectSymsFromDebugFile(t *testing.T) {
	cc := lookCC(t)
	dir := t.TempDir()
	bin := buildC(t, cc, dir, "p", map[string]string{"p.c": pairProg}, "-g", "-O0")
	stripped := stripDebug(t, bin, filepath.Join(dir, "dbg", "p-stripped.debug"), "--strip-all")
	fn := func(obj *objectSyms) uint64 {
		for _, f := range obj.funcs {
			if f.name == "fn" {
				return f.addr
			}
		}
		return 0
	}
	if obj := readObjectSyms(stripped, nil); obj == nil || fn(obj) != 0 {
		t.Fatalf("fn found without the debug file: %+v", obj)
	}
	if obj := readObjectSyms(stripped, []string{"dbg"}); obj == nil || fn(obj) != symbolAddr(t, bin, "fn") {
		t.Errorf("fn from the debug file: %+v", obj)
	}
}
