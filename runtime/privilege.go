//go:build linux

package runtime

import (
	"errors"

	"golang.org/x/sys/unix"
)

// ErrNotPrivileged is returned by CheckPrivileges when the process can
// neither load BPF programs nor open perf events.
var ErrNotPrivileged = errors.New("gobpftrace needs root privileges (or the CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN capabilities) to load BPF programs")

// Capability numbers not in older headers.
const (
	capPerfmon = 38
	capBPF     = 39
)

// CheckPrivileges reports whether the effective credentials allow tracing:
// root, or CAP_SYS_ADMIN, or both CAP_BPF and CAP_PERFMON. It reads the
// capability sets with one syscall, so callers can fail early with a clear
// message instead of a kernel EPERM deep inside loading.
func CheckPrivileges() error {
	if unix.Geteuid() == 0 {
		return nil
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return ErrNotPrivileged
	}
	has := func(c uint) bool { return data[c/32].Effective&(1<<(c%32)) != 0 }
	if has(unix.CAP_SYS_ADMIN) || (has(capBPF) && has(capPerfmon)) {
		return nil
	}
	return ErrNotPrivileged
}
