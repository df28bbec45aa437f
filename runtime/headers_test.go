package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/preproc"
)

// TestIncluderSearch: quoted includes start in the script's directory (or
// the including header's), angle includes in the -I directories; the
// system directories come last.
func TestIncluderSearch(t *testing.T) {
	script, idir := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(script, "local.h"), "#define LOCAL 1\n")
	writeFile(t, filepath.Join(idir, "lib.h"), "#define LIB 2\n")
	writeFile(t, filepath.Join(idir, "sub", "nested.h"), "#define NESTED 3\n")
	in := &Includer{ScriptDir: script, Dirs: []string{idir}}

	h, err := in.Include("local.h", false, "")
	if err != nil || h.Text != "#define LOCAL 1\n" {
		t.Errorf(`"local.h": %+v, %v`, h, err)
	}
	if _, err := in.Include("local.h", true, ""); !errors.Is(err, preproc.ErrNotFound) {
		t.Errorf("<local.h> is searched in the script's directory: %v", err)
	}
	if h, err := in.Include("lib.h", true, ""); err != nil || h.Text != "#define LIB 2\n" {
		t.Errorf("<lib.h>: %+v, %v", h, err)
	}
	if h, err := in.Include("nested.h", false, filepath.Join(idir, "sub")); err != nil || h.Text != "#define NESTED 3\n" {
		t.Errorf(`"nested.h" from sub/: %+v, %v`, h, err)
	}
	if _, err := in.Include("no/such/header.h", true, ""); !errors.Is(err, preproc.ErrNotFound) {
		t.Errorf("missing header: %v, want ErrNotFound", err)
	}
}

// TestIncluderContainment: an include cannot leave its search directories
// by name, by symbolic link or by being absolute, and only regular files
// within MaxSourceSize are read.
func TestIncluderContainment(t *testing.T) {
	script, outside := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.h"), "#define SECRET 1\n")
	if err := os.Symlink(filepath.Join(outside, "secret.h"), filepath.Join(script, "link.h")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(script, "real.h"), "#define REAL 1\n")
	if err := os.Symlink("real.h", filepath.Join(script, "inside.h")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(script, "zero.h")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(script, "fifo.h"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, MaxSourceSize+1)
	writeFile(t, filepath.Join(script, "big.h"), string(big))
	if err := os.Mkdir(filepath.Join(script, "dir.h"), 0o755); err != nil {
		t.Fatal(err)
	}
	in := &Includer{ScriptDir: script}

	for _, c := range []struct {
		name   string
		system bool
		want   string
	}{
		{"../../dev/zero", true, "leaves the include search path"},
		{"../" + filepath.Base(outside) + "/secret.h", false, "leaves the include search path"},
		{filepath.Join(outside, "secret.h"), false, "absolute header paths are not searched"},
		{"link.h", false, "outside the include search path"},
		{"zero.h", false, "outside the include search path"},
		{"fifo.h", false, "not a regular file"},
		{"dir.h", false, "not a regular file"},
		{"big.h", false, "larger than the 4 MiB limit"},
	} {
		_, err := in.Include(c.name, c.system, "")
		if err == nil || errors.Is(err, preproc.ErrNotFound) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// A link that stays inside the search path is fine.
	if h, err := in.Include("inside.h", false, ""); err != nil || h.Text != "#define REAL 1\n" {
		t.Errorf("inside.h: %+v, %v", h, err)
	}
}

// TestReadSourceFile: the bounded reader refuses devices and oversized
// files without reading them whole, and reads /proc files (size 0).
func TestReadSourceFile(t *testing.T) {
	for path, want := range map[string]error{"/dev/zero": ErrNotRegular, "/": ErrNotRegular, "/nonexistent/x.bt": os.ErrNotExist} {
		if _, err := ReadSourceFile(path); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", path, err, want)
		}
	}
	big := filepath.Join(t.TempDir(), "big.bt")
	writeFile(t, big, strings.Repeat("x", MaxSourceSize+1))
	if _, err := ReadSourceFile(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big file: %v", err)
	}
	if b, err := ReadSourceFile("/proc/self/stat"); err != nil || len(b) == 0 {
		t.Errorf("/proc/self/stat: %d bytes, %v", len(b), err)
	}
	ok := filepath.Join(t.TempDir(), "ok.bt")
	writeFile(t, ok, strings.Repeat("x", MaxSourceSize))
	if b, err := ReadSourceFile(ok); err != nil || len(b) != MaxSourceSize {
		t.Errorf("file at the limit: %d bytes, %v", len(b), err)
	}
}

// TestReadSource: stdin is read up to the limit plus one byte, so an
// endless stream is refused quickly.
func TestReadSource(t *testing.T) {
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer zero.Close()
	if _, err := ReadSource(zero, "stdin"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("/dev/zero as stdin: %v", err)
	}
	if b, err := ReadSource(strings.NewReader("BEGIN {}"), "stdin"); err != nil || string(b) != "BEGIN {}" {
		t.Errorf("small script: %q, %v", b, err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
