package main

import (
	"fmt"
	"strings"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// tracepointSummary is -v's line on the forms the tracepoint probes take
// (codegen/fused.go, codegen/rawform.go), "" for a script that has none.
func tracepointSummary(obj *codegen.Object) string {
	fused, raw, perf := obj.TracepointForms()
	var parts []string
	if fused > 0 {
		parts = append(parts, fmt.Sprintf("%d fused onto raw_syscalls", fused))
	}
	if raw > 0 {
		parts = append(parts, fmt.Sprintf("%d as raw tracepoints", raw))
	}
	if perf > 0 {
		parts = append(parts, fmt.Sprintf("%d as perf events", perf))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Tracepoints: %s (syscall probes are fused from %d on; --tracepoints fused|perf)", strings.Join(parts, ", "), codegen.FuseThreshold)
}
