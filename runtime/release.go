//go:build linux

package runtime

// KernelRelease is the running kernel's uname release ("6.1.0-40-amd64"),
// asked once per process; "" when uname fails.
func KernelRelease() string { return kernelRelease() }

// ReleaseAtLeast reports whether a kernel release string is at least
// major.minor; false when it cannot be parsed.
func ReleaseAtLeast(release string, major, minor int) bool {
	return releaseAtLeast(release, major, minor)
}
