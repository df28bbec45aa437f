// Package kerneltest holds what the kernel tests of the runtime packages
// share.
package kerneltest

import (
	"os"
	"testing"
)

// RequireRoot skips a kernel test when not running as root, except under
// CI=true where a skipped kernel test would hide a regression: it fails.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("kernel test needs root (CI=true forbids skipping)")
	}
	t.Skip("kernel test needs root; run as root or with sudo")
}
