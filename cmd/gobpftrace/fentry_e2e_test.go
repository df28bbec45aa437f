package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inGuest reports whether the tests run in a kernel matrix guest
// (GOBPFTRACE_GUEST=1, set by the guest's init): there, a facility the
// kernel supports may not be skipped.
func inGuest() bool { return os.Getenv("GOBPFTRACE_GUEST") == "1" }

// trampolinesMissingMsg is the error of a kernel that cannot run fentry
// and fexit programs.
const trampolinesMissingMsg = "BPF trampolines (fentry/fexit) are not available on this kernel"

// skipWithoutTrampolines skips a test whose run r failed because the
// kernel cannot run fentry/fexit (as on the development machine); in a
// guest, whose kernels all have trampolines, that is a failure.
func skipWithoutTrampolines(t *testing.T, r toolResult) {
	t.Helper()
	if !strings.Contains(r.stderr, trampolinesMissingMsg) {
		return
	}
	if inGuest() {
		t.Fatalf("GOBPFTRACE_GUEST=1: this kernel must run fentry/fexit:\n%s", r)
	}
	t.Skipf("this kernel refuses BPF tracing programs (fentry/fexit); run in a guest (make vm KERNEL=6.1 CMD='go test ./cmd/gobpftrace -run Fentry'):\n%s", r.stderr)
}

// fentryReadCount is the read size the tests' child uses: vfs_read's
// count argument, and its return value reading /dev/zero.
const fentryReadCount = "4321"

// TestFentryArgsByName: fentry reads a function argument by its BTF name
// (args.count, args->count), with the kfunc alias and a module-qualified
// spelling, for a -c child's read of 4321 bytes.
func TestFentryArgsByName(t *testing.T) {
	needRoot(t)
	for _, probe := range []string{"fentry:vfs_read", "kfunc:vmlinux:vfs_read"} {
		r := gbt(t, "-c", "dd if=/dev/zero of=/dev/null bs="+fentryReadCount+" count=1",
			"-e", probe+` /pid == cpid && args.count == `+fentryReadCount+`/ { printf("count=%d arrow=%d probe=%s\n", args.count, args->count, probe); exit(); }`)
		skipWithoutTrampolines(t, r)
		expectCode(t, r, 0)
		matchAll(t, "stdout", r.stdout, `(?m)^count=4321 arrow=4321 probe=fentry:vmlinux:vfs_read$`)
	}
}

// TestFentryNanosleep: the brief's one-liner, fentry:do_nanosleep with
// the sleep mode by name (HRTIMER_MODE_REL, 1, for a relative sleep).
func TestFentryNanosleep(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-c", "sleep 0.1", "-e", `fentry:do_nanosleep /pid == cpid/ { printf("mode=%d\n", args.mode); exit(); }`)
	skipWithoutTrampolines(t, r)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^mode=1$`)
}

// TestFexitRetval: fexit has the arguments and the return value, typed
// from the prototype (ssize_t), as retval and args.retval.
func TestFexitRetval(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-c", "dd if=/dev/zero of=/dev/null bs="+fentryReadCount+" count=1",
		"-e", `kretfunc:vfs_read /pid == cpid && args.count == `+fentryReadCount+`/ { printf("ret=%d args.retval=%d count=%d\n", retval, args.retval, args.count); exit(); }`)
	skipWithoutTrampolines(t, r)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^ret=4321 args.retval=4321 count=4321$`)
}

