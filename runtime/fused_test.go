//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

// TestSyscallTableCoversKernel: every syscall tracepoint of the running
// kernel has its number in stdlib's table (a probe on one it lacks could
// not be fused).
func TestSyscallTableCoversKernel(t *testing.T) {
	requireRoot(t)
	if stdlib.NumSyscalls(goruntime.GOARCH) == 0 {
		t.Skipf("no system call table for %s: syscall tracepoints are not fused there", goruntime.GOARCH)
	}
	dir, err := Tracefs()
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(dir, "events", "syscalls"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		name, ok := strings.CutPrefix(e.Name(), "sys_enter_")
		if !ok {
			continue
		}
		n++
		if _, ok := stdlib.SyscallNumber(goruntime.GOARCH, name); !ok {
			t.Errorf("syscalls:%s: no number in the table", e.Name())
		}
	}
	if n < 100 {
		t.Errorf("%d syscall tracepoints, want hundreds", n)
	}
}
