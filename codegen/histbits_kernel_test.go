//go:build linux

package codegen_test

import "testing"

// TestHistBitsKernel: hist(v, k) computes its bucket in the kernel as
// bpftrace does (2^k buckets per power of two), and the output labels
// them as bpftrace HEAD.
func TestHistBitsKernel(t *testing.T) {
	expectRun(t, `BEGIN { @h = hist(-1, 2); @h = hist(0, 2); @h = hist(3, 2); @h = hist(7, 2); @h = hist(8, 2); @h = hist(9, 2); @h = hist(22, 2);
	@k[1] = hist(1 << 40, 5); @k[1] = hist((1 << 40) + (1 << 36) - 1, 5); }`, `

@h:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[1]                    0 |                                                    |
[2]                    0 |                                                    |
[3]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[4]                    0 |                                                    |
[5]                    0 |                                                    |
[6]                    0 |                                                    |
[7]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 10)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[10, 12)               0 |                                                    |
[12, 14)               0 |                                                    |
[14, 16)               0 |                                                    |
[16, 20)               0 |                                                    |
[20, 24)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

@k[1]:
[1024G, 1056G)         1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[1056G, 1088G)         1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

`)
}
