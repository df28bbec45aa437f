//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Kernels before 5.11 charge BPF maps and programs to RLIMIT_MEMLOCK, whose
// usual default (64 KiB or 8 MiB) is too small for the 4 MiB event ring
// alone: every map creation fails with EPERM. Later kernels charge the
// memory cgroup instead and ignore the limit.
//
// cilium/ebpf's rlimit package tells the two apart by creating a map with
// the limit lowered to zero in its init function, which costs 0.12-0.2 ms
// of start-up in every run, on every kernel. gobpftrace instead reacts to
// the failure: the first map creation that fails with EPERM lifts the limit
// (to infinity as rlimit.RemoveMemlock does when the process has
// CAP_SYS_RESOURCE, else the soft limit up to the hard one) and is retried
// once. On kernels with memcg accounting nothing extra happens at all.

// newMap creates a map; a variable so that tests can simulate a kernel that
// charges the memlock limit.
var newMap = ebpf.NewMap

// memlockMu serialises lifting the limit (Loads may run concurrently).
var memlockMu sync.Mutex

// newMapMemlock creates a map from spec, lifting RLIMIT_MEMLOCK and
// retrying once when creation fails with EPERM. When the limit cannot be
// lifted, the original error is returned with the reason appended.
func newMapMemlock(spec *ebpf.MapSpec) (*ebpf.Map, error) {
	m, err := newMap(spec)
	if err == nil || !errors.Is(err, unix.EPERM) {
		return m, err
	}
	raised, rerr := removeMemlock()
	if rerr != nil {
		return nil, fmt.Errorf("%w (raising the memlock limit: %v)", err, rerr)
	}
	if !raised {
		return nil, err // the limit was not the cause
	}
	return newMap(spec)
}

// removeMemlock raises RLIMIT_MEMLOCK as far as it can go: to infinity
// with CAP_SYS_RESOURCE, otherwise the soft limit to the hard one. It
// reports whether the limit went up.
func removeMemlock() (bool, error) {
	memlockMu.Lock()
	defer memlockMu.Unlock()
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &cur); err != nil {
		return false, err
	}
	if cur.Cur == unix.RLIM_INFINITY {
		return false, nil
	}
	inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &inf)
	if err == nil {
		return true, nil
	}
	if cur.Cur >= cur.Max {
		return false, nil
	}
	soft := unix.Rlimit{Cur: cur.Max, Max: cur.Max}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &soft); err != nil {
		return false, err
	}
	return true, nil
}
