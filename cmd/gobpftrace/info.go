package main

import (
	"fmt"
	"io"
	goruntime "runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gobpftrace/gobpftrace/runtime"
)

// printInfo writes --info as bpftrace lays it out: the system, the build,
// then what the kernel supports (runtime.KernelInfo), two items a line.
func printInfo(stdout, stderr io.Writer) int {
	if err := runtime.CheckPrivileges(); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return exitScript
	}
	var b strings.Builder
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		fmt.Fprintf(&b, "System\n  OS: %s %s %s\n  Arch: %s\n\n", unix.ByteSliceToString(uts.Sysname[:]),
			unix.ByteSliceToString(uts.Release[:]), unix.ByteSliceToString(uts.Version[:]), unix.ByteSliceToString(uts.Machine[:]))
	}
	fmt.Fprintf(&b, "Build\n  version: %s\n  Go: %s\n  BPF code generation: built in (no LLVM, no clang)\n  DWARF support: yes\n\n", version, goruntime.Version())
	for _, s := range runtime.KernelInfo() {
		b.WriteString(s.Title + "\n")
		for i := 0; i < len(s.Items); i += 2 {
			first := "  " + s.Items[i].Name + ": " + s.Items[i].Value
			if i+1 < len(s.Items) {
				fmt.Fprintf(&b, "%-35s%s: %s\n", first, s.Items[i+1].Name, s.Items[i+1].Value)
			} else {
				b.WriteString(first + "\n")
			}
		}
		b.WriteString("\n")
	}
	io.WriteString(stdout, b.String())
	return exitOK
}
