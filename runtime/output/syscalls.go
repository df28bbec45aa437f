package output

import "github.com/gobpftrace/gobpftrace/stdlib/uapi"

// SyscallName is the name of system call nr ("read" for 0), or "Unknown
// syscall" as bpftrace's syscall_name() says for a number without one.
func SyscallName(nr int64) string {
	if s, ok := uapi.SyscallName(nr); ok {
		return s
	}
	return "Unknown syscall"
}
