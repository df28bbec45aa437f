//go:build linux

package runtime

import "testing"

// TestDefaultRingBufSize: 512 KiB per CPU, a power of two from 1 MiB to
// 64 MiB.
func TestDefaultRingBufSize(t *testing.T) {
	for _, c := range []struct{ cpus, want int }{
		{1, 1 << 20}, {2, 1 << 20}, {3, 2 << 20}, {8, 4 << 20}, {64, 32 << 20}, {128, 64 << 20}, {4096, 64 << 20},
	} {
		if got := DefaultRingBufSize(c.cpus); got != c.want {
			t.Errorf("DefaultRingBufSize(%d) = %d, want %d", c.cpus, got, c.want)
		}
	}
}
