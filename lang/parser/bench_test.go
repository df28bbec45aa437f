package parser

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// benchScript is a realistic 100-line script (runqlat/opensnoop style).
var benchScript = func() string {
	var b strings.Builder
	b.WriteString("#!/usr/bin/env bpftrace\n#include <linux/sched.h>\n#define TASK_RUNNING 0\n")
	b.WriteString("BEGIN\n{\n\tprintf(\"Tracing CPU scheduler... Hit Ctrl-C to end.\\n\");\n}\n")
	for i := 0; i < 8; i++ {
		b.WriteString("tracepoint:sched:sched_wakeup,\ntracepoint:sched:sched_wakeup_new\n/args.pid != 0 && comm != \"swapper\"/\n{\n")
		b.WriteString("\t@qtime[args.pid] = nsecs;\n\t$prev = (struct task_struct *)curtask;\n")
		b.WriteString("\tif ($prev->__state == TASK_RUNNING) {\n\t\t@qtime[$prev->pid] = nsecs + 1e6 * 2;\n\t} else {\n\t\t$ns = @qtime[args.next_pid];\n\t}\n")
		b.WriteString("\tif $ns { @usecs = hist((nsecs - $ns) / 1000); }\n\tdelete(@qtime, args.next_pid);\n")
		b.WriteString("\t$t = (1, \"two\", $ns ?: 3);\n")
		b.WriteString("}\n")
	}
	b.WriteString("END\n{\n\tclear(@qtime);\n}\n")
	return b.String()
}()

func BenchmarkParse100Lines(b *testing.B) {
	if n := strings.Count(benchScript, "\n"); n < 90 {
		b.Fatalf("bench script has %d lines", n)
	}
	b.SetBytes(int64(len(benchScript)))
	for b.Loop() {
		src := diag.NewSource("bench.bt", benchScript)
		if _, d := Parse(src); d.HasErrors() {
			b.Fatal(src.Render(d))
		}
	}
}

// BenchmarkParseUnwindowed is the same parse without lexer windows, for
// comparison.
func BenchmarkParseUnwindowed(b *testing.B) {
	for b.Loop() {
		src := diag.NewSource("bench.bt", benchScript)
		if _, d := parse(src, 1<<30); d.HasErrors() {
			b.Fatal(src.Render(d))
		}
	}
}
