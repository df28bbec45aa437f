package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// examplesDir holds the shipped scripts, relative to this package.
const examplesDir = "../../examples"

// fixtureSession returns a Session whose host reads tracepoint layouts from
// testdata/tracefs instead of the machine, so compiling needs neither root
// nor a mounted tracefs.
func fixtureSession(t testing.TB, stderr *bytes.Buffer) *Session {
	t.Helper()
	s := newSession(&options{format: "text"}, &bytes.Buffer{}, stderr)
	s.host = runtime.NewHost(&runtime.HostOptions{
		StrLen:  strLen(),
		Tracefs: os.DirFS(filepath.Join("testdata", "tracefs")),
	})
	return s
}

// exampleFiles returns every examples/*.bt.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.bt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scripts in %s", examplesDir)
	}
	return files
}

// TestExamplesCompile parses, checks and compiles every example script
// against the fixture tracefs: no diagnostics at all, at least one program,
// and the conventions every example follows (shebang, comment header).
func TestExamplesCompile(t *testing.T) {
	for _, file := range exampleFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			first, rest, _ := strings.Cut(text, "\n")
			if first != "#!/usr/bin/env gobpftrace" {
				t.Errorf("first line is %q, want the #!/usr/bin/env gobpftrace shebang", first)
			}
			if !strings.HasPrefix(strings.TrimLeft(rest, "\n"), "/*") && !strings.HasPrefix(strings.TrimLeft(rest, "\n"), "//") {
				t.Errorf("no comment header after the shebang line")
			}
			if fi, err := os.Stat(file); err == nil && fi.Mode()&0o111 == 0 {
				t.Errorf("%s is not executable", file)
			}
			var stderr bytes.Buffer
			s := fixtureSession(t, &stderr)
			c := s.compile(filepath.Base(file), text)
			if c == nil {
				t.Fatalf("does not compile:\n%s", stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("diagnostics (warnings count too):\n%s", stderr.String())
			}
			if len(c.obj.Programs) == 0 {
				t.Errorf("no programs generated")
			}
			for _, p := range c.obj.Programs {
				if len(p.Insns) == 0 {
					t.Errorf("program %s is empty", p.Probe)
				}
			}
		})
	}
}

// TestFixtureHostRejects makes sure the fixture host is not so lenient that
// the test above would pass anything: an unknown field and an unknown
// tracepoint are still errors.
func TestFixtureHostRejects(t *testing.T) {
	for _, text := range []string{
		`tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args->nofield)); }`,
		`tracepoint:syscalls:sys_enter_nosuchcall { exit(); }`,
	} {
		var stderr bytes.Buffer
		if c := fixtureSession(t, &stderr).compile("stdin", text); c != nil {
			t.Errorf("%s: compiled, want an error", text)
		}
		if !strings.Contains(stderr.String(), "ERROR:") {
			t.Errorf("%s: no ERROR in %q", text, stderr.String())
		}
	}
}
