// Package uapi holds the values of Linux macros that scripts use but that
// BTF cannot provide, because they are preprocessor macros rather than
// enumerators: common UAPI ones (AF_*, IPPROTO_*, O_*, S_IF*, SIG*, E*,
// PROT_*, MAP_*, ICMP_*, IFF_*, ETH_P_* …) and kernel-internal ones that
// classic scripts take from the kernel's headers (TASK_RUNNING and the
// other task states, PF_* task flags, DT_*, NSEC_PER_SEC …). It lets
// scripts written for bpftrace, which get them from headers through
// clang, run without headers or clang.
//
// The values are those of x86-64 Linux. The table (table.go) is generated
// by ./internal/gen from the system's UAPI and libc headers and from the
// kernel headers of one pinned Debian package (see
// uapigen.KernelHeadersPackage); regenerate it with `go generate` after
// changing the generator. A test checks that it matches the generator's
// output when those headers are installed.
package uapi

//go:generate go run ./internal/gen

// Lookup returns the value of a UAPI macro.
func Lookup(name string) (int64, bool) {
	v, ok := constants[name]
	return v, ok
}

// Names returns every macro name in the table (for completion and hints).
func Names() []string {
	out := make([]string, 0, len(constants))
	for n := range constants {
		out = append(out, n)
	}
	return out
}
