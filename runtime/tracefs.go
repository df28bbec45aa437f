//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// TracefsMountPoint is where tracefs is mounted when it is absent.
const TracefsMountPoint = "/sys/kernel/tracing"

// tracefsCandidates are the places tracefs is looked for, in order. The
// debugfs one is an automount inside debugfs on kernels since 4.1, so it only
// works when debugfs itself is mounted.
var tracefsCandidates = []string{TracefsMountPoint, "/sys/kernel/debug/tracing"}

// ErrTracefsUnavailable is wrapped by the error returned when tracefs is not
// mounted and cannot be mounted.
var ErrTracefsUnavailable = errors.New("tracefs is not mounted")

var tracefs struct {
	once sync.Once
	dir  string
	err  error
}

// Tracefs returns the directory where tracefs is mounted. When it is not
// mounted anywhere and the process runs as root, tracefs is mounted at
// TracefsMountPoint first (a fresh machine or container boots without it).
// The work is done once; later calls return the first result.
func Tracefs() (string, error) {
	tracefs.once.Do(func() {
		tracefs.dir, tracefs.err = ensureTracefs()
	})
	return tracefs.dir, tracefs.err
}

// geteuid is os.Geteuid, replaceable by tests.
var geteuid = os.Geteuid

// ensureTracefs finds or mounts tracefs. It is not cached; use Tracefs.
func ensureTracefs() (string, error) {
	if dir := findTracefs(); dir != "" {
		return dir, nil
	}
	if geteuid() != 0 {
		return "", fmt.Errorf("%w at %s; mount it as root with: mount -t tracefs tracefs %s",
			ErrTracefsUnavailable, TracefsMountPoint, TracefsMountPoint)
	}
	err := unix.Mount("tracefs", TracefsMountPoint, "tracefs", 0, "")
	if dir := findTracefs(); dir != "" {
		// Mounted by us, or concurrently by someone else.
		return dir, nil
	}
	if err == nil {
		err = errors.New("mount succeeded but no tracefs is visible")
	}
	return "", fmt.Errorf("%w and mounting it at %s failed: %w (try: mount -t tracefs tracefs %s)",
		ErrTracefsUnavailable, TracefsMountPoint, err, TracefsMountPoint)
}

// findTracefs returns the first candidate directory that is a tracefs
// mount, or "".
func findTracefs() string {
	for _, dir := range tracefsCandidates {
		if isTracefs(dir) {
			return dir
		}
	}
	return ""
}

// isTracefs reports whether dir is the root of a tracefs mount.
func isTracefs(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == unix.TRACEFS_MAGIC
}
