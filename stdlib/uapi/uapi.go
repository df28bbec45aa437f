// Package uapi holds the values of common Linux UAPI macros (AF_*,
// IPPROTO_*, O_*, S_IF*, SIG*, E*, PROT_*, MAP_* …) that scripts use but
// that BTF cannot provide, because they are preprocessor macros rather
// than enumerators. It lets scripts written for bpftrace, which get them
// from kernel headers through clang, run without headers or clang.
//
// The values are those of x86-64 Linux. The table (table.go) is generated
// from the system's UAPI and libc headers by ./internal/gen; regenerate it
// with `go generate` after changing the generator.
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
