package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// TestGuestForLoopsInKprobes: loops in a kprobe and its kretprobe (one
// session program on 6.10+, where both halves' loop callbacks follow the
// two main parts), over a map the entry fills and over a range, see the
// child's read; without the loop helpers (5.10) the loop is the error.
func TestGuestForLoopsInKprobes(t *testing.T) {
	needKprobes(t)
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, make([]byte, 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gbt(t, "-e", `kprobe:vfs_read /pid == cpid/ { @calls[tid] = 1; for ($kv : @calls) { @seen = $kv.1; } }
kretprobe:vfs_read /pid == cpid && retval > 0/ { $n = 0; for ($i : 0..3) { $n += $i; } @[retval, $n] = count(); }`,
		"-c", "/bin/dd if="+in+" of=/dev/null bs=4321 count=1 status=none")
	if !runtime.HaveHelper(asm.FnLoop) || !runtime.HaveHelper(asm.FnForEachMapElem) {
		expectCode(t, r, 1)
		matchAll(t, "stderr", r.stderr, `ERROR: for loops over a (map|range) need the helper bpf_(loop|for_each_map_elem), which this kernel lacks`)
		return
	}
	expectCode(t, r, 0)
	if !regexp.MustCompile(`(?m)^@\[4321, 3\]: 1$`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^@seen: 1$`).MatchString(r.stdout) {
		t.Errorf("want the child's read seen by both loops:\n%v", r)
	}
}
