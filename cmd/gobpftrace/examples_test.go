package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/runtime"
)

// examplesDir holds the shipped scripts, relative to this package.
const examplesDir = "../../examples"

// fixtureHost reads tracepoint layouts from testdata/tracefs (copies of
// this kernel's format files) instead of the machine, so compiling needs
// neither root nor a mounted tracefs.
func fixtureHost() *runtime.Host {
	return runtime.NewHost(&runtime.HostOptions{
		StrLen:  strLen(),
		Tracefs: os.DirFS(filepath.Join("testdata", "tracefs")),
	})
}

// compileText runs the front end (parse, check, compile) the way the
// Session does, without the Session's privilege check, and returns the
// object (nil after errors) and every rendered diagnostic.
func compileText(name, text string) (*codegen.Object, string) {
	src := diag.NewSource(name, text)
	prog, diags := parser.Parse(src)
	if diags.HasErrors() {
		return nil, src.Render(diags)
	}
	info, cdiags := check.Check(src, prog, &check.Config{Host: fixtureHost(), StrLen: strLen()})
	diags.Items = append(diags.Items, cdiags.Items...)
	if diags.HasErrors() {
		return nil, src.Render(diags)
	}
	rendered := ""
	if len(diags.Items) > 0 {
		rendered = src.Render(diags)
	}
	obj, gdiags := codegen.Compile(info, &codegen.Options{Source: src})
	if gdiags.HasErrors() {
		return nil, rendered + src.Render(gdiags)
	}
	if len(gdiags.Items) > 0 {
		rendered += src.Render(gdiags)
	}
	return obj, rendered
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
// against the fixture tracefs (no root needed): no diagnostics at all, at least one program,
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
			// Scripts kept verbatim from bpftrace (tcpstates.bt, from the
			// seed documents) keep their own shebang and layout.
			verbatim := first == "#!/usr/bin/env bpftrace"
			if first != "#!/usr/bin/env gobpftrace" && !verbatim {
				t.Errorf("first line is %q, want the #!/usr/bin/env gobpftrace shebang", first)
			}
			if !verbatim && !strings.HasPrefix(strings.TrimLeft(rest, "\n"), "/*") && !strings.HasPrefix(strings.TrimLeft(rest, "\n"), "//") {
				t.Errorf("no comment header after the shebang line")
			}
			if fi, err := os.Stat(file); err == nil && fi.Mode()&0o111 == 0 {
				t.Errorf("%s is not executable", file)
			}
			obj, diags := compileText(filepath.Base(file), text)
			if obj == nil {
				t.Fatalf("does not compile:\n%s", diags)
			}
			if diags != "" {
				t.Errorf("diagnostics (warnings count too):\n%s", diags)
			}
			if len(obj.Programs) == 0 {
				t.Errorf("no programs generated")
			}
			for _, p := range obj.Programs {
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
		obj, diags := compileText("stdin", text)
		if obj != nil {
			t.Errorf("%s: compiled, want an error", text)
		}
		if !strings.Contains(diags, "ERROR:") {
			t.Errorf("%s: no ERROR in %q", text, diags)
		}
	}
}
