//go:build linux

package codegen_test

import (
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

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
// 100 ms where the kernel has bpf_ktime_get_tai_ns (6.1): a missing or
// wrong offset is off by years or by the 37 s of leap seconds, while the
// measurement itself (two clock reads in user space, and a guest's clock
// slewing under TCG) was seen 1 ms off in the 6.12 guest. Builtins may be
// called: pid() is pid.
func TestSelfNsecs(t *testing.T) {
	expectRun(t, `BEGIN { $b = nsecs(boot); $m = nsecs(monotonic); printf("%d %d %d\n", $m <= nsecs(), nsecs() >= $b, pid() == pid); }`,
		"1 1 1\n\n\n")
	if features.HaveProgramHelper(ebpf.RawTracepoint, asm.FnKtimeGetTaiNs) != nil {
		t.Log("no bpf_ktime_get_tai_ns: nsecs(tai) not compared")
		return
	}
	expectRun(t, `BEGIN { $d = (int64)nsecs(tai) - (int64)nsecs(sw_tai); printf("%d\n", $d < 100000000 && $d > -100000000); }`,
		"1\n\n\n")
}

// username is the uid, printed with its /etc/passwd name; usermode is 1
// in begin (the tracer's own code, as in bpftrace).
func TestSelfUsername(t *testing.T) {
	want := output.UserName(uint64(os.Getuid()))
	expectRun(t, `BEGIN { printf("%s|%d\n", username, usermode); @[username()] = 1; }`,
		want+"|1\n\n\n@["+want+"]: 1\n")
}

// len(@map) counts the keys of hash and per-CPU maps with
// bpf_map_sum_elem_count (6.6), or by walking the map with
// bpf_for_each_map_elem (5.13) where the kfunc is missing, which is also
// tried here by compiling as for a kernel without kfuncs; a kernel with
// neither refuses the call naming both.
func TestSelfLen(t *testing.T) {
	script := `BEGIN { @[0] = 0; @[1] = 1; @c[1] = count(); @c[2] = count(); @c[3] = count(); printf("%d %d\n", len(@), len(@c)); delete(@, 0); print(len(@)); clear(@c); }`
	const want = "2 3\n1\n\n\n@[1]: 1\n"
	haveWalk := runtime.HaveHelper(asm.FnForEachMapElem)
	switch {
	case runtime.HaveKfunc("bpf_map_sum_elem_count"):
		expectRun(t, script, want)
	case !haveWalk:
		expectCompileError(t, script, "this kernel lacks the kernel function bpf_map_sum_elem_count (Linux 6.6) and the helper bpf_for_each_map_elem (Linux 5.13)")
		return
	}
	if haveWalk {
		liveNoKfuncs = true
		defer func() { liveNoKfuncs = false }()
		expectRun(t, script, want)
	}
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
	if !liveHost.KernelVar("runqueues") {
		expectCompileError(t, script, "Could not resolve variable")
		return
	}
	if _, err := liveHost.KernelSymbolAddr("runqueues"); err != nil {
		expectCompileError(t, script, check.PercpuNoKallsyms)
		return
	}
	expectRun(t, script, "1 1\n1\n\n\n")
}

// write_user writes a value into the memory of the task running the
// program: BEGIN runs in this test's thread, so it can overwrite a Go
// buffer whose address is the script's parameter. Where the kernel
// forbids bpf_probe_write_user (lockdown), loading fails with a clear
// message instead.
func TestSelfWriteUser(t *testing.T) {
	requireRoot(t)
	buf := writeUserBuf[:]
	addr := strconv.FormatUint(uint64(uintptr(unsafe.Pointer(&writeUserBuf))), 10)
	script := `BEGIN { $ok = write_user((uint8 *)$1, "hello", 5); $n = (uint32)0x64636261; $ok2 = write_user((uint8 *)$1 + 5, $n, 2); printf("%d %d\n", $ok, $ok2); }`
	if err := features.HaveProgramHelper(ebpf.RawTracepoint, asm.FnProbeWriteUser); err != nil {
		l, err := runtime.Load(compileLive(t, script, addr), nil)
		if err == nil {
			l.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "bpf_probe_write_user") {
			t.Fatalf("load without bpf_probe_write_user: %v", err)
		}
		t.Logf("no bpf_probe_write_user here: %v", err)
		return
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	expectRun(t, script, "1 1\n\n\n", addr)
	if got := string(buf[:7]); got != "helloab" {
		t.Errorf("buffer after write_user: %q, want %q", got, "helloab")
	}
}

// writeUserBuf is the memory TestSelfWriteUser writes to: a global, which
// stays at its address (a local could live on the goroutine's stack,
// which moves when it grows).
var writeUserBuf [8]byte

// override() in a kprobe loads where the kernel has bpf_override_return
// (CONFIG_BPF_KPROBE_OVERRIDE) and is refused with the helper's name
// elsewhere. Attaching needs kprobes and an error-injectable function.
func TestLoadOverride(t *testing.T) {
	requireRoot(t)
	obj := compileLive(t, `kprobe:vfs_read { override(-1); }`)
	l, err := runtime.Load(obj, nil)
	if err == nil {
		defer l.Close()
	}
	if features.HaveProgramHelper(ebpf.Kprobe, asm.FnOverrideReturn) != nil {
		if err == nil || !strings.Contains(err.Error(), "bpf_override_return") {
			t.Fatalf("load without bpf_override_return: %v", err)
		}
		t.Logf("no bpf_override_return here: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
}

// buf() of a string or an array copies the value's bytes: a constant
// length takes a prefix, a run-time one is clamped to the value's size.
func TestSelfBufValues(t *testing.T) {
	expectRun(t, `BEGIN { $a = (uint8[4])0x04030201; $n = 9; printf("%r|%rx|%r|%r\n", buf("ok_key", 6), buf("Hi\0", 3), buf($a), buf("abc", $n)); @[buf("k", 2), 1] = 1; }`,
		`ok_key|\x48\x69\x00|\x01\x02\x03\x04|abc\x00`+"\n\n\n@[k\\x00, 1]: 1\n")
}

// Buffers are equal when their lengths and bytes are, whatever their
// capacities.
func TestSelfBufEquality(t *testing.T) {
	expectRun(t, `BEGIN { $a = buf("hi", 2); $b = buf("bye", 3); printf("%d %d %d %d %d\n", $a == $a, $a != $b, $a == buf("hi", 2), buf("hi", 2) == buf("hiX", 2), $a == buf("hi\0", 3)); }`,
		"1 1 1 1 0\n\n\n")
}

// strstr finds the first occurrence (or -1, 0 for an empty needle),
// str_concat joins strings of any length within their capacities, strcap
// is a string's capacity.
func TestSelfStrstrConcat(t *testing.T) {
	expectRun(t, `BEGIN { $a = "foo"; $b = "barbaz"; $e = ""; $c = str_concat($a, $b); printf("[%s] [%s] [%s] [%s] [%s]\n", $c, str_concat($e, $b), str_concat($a, $e), str_concat("x", $b), str_concat($a, "yz")); printf("%d %d %d %d %d %d %d\n", strstr($c, "bar"), strstr($c, $a), strstr($c, "nope"), strstr($c, $e), strstr($b, "az"), strcap($c), strcap($a)); }`,
		"[foobarbaz] [barbaz] [foo] [xbarbaz] [fooyz]\n3 0 -1 0 4 10 4\n\n\n")
}

// find() copies the value of a present key into the variable and leaves
// it alone for a missing one.
func TestSelfFind(t *testing.T) {
	expectRun(t, `BEGIN { @map[2] = (1, "hello"); @m[1] = 5; let $val; if (find(@map, 2, $val)) { printf("%d %s\n", $val.0, $val.1); } $x = 7; printf("%d %d ", find(@m, 3, $x), $x); printf("%d %d\n", find(@m, 1, $x), $x); clear(@map); clear(@m); }`,
		"1 hello\n0 7 1 5\n\n\n")
}

// memcmp compares values byte by byte: 0 when equal, else the difference
// of the first differing signed bytes; a run-time count stops it early.
func TestSelfMemcmp(t *testing.T) {
	expectRun(t, `BEGIN { $a = "abc"; $b = "abd"; $n = 2; $z = 0; printf("%d %d %d %d %d %d\n", memcmp($a, $b, 3), memcmp($a, $b, 2), memcmp($b, $a, 3), memcmp($a, $b, $n), memcmp((uint32)0x80, (uint32)0x7f, 1), memcmp($a, $b, $z)); }`,
		"-1 0 1 0 -255 0\n\n\n")
}

// debugf() writes to the kernel's trace buffer with bpf_trace_printk:
// the line with a marker unique to this run is found there afterwards.
func TestSelfDebugf(t *testing.T) {
	requireRoot(t)
	marker := "gobpftrace-debugf-" + strconv.Itoa(os.Getpid())
	// Before Linux 5.13 bpf_trace_printk refuses "%%" at run time.
	pct, pctOut := " 100%%", " 100%"
	if !runtime.ReleaseAtLeast(runtime.KernelRelease(), 5, 13) {
		pct, pctOut = "", ""
	}
	runBegin(t, `BEGIN { $s = "str"; debugf("`+marker+` %s %d %x`+pct+`", $s, -3, 255); }`)
	var text []byte
	for _, path := range []string{"/sys/kernel/tracing/trace", "/sys/kernel/debug/tracing/trace"} {
		if b, err := os.ReadFile(path); err == nil {
			text = b
			break
		}
	}
	if text == nil {
		t.Skip("no trace buffer (tracefs is not mounted)")
	}
	if want := marker + " str -3 ff" + pctOut; !strings.Contains(string(text), want) {
		t.Errorf("the trace buffer has no line %q", want)
	}
}

// probetype is the probe's kind, "special" for begin and end.
func TestSelfProbetype(t *testing.T) {
	expectRun(t, `BEGIN { printf("%s %d\n", probetype, probetype() == "special"); } END { @[probetype] = 1; }`,
		"special 1\n\n\n@[special]: 1\n")
}
