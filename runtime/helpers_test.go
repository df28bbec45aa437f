//go:build linux

package runtime

import (
	"os"
	"testing"
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
