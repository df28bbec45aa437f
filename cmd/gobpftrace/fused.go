package main

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// fusedSummary is -v's line on the form of the syscall tracepoints
// (codegen/fused.go), "" for a script that has none.
func fusedSummary(obj *codegen.Object) string {
	fused, single := obj.SyscallProbes()
	switch {
	case fused == 0 && single == 0:
		return ""
	case fused == 0:
		return fmt.Sprintf("Syscall tracepoints: %d attached one by one (fused onto raw_syscalls from %d on; --fuse-syscalls always|never)", single, codegen.FuseThreshold)
	case single == 0:
		return fmt.Sprintf("Syscall tracepoints: %d fused onto raw_syscalls (--fuse-syscalls never attaches them one by one)", fused)
	}
	return fmt.Sprintf("Syscall tracepoints: %d fused onto raw_syscalls, %d attached one by one (they read common_ fields, ctx or kstack)", fused, single)
}
