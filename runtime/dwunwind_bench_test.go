//go:build linux

package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// benchNofp is a program without frame pointers whose funcD is called
// argv[1] times, seven frames below _start, once a byte arrives on stdin.
const benchNofp = `#include <stdlib.h>
#include <unistd.h>
volatile int sink;
__attribute__((noinline)) void funcD(void) { sink = 42; }
__attribute__((noinline)) void funcC(void) { funcD(); sink; }
__attribute__((noinline)) void funcB(void) { funcC(); sink; }
__attribute__((noinline)) void funcA(void) { funcB(); sink; }
int main(int argc, char **argv) {
	char c;
	if (read(0, &c, 1) != 1) return 1;
	for (long i = atol(argv[1]); i > 0; i--) funcA();
	return 0;
}
`

// BenchmarkStackHit measures the in-kernel cost of recording a user
// stack as a map key in a uprobe (bpf stats: run time over run count),
// 8 frames deep in a program without frame pointers: ustack (the
// kernel's frame-pointer walk, which stops after a frame or two here)
// against dw_ustack (the DWARF unwinder, which walks all 8). The
// ns/hit metric is the program's, without the uprobe's trap; ns/op is
// one run of 20 000 hits.
func BenchmarkStackHit(b *testing.B) {
	requireRoot(b)
	if !HaveHelper(asm.FnLoop) {
		b.Skip("no bpf_loop (Linux 5.17): no dw_ustack")
	}
	cc, err := exec.LookPath("gcc")
	if err != nil {
		b.Skip("needs gcc")
	}
	dir := b.TempDir()
	src, bin := filepath.Join(dir, "p.c"), filepath.Join(dir, "p")
	if err := os.WriteFile(src, []byte(benchNofp), 0o644); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command(cc, "-O2", "-fomit-frame-pointer", "-o", bin, src).CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Skipf("no bpf stats: %v", err)
	}
	defer stats.Close()
	for _, stack := range []string{"ustack", "dw_ustack()"} {
		b.Run(stack, func(b *testing.B) {
			obj := compileWithTargets(b, `uprobe:`+bin+`:funcD { @[`+stack+`] = count(); }`)
			l, err := Load(obj, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			if err := l.Attach(nil); err != nil {
				b.Fatal(err)
			}
			const hits = 20000
			for b.Loop() {
				cmd := exec.Command(bin, strconv.Itoa(hits))
				in, err := cmd.StdinPipe()
				if err != nil {
					b.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				waitMapped(b, cmd.Process.Pid, "libc")
				if l.UsesUnwindTables() {
					if err := l.AddUnwindProcess(cmd.Process.Pid); err != nil {
						b.Fatal(err)
					}
				}
				in.Write([]byte{1})
				if err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
			}
			st, err := l.Programs[0].Prog.Stats()
			if err != nil {
				b.Fatal(err)
			}
			if st.RunCount > 0 {
				b.ReportMetric(float64(st.Runtime.Nanoseconds())/float64(st.RunCount), "ns/hit")
			}
		})
	}
}
