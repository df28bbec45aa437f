//go:build linux

package runtime

import (
	"os"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/runtime/internal/kerneltest"
)

func TestMain(m *testing.M) {
	// The -c shim: when this test binary is re-executed as a child, become
	// the command instead of running tests.
	MaybeRunChildShim()
	os.Exit(m.Run())
}

// requireRoot skips a kernel test when not running as root (fails under
// CI=true).
func requireRoot(t testing.TB) {
	t.Helper()
	kerneltest.RequireRoot(t)
}

// withOutLabel marks the last-but-one instruction (the "r0 = 0" before
// exit) of insns with the label "out", for programs that jump over their
// body.
func withOutLabel(insns asm.Instructions) asm.Instructions {
	insns[len(insns)-2] = insns[len(insns)-2].WithSymbol("out")
	return insns
}
