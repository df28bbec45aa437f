package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAOT: --aot writes an executable that runs the script with its own
// positional parameters and named options (bpftrace's other.named command
// line params aot) and can write another AOT executable; a script with
// errors is reported at its file and writes nothing.
func TestAOT(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "prog.btaot")
	script := `BEGIN { print((getopt("aa", 10), getopt("cc", true), getopt("dd"), getopt("ee", "hello"), $1)); exit(); }`
	r := gbt(t, "-e", script, "--aot", exe)
	expectRun(t, r, 0, "", "")
	r = runTool(t, invocation{path: exe, args: []string{"-q", "7", "--", "--dd", "--aa=20", "--cc=False"}})
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "(20, false, true, hello, 7)\n") {
		t.Errorf("stdout %q, want the tuple of the options given", r.stdout)
	}
	// A bad named option is a usage error naming it.
	r = runTool(t, invocation{path: exe, args: []string{"-q", "--", "--aa=x"}})
	expectCode(t, r, exitUsage)
	if !strings.Contains(r.stderr, "aa") {
		t.Errorf("stderr %q does not name the bad option", r.stderr)
	}
	// An AOT executable writes another, with only one script in it.
	second := filepath.Join(dir, "second")
	f := filepath.Join(dir, "two.bt")
	if err := os.WriteFile(f, []byte(`BEGIN { printf("two %d\n", $1); exit(); }`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runTool(t, invocation{path: binPath, args: []string{f, "--aot", second}})
	expectRun(t, r, 0, "", "")
	r = runTool(t, invocation{path: second, args: []string{"-q", "3"}})
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "two 3\n") {
		t.Errorf("stdout %q, want two 3", r.stdout)
	}
	r = runTool(t, invocation{path: second, args: []string{"-q", "-e", "BEGIN { $x = ; }", "--aot", filepath.Join(dir, "third")}})
	expectCode(t, r, exitScript)
	// A script with errors: the error names the file, nothing is written.
	bad := filepath.Join(dir, "bad.bt")
	os.WriteFile(bad, []byte("BEGIN { nosuch(); }\n"), 0o644)
	r = gbt(t, bad, "--aot", filepath.Join(dir, "bad.btaot"))
	expectCode(t, r, exitScript)
	if !strings.Contains(r.stderr, "bad.bt:1:") {
		t.Errorf("stderr %q does not name the script", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.btaot")); !os.IsNotExist(err) {
		t.Errorf("bad.btaot was written (%v)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 { // prog.btaot, two.bt, second, bad.bt
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left: %q (a temporary file was not removed?)", names)
	}
}
