//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// Kernels before 5.11 charge every BPF map and program to RLIMIT_MEMLOCK,
// whose usual default (64 KiB or 8 MiB) is too small for the 4 MiB event
// ring alone: map creations, program loads and the feature probes that
// cilium/ebpf runs behind the scenes (BPF_PROG_RUN support, link types)
// all fail with EPERM. From 5.11 on the memory cgroup is charged instead
// and the limit is ignored.
//
// cilium/ebpf's rlimit package tells the two apart exactly, by creating a
// map with the limit lowered to zero in its init function; that costs
// 0.12-0.2 ms of start-up in every run, on every kernel. gobpftrace asks
// the kernel release instead (one uname, shared with EventChannel):
// memcg accounting is upstream since 5.11, so a kernel that says 5.11 or
// later never charges the limit, and on an older one lifting it is at
// worst unnecessary (a distribution may have backported the accounting).
// Every function of this package that creates BPF objects, directly or
// through cilium/ebpf, calls liftMemlock first; it does its work once per
// process.

// memlockAccountingRelease is the first Linux release that charges BPF
// memory to the memory cgroup instead of RLIMIT_MEMLOCK.
const memlockAccountingRelease = "5.11"

// kernelRelease is the running kernel's uname release ("6.18.0-1-amd64"),
// "" when uname fails.
var kernelRelease = sync.OnceValue(func() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
})

// setrlimit sets a resource limit; a variable so that tests can simulate a
// process that may not raise its limit.
var setrlimit = unix.Setrlimit

// memlock is the state of the once-per-process lift.
var memlock struct {
	once sync.Once
	// err says why a limit the kernel charges could not be lifted.
	err error
}

// liftMemlock lifts RLIMIT_MEMLOCK, once per process, when the running
// kernel charges BPF memory to it. It returns nil when the limit does not
// matter or was lifted, else why it could not be (creations then fail with
// EPERM; see memlockError).
func liftMemlock() error {
	memlock.once.Do(func() { memlock.err = liftMemlockFor(kernelRelease()) })
	return memlock.err
}

// liftMemlockFor lifts the limit when a kernel of the given release charges
// it. An unparsable release counts as old: lifting is harmless.
func liftMemlockFor(release string) error {
	if release != "" && releaseAtLeast(release, 5, 11) {
		return nil
	}
	if err := removeMemlock(); err != nil {
		return fmt.Errorf("Linux %s (before %s) charges BPF memory to RLIMIT_MEMLOCK, which could not be raised: %w",
			release, memlockAccountingRelease, err)
	}
	return nil
}

// removeMemlock raises RLIMIT_MEMLOCK as far as it can go: to infinity
// with CAP_SYS_RESOURCE (as rlimit.RemoveMemlock does), otherwise the soft
// limit to the hard one, which then must be unlimited to count as lifted.
func removeMemlock() error {
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &cur); err != nil {
		return err
	}
	if cur.Cur == unix.RLIM_INFINITY {
		return nil
	}
	inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	err := setrlimit(unix.RLIMIT_MEMLOCK, &inf)
	if err == nil {
		return nil
	}
	if cur.Cur < cur.Max {
		soft := unix.Rlimit{Cur: cur.Max, Max: cur.Max}
		if serr := setrlimit(unix.RLIMIT_MEMLOCK, &soft); serr == nil {
			if cur.Max == unix.RLIM_INFINITY {
				return nil
			}
			return fmt.Errorf("only up to the hard limit of %s: %w", rlimitString(cur.Max), err)
		}
	}
	return fmt.Errorf("it stays at %s: %w", rlimitString(cur.Cur), err)
}

func rlimitString(v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return fmt.Sprintf("%d KiB", v>>10)
}

// memlockError adds the reason to an EPERM of a BPF object creation when
// the kernel charges RLIMIT_MEMLOCK and the limit could not be lifted;
// other errors are returned as they are.
func memlockError(err error) error {
	if err == nil || !errors.Is(err, unix.EPERM) {
		return err
	}
	if lerr := liftMemlock(); lerr != nil {
		return fmt.Errorf("%w (%v)", err, lerr)
	}
	return err
}
