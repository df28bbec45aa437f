package uapi

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/stdlib/uapi/internal/uapigen"
)

// TestTableUpToDate regenerates the table from the system headers and
// the pinned kernel headers package and checks that it matches the
// committed table.go, so that a stale table or an edited generator
// without `go generate` fails the build.
func TestTableUpToDate(t *testing.T) {
	const root = "/usr/include"
	if _, err := os.Stat(root + "/linux/in.h"); err != nil {
		t.Skipf("Linux UAPI headers not installed (%v); cannot check table.go", err)
	}
	kernel, ok := uapigen.FindKernelHeaders()
	if !ok {
		t.Skipf("%s is not installed and %s is not set; cannot check table.go (apt-get install %s, or unpack it and set %s to its usr/src/%s)",
			uapigen.KernelHeadersPackage, uapigen.KernelHeadersEnv, uapigen.KernelHeadersPackage,
			uapigen.KernelHeadersEnv, uapigen.KernelHeadersPackage)
	}
	got, skipped, err := uapigen.Generate(root, kernel)
	if err != nil {
		t.Fatalf("generating table: %v", err)
	}
	for _, s := range skipped {
		t.Logf("not generated: %s", s)
	}
	for _, file := range []string{"table.go", "syscalls.go"} {
		compareGenerated(t, file, got[file])
	}
}

// compareGenerated fails the test at the first line where the committed
// file differs from the generated source got.
func compareGenerated(t *testing.T, file string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s is stale (first difference at line %d):\n  committed: %q\n  generated: %q\nrun `go generate ./stdlib/uapi`", file, i+1, w, g)
			}
		}
	}
}
