package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// The tests of this file need kprobes, which the development machine's
// kernel lacks: they skip there, and run in the kernel matrix's guests
// (cmd/kernels, make kernels), where GOBPFTRACE_GUEST=1 turns a skip into
// a failure.

// needKprobes skips t on a kernel without kprobes, except in a guest.
func needKprobes(t *testing.T) {
	t.Helper()
	needRoot(t)
	if !kprobesMissing() {
		return
	}
	if os.Getenv("GOBPFTRACE_GUEST") == "1" {
		t.Fatal("this guest's kernel has no kprobes, yet every kernel of the matrix has them")
	}
	t.Skip("this kernel has no kprobes (CONFIG_KPROBES is not set); the test runs in make kernels' guests")
}

// TestGuestKprobeChildNanosleep: a kprobe one-liner filtered on cpid sees
// the -c child's nanosleep, with the child's pid and comm.
func TestGuestKprobeChildNanosleep(t *testing.T) {
	needKprobes(t)
	r, out := gbtSplit(t, "-e", `kprobe:hrtimer_nanosleep /pid == cpid/ { printf("nanosleep pid=%d cpid=%d comm=%s\n", pid, cpid, comm); }`,
		"-c", "/bin/sleep 0.2")
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^nanosleep pid=(\d+) cpid=(\d+) comm=sleep$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no nanosleep line of the child:\n%s\n%v", out, r)
	}
	if m[1] != m[2] || m[1] == "0" {
		t.Errorf("pid %s is not the child's %s", m[1], m[2])
	}
}

// TestGuestKretprobeRetval: kretprobe:vfs_read's retval is the number of
// bytes the child read: dd reads one 4321-byte block of a larger file.
func TestGuestKretprobeRetval(t *testing.T) {
	needKprobes(t)
	data := make([]byte, 10000)
	in := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, out := gbtSplit(t, "-e", `kretprobe:vfs_read /pid == cpid/ { @[retval] = count(); }`,
		"-c", "/bin/dd if="+in+" of=/dev/null bs=4321 count=1 status=none")
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^@\[4321\]: (\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no read of 4321 bytes in the child's vfs_read return values:\n%s\n%v", out, r)
	}
	if n, _ := strconv.Atoi(m[1]); n != 1 {
		t.Errorf("%d reads returned 4321, want 1:\n%s", n, out)
	}
}

// TestGuestTcpstatesKprobe runs the seed tcpstates.bt verbatim (kprobe on
// tcp_set_state, kernel struct sock from BTF) while a child connects over
// loopback: the client's transitions are printed with its addresses and
// the server's port.
func TestGuestTcpstatesKprobe(t *testing.T) {
	needKprobes(t)
	kp, _ := filepath.Abs(filepath.Join(examplesDir, "tcpstates.bt"))
	script := tempFile(t, "tcpconn.py", `import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
port = s.getsockname()[1]
c = socket.create_connection(("127.0.0.1", port))
a, _ = s.accept()
c.close(); time.sleep(0.05)
a.close(); time.sleep(0.05)
s.close()
print("PORT", port)
`)
	r, out := gbtSplit(t, kp, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^PORT (\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("the child did not report its port:\n%v", r)
	}
	row := func(old, new string) string {
		return `^127\.0\.0\.1 +\d+ +127\.0\.0\.1 +` + m[1] + ` +` + old + ` +-> ` + new + ` *$`
	}
	matchAll(t, "-o output", out,
		`^LADDR +LPORT +RADDR +RPORT +OLD +-> NEW`,
		row("CLOSE", "SYN_SENT"),
		row("SYN_SENT", "ESTABLISHED"),
		row("ESTABLISHED", "FIN_WAIT1"))
}
