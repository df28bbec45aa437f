//go:build linux

package codegen_test

import (
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"

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