// TestFentrySocketCookie: socket_cookie() of fentry:tcp_close's socket is
// the cookie the closing child read from its own socket (SO_COOKIE), which
// it writes to a file (not to the output the tracer shares with it).
// Before Linux 5.12 the kernel refuses the helper in tracing programs,
// and the error says so.
func TestFentrySocketCookie(t *testing.T) {
	needRoot(t)
	out := filepath.Join(t.TempDir(), "cookie")
	child := tempFile(t, "cookie.py", `import socket, struct, sys
s = socket.socket()
c = struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, 57, 8))[0]  # SO_COOKIE
open(sys.argv[1], "w").write(str(c))
s.close()
`)
	r := gbt(t, "-c", "/usr/bin/python3 "+child+" "+out,
		"-e", `fentry:tcp_close /pid == cpid/ { printf("cookie=%d\n", socket_cookie(args.sk)); exit(); }`)
	skipWithoutTrampolines(t, r)
	if strings.Contains(r.stderr, "this kernel lacks the helper bpf_get_socket_cookie") && !kernelAtLeast(t, 5, 12) {
		t.Skipf("tracing programs call bpf_get_socket_cookie from Linux 5.12; before, the error names the helper (checked):\n%s", r.stderr)
	}
	expectCode(t, r, 0)
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if w := string(want); w == "" || w == "0" {
		t.Fatalf("the child read the cookie %q", w)
	}
	matchAll(t, "stdout", r.stdout, `(?m)^cookie=`+string(want)+`$`)
}

// TestFentryWildcard: a wildcard attaches one program per matching
// function; func and probe name the one that fired.
func TestFentryWildcard(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-c", "dd if=/dev/zero of=/dev/null bs="+fentryReadCount+" count=1",
		"-e", `fentry:vfs_rea? /pid == cpid/ { @[func, probe] = count(); }`)
	skipWithoutTrampolines(t, r)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@\[vfs_read, fentry:vmlinux:vfs_read\]: \d+$`)
}

// TestFentryUnavailable: on a kernel that refuses BPF tracing programs,
// fentry and fexit fail with one error naming the facility, at the probe,
// with kprobes (and the tracepoint for the same event) as alternatives.
func TestFentryUnavailable(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-c", "true", "-e", `BEGIN { } fexit:do_nanosleep { @ = count(); }`)
	if !strings.Contains(r.stderr, trampolinesMissingMsg) {
		t.Skip("this kernel runs fentry/fexit; the unavailable path cannot be exercised")
	}
	if inGuest() {
		t.Fatalf("GOBPFTRACE_GUEST=1: the guest kernels have BPF trampolines:\n%s", r)
	}
	expectCode(t, r, exitRuntime)
	matchAll(t, "stderr", r.stderr,
		`\Astdin:1:11-29: ERROR: cannot attach fexit:vmlinux:do_nanosleep: BPF trampolines \(fentry/fexit\) are not available on this kernel \(the kernel refused to load a BPF tracing program for do_nanosleep: [^)]+\)\n`,
		`(?m)^HINT: use kretprobe:do_nanosleep instead$`,
		`(?m)^HINT: use tracepoint:syscalls:sys_enter_clock_nanosleep instead$`)
	if n := strings.Count(r.stderr, "ERROR"); n != 1 {
		t.Errorf("want one error, got %d:\n%s", n, r.stderr)
	}
	oneScreen(t, r)
}

// TestListFentry: -l and -lv for fentry/fexit (parameters from BTF, fexit
// with its retval) and kprobes (parameters as argN, kretprobe's retval),
// as bpftrace lists them.
func TestListFentry(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		if inGuest() {
			t.Fatal("GOBPFTRACE_GUEST=1: the guest kernels have BTF")
		}
		t.Skip("no kernel BTF")
	}
	r := gbt(t, "-lv", "fentry:vfs_read")
	expectRun(t, r, 0, "fentry:vmlinux:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n", "")
	r = gbt(t, "-lv", "kretfunc:vfs_read")
	expectRun(t, r, 0, "fexit:vmlinux:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n    ssize_t retval\n", "")
	r = gbt(t, "-l", "fentry:vfs_rea*")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^fentry:vmlinux:vfs_read$`, `(?m)^fentry:vmlinux:vfs_readv$`)
	noMatch(t, "stdout", r.stdout, `(?m)^fentry:vmlinux:vfs_write$`)
	r = gbt(t, "-lv", "kprobe:vfs_read")
	expectRun(t, r, 0, "kprobe:vfs_read\n    struct file * arg0\n    char * arg1\n    size_t arg2\n    loff_t * arg3\n", "")
	r = gbt(t, "-lv", "kretprobe:vfs_read")
	expectRun(t, r, 0, "kretprobe:vfs_read\n    ssize_t retval\n", "")
}
