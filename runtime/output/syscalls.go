package output

import (
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/stdlib/uapi"
)

// syscallNames maps x86-64 system call numbers to their names, built once
// from the __NR_* constants of stdlib/uapi.
var syscallNames = sync.OnceValue(func() map[int64]string {
	m := map[int64]string{}
	for _, name := range uapi.Names() {
		if call, ok := strings.CutPrefix(name, "__NR_"); ok {
			n, _ := uapi.Lookup(name)
			m[n] = call
		}
	}
	return m
})

// SyscallName is the name of system call nr ("read" for 0), or "Unknown
// syscall" as bpftrace's syscall_name() says for a number without one.
func SyscallName(nr int64) string {
	if s, ok := syscallNames()[nr]; ok {
		return s
	}
	return "Unknown syscall"
}
