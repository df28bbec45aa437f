//go:build linux

package runtime

import (
	"os"
	"testing"

	"github.com/cilium/ebpf/asm"
)

func TestMain(m *testing.M) {
	// The -c shim: when this test binary is re-executed as a child, become
	// the command instead of running tests.
	MaybeRunChildShim()
	os.Exit(m.Run())
}

// requireRoot skips a kernel test when not running as root, except under
// CI=true where a skipped kernel test would hide a regression: it fails.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("kernel test needs root (CI=true forbids skipping)")
	}
	t.Skip("kernel test needs root; run as root or with sudo")
}

// withOutLabel marks the last-but-one instruction (the "r0 = 0" before
// exit) of insns with the label "out", for programs that jump over their
// body.
func withOutLabel(insns asm.Instructions) asm.Instructions {
	insns[len(insns)-2] = insns[len(insns)-2].WithSymbol("out")
	return insns
}
