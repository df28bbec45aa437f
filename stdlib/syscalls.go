package stdlib

import "sync"

// syscallTables are the system call tables by GOARCH name: entry point
// names indexed by number. Architectures without one do not fuse
// syscall tracepoints (codegen/fused.go).
//
// stdlib/uapi has the __NR_* numbers too, generated from the system's
// headers: the macros scripts name, which stop at the headers' kernel and
// name the system calls, not their entry points (__NR_stat, not newstat).
// This table follows the kernel's entry points, which name the syscall
// tracepoints, and keeps removed system calls whose tracepoints older
// kernels still have; a test checks that the two agree where both have a
// number.
var syscallTables = map[string][]string{
	"amd64": syscallEntriesAMD64[:],
}

// syscallIndexes are the tables inverted (entry point → number), built on
// first use.
var syscallIndexes = sync.OnceValue(func() map[string]map[string]int {
	out := make(map[string]map[string]int, len(syscallTables))
	for arch, names := range syscallTables {
		idx := make(map[string]int, len(names))
		for nr, n := range names {
			if n != "" {
				idx[n] = nr
			}
		}
		out[arch] = idx
	}
	return out
})

// SyscallNumber returns the number of the system call whose entry point
// is sys_NAME on arch (a GOARCH name): the system call that the
// tracepoints syscalls:sys_enter_NAME and syscalls:sys_exit_NAME report.
// ok is false for an unknown name or architecture.
func SyscallNumber(arch, name string) (nr int, ok bool) {
	nr, ok = syscallIndexes()[arch][name]
	return nr, ok
}

// NumSyscalls is the size of arch's system call table: every known
// number is below it (0 for an architecture without a table).
func NumSyscalls(arch string) int {
	return len(syscallTables[arch])
}
