//go:build linux

package codegen_test

import (
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// errorf and warnf format like printf; the runtime reports the text as an
// error or a warning (a trailing newline is dropped).
func TestSelfErrorfWarnf(t *testing.T) {
	expectRun(t, `BEGIN { $x = 0x12345678abcdef; errorf("%hhx %hx %x %jx\n", $x, $x, $x, $x); warnf("w %s %d", "a", 7); printf("done\n"); }`,
		"ERROR: ef cdef 78abcdef 12345678abcdef\nWARNING: w a 7\ndone\n\n\n")
}

// nsecs(clock) reads each clock; monotonic never runs ahead of boot.
// sw_tai (boot clock plus the measured TAI offset) agrees with tai within
// a millisecond where the kernel has bpf_ktime_get_tai_ns (6.1). Builtins
// may be called: pid() is pid.
func TestSelfNsecs(t *testing.T) {
	expectRun(t, `BEGIN { $b = nsecs(boot); $m = nsecs(monotonic); printf("%d %d %d\n", $m <= nsecs(), nsecs() >= $b, pid() == pid); }`,
		"1 1 1\n\n\n")
	if features.HaveProgramHelper(ebpf.RawTracepoint, asm.FnKtimeGetTaiNs) != nil {
		t.Log("no bpf_ktime_get_tai_ns: nsecs(tai) not compared")
		return
	}
	expectRun(t, `BEGIN { $d = (int64)nsecs(tai) - (int64)nsecs(sw_tai); printf("%d\n", $d < 1000000 && $d > -1000000); }`,
		"1\n\n\n")
}

// username is the uid, printed with its /etc/passwd name; usermode is 1
// in begin (the tracer's own code, as in bpftrace).
func TestSelfUsername(t *testing.T) {
	want := output.UserName(uint64(os.Getuid()))
	expectRun(t, `BEGIN { printf("%s|%d\n", username, usermode); @[username()] = 1; }`,
		want+"|1\n\n\n@["+want+"]: 1\n")
}

// len(@map) counts the keys of hash and per-CPU maps where the kernel
// has bpf_map_sum_elem_count (6.6); elsewhere the call is refused with
// the kfunc's name (compileConstruct checks that on the golden case).
func TestSelfLen(t *testing.T) {
	script := `BEGIN { @[0] = 0; @[1] = 1; @c[1] = count(); @c[2] = count(); @c[3] = count(); printf("%d %d\n", len(@), len(@c)); delete(@, 0); print(len(@)); clear(@c); }`
	if !runtime.HaveKfunc("bpf_map_sum_elem_count") {
		expectCompileError(t, script, "this kernel lacks the kernel function bpf_map_sum_elem_count (Linux 6.6 or later has it)")
		return
	}
	expectRun(t, script,
		"2 3\n1\n\n\n@[1]: 1\n")
}

// expectCompileError compiles script against the live kernel and wants
// errors, each containing msg.
func expectCompileError(t *testing.T, script, msg string) {
	t.Helper()
	_, src, d := compileLiveDiags(t, script)
	if !d.HasErrors() {
		t.Fatalf("%s compiled; want the error %q", script, msg)
	}
	for _, e := range d.Errors() {
		if !strings.Contains(e.Msg, msg) {
			t.Errorf("want errors %q:\n%s", msg, src.Render(d))
		}
	}
	t.Logf("refused here: %s", msg)
}

// percpu_kaddr reads per-CPU kernel variables, on the current CPU or a
// given one, and casts to their struct, where the kernel can resolve them
// (its kallsyms lists data symbols); elsewhere the checker refuses the
// call (compileConstruct checks that on the golden case).
func TestSelfPercpuKaddr(t *testing.T) {
	requireRoot(t)
	script := `BEGIN { $p = percpu_kaddr("process_counts", 0); printf("%d %d\n", $p != 0, *percpu_kaddr("process_counts") == *percpu_kaddr("process_counts", cpu)); $r = (struct rq *)percpu_kaddr("runqueues", 0); if ($r != 0) { printf("%d\n", $r.cpu == 0); } }`
	if _, err := liveHost.KernelSymbolAddr("runqueues"); err != nil {
		expectCompileError(t, script, check.PercpuNoKallsyms)
		return
	}
	expectRun(t, script, "1 1\n1\n\n\n")
}
