// Package uapi holds the values of Linux macros that scripts use but that
// BTF cannot provide, because they are preprocessor macros rather than
// enumerators: common UAPI ones (AF_*, IPPROTO_*, O_*, S_IF*, SIG*, E*,
// PROT_*, MAP_*, ICMP_*, IFF_*, ETH_P_* …) and kernel-internal ones that
// classic scripts take from the kernel's headers (TASK_RUNNING and the
// other task states, PF_* task flags, DT_*, NSEC_PER_SEC …). It lets
// scripts written for bpftrace, which get them from headers through
// clang, run without headers or clang.
//
// The values are those of x86-64 Linux. The tables (table.go, and
// syscalls.go for the __NR_* system call numbers) are generated
// by ./internal/gen from the system's UAPI and libc headers and from the
// kernel headers of one pinned Debian package (see
// uapigen.KernelHeadersPackage); regenerate it with `go generate` after
// changing the generator. A test checks that it matches the generator's
// output when those headers are installed.
package uapi

import (
	"strings"
	"sync"
)

//go:generate go run ./internal/gen

// Lookup returns the value of a UAPI macro.
func Lookup(name string) (int64, bool) {
	if v, ok := constants()[name]; ok {
		return v, true
	}
	v, ok := syscallNumbers()[name]
	return v, ok
}

// Names returns every macro name in the tables (for completion and hints).
func Names() []string {
	out := make([]string, 0, len(constants())+len(syscallNumbers()))
	for n := range constants() {
		out = append(out, n)
	}
	for n := range syscallNumbers() {
		out = append(out, n)
	}
	return out
}

// syscallNames inverts syscallNumbers, once.
var syscallNames = sync.OnceValue(func() map[int64]string {
	m := make(map[int64]string, len(syscallNumbers()))
	for name, nr := range syscallNumbers() {
		m[nr] = strings.TrimPrefix(name, "__NR_")
	}
	return m
})

// SyscallName returns the name of x86-64 system call nr ("read" for 0).
func SyscallName(nr int64) (string, bool) {
	name, ok := syscallNames()[nr]
	return name, ok
}
