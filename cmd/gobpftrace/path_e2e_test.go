package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFentryPath (run in the kernel matrix's guests): path() of the file
// security_file_open checks is the absolute path the -c child opened; in
// a function outside the kernel's bpf_d_path allowlist the verifier's
// refusal is reported at the call, in bpftrace HEAD's words.
func TestFentryPath(t *testing.T) {
	needRoot(t)
	file := filepath.Join(t.TempDir(), "opened-by-the-child")
	if err := os.WriteFile(file, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, out := gbtSplit(t, "-c", "/bin/cat "+file,
		"-e", `fentry:security_file_open /pid == cpid/ { $p = path(args.file->f_path); if ($p == "`+file+`") { printf("open %s %s\n", $p, path(args.file.f_path, 64)); } }`)
	skipWithoutTrampolines(t, r)
	expectCode(t, r, 0)
	matchAll(t, "output", out, `(?m)^open `+file+` `+file+`$`)

	r = gbt(t, "-e", `fentry:vfs_read { print("a"); print(path(args.file.f_path)); print("b"); }`)
	skipWithoutTrampolines(t, r)
	expectCode(t, r, exitScript)
	matchAll(t, "stderr", r.stderr, `(?m)^stdin:1:37-59: ERROR: helper bpf_d_path not allowed in probe$`)
}
