//go:build linux

package runtime

import "testing"

// TestDefaultRingBufSize: 512 KiB per CPU and 2048 strings, a power of
// two from 1 MiB to 64 MiB.
func TestDefaultRingBufSize(t *testing.T) {
	for _, c := range []struct{ cpus, strlen, want int }{
		{1, 64, 1 << 20}, {2, 64, 1 << 20}, {3, 64, 2 << 20}, {8, 64, 4 << 20}, {64, 64, 32 << 20},
		{128, 64, 64 << 20}, {4096, 64, 64 << 20},
		{2, 1024, 2 << 20}, {2, 1025, 4 << 20}, {2, 16384, 32 << 20},
	} {
		if got := DefaultRingBufSize(c.cpus, c.strlen); got != c.want {
			t.Errorf("DefaultRingBufSize(%d, %d) = %d, want %d", c.cpus, c.strlen, got, c.want)
		}
	}
}
