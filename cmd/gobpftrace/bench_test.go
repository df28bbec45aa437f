package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkFrontEnd measures parse + check + compile of every example
// against the fixture tracefs (no kernel involved).
func BenchmarkFrontEnd(b *testing.B) {
	for _, file := range exampleFiles(b) {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".bt")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			insns := 0
			for b.Loop() {
				obj, diags := compileText(name, string(data))
				if obj == nil {
					b.Fatalf("does not compile:\n%s", diags)
				}
				insns = 0
				for _, p := range obj.Programs {
					insns += len(p.Insns)
				}
			}
			b.ReportMetric(float64(insns), "insns")
		})
	}
}

// BenchmarkBeginHello runs the built binary on the BEGIN hello one-liner:
// ns/op is the wall time of a whole run (exec to exit). Needs root. (Its
// peak RSS is compare.sh's begin.rss_kb, measured from a small C parent:
// a child of this test binary inherits the test binary's own peak as its
// maxrss, the kernel carrying the old memory's high-water mark across
// exec.)
func BenchmarkBeginHello(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root (loads a BPF program)")
	}
	benchRuns(b, helloOneLiner, func(out string) bool { return out == helloStdout })
}

// benchRuns runs the built binary on a one-liner per iteration and checks
// its stdout with ok.
func benchRuns(b *testing.B, prog string, ok func(stdout string) bool) {
	for b.Loop() {
		cmd := exec.Command(binPath, "-q", "-e", prog)
		cmd.Env = toolEnv(nil)
		out, err := cmd.Output()
		if err != nil || !ok(string(out)) {
			b.Fatalf("run failed: %v\n%s", err, out)
		}
	}
}

// BenchmarkBTFOneLiner runs a one-liner that needs kernel types (curtask
// fields and a kernel enumerator) from BTF: ns/op is the wall time of the
// whole run, which includes loading BTF lazily. Needs root and BTF.
func BenchmarkBTFOneLiner(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root (loads a BPF program)")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		b.Skip("no kernel BTF")
	}
	prog := `BEGIN { printf("%s %d %d\n", curtask->comm, curtask->real_parent->pid > 0, TASK_COMM_LEN); exit(); }`
	benchRuns(b, prog, func(out string) bool {
		return strings.HasSuffix(strings.SplitN(out, "\n", 2)[0], " 1 16")
	})
}

// BenchmarkREPLAddProbe measures adding a probe to a live interactive
// session (check, compile, load with the session's maps, attach), with 0
// and with 20 probes already attached: the cost must not grow with them.
// Detaching the probe again is not timed. Needs root.
func BenchmarkREPLAddProbe(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root (loads BPF programs)")
	}
	for _, attached := range []int{0, 20} {
		b.Run(fmt.Sprintf("attached=%d", attached), func(b *testing.B) {
			s := newSession(&options{}, io.Discard, io.Discard)
			r, err := newREPL(s, io.Discard, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			for i := range attached {
				r.Exec(fmt.Sprintf("interval:s:100 { @tick%d = count(); }", i))
			}
			if n := len(r.sortedUnits()); n != attached {
				b.Fatalf("%d probes attached, want %d", n, attached)
			}
			for b.Loop() {
				r.Exec(`tracepoint:syscalls:sys_enter_getppid { @calls[comm] = count(); }`)
				b.StopTimer()
				us := r.sortedUnits()
				if len(us) != attached+1 {
					b.Fatalf("probe not attached")
				}
				r.detach(us[len(us)-1].id)
				b.StartTimer()
			}
		})
	}
}
