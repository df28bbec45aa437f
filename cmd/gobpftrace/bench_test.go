package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
// ns/op is the wall time of a whole run (exec to exit), peak-RSS-kB the
// largest resident set seen. Needs root.
func BenchmarkBeginHello(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root (loads a BPF program)")
	}
	var maxRSS int64
	for b.Loop() {
		cmd := exec.Command(binPath, "-q", "-e", helloOneLiner)
		cmd.Env = toolEnv(nil)
		out, err := cmd.Output()
		if err != nil || string(out) != helloStdout {
			b.Fatalf("run failed: %v\n%s", err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	b.ReportMetric(float64(maxRSS), "peak-RSS-kB")
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
	var maxRSS int64
	for b.Loop() {
		cmd := exec.Command(binPath, "-q", "-e", prog)
		cmd.Env = toolEnv(nil)
		out, err := cmd.Output()
		if err != nil || !strings.HasSuffix(strings.SplitN(string(out), "\n", 2)[0], " 1 16") {
			b.Fatalf("run failed: %v\n%s", err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	b.ReportMetric(float64(maxRSS), "peak-RSS-kB")
}
