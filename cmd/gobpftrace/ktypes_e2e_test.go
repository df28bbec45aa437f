package main

import (
	"testing"
)

// TestTracepointPointerFieldsFromBTF reaches through tracepoint pointer
// fields whose pointee only BTF defines, as naptime.bt does: the
// timespec a child's clock_nanosleep asks for, saved in a map at entry
// and read at exit, both with -> and with '.', and the address family of
// a connect()'s sockaddr.
func TestTracepointPointerFieldsFromBTF(t *testing.T) {
	needRoot(t)
	prog := `tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { @rqtp[tid] = args.rqtp; }
tracepoint:syscalls:sys_exit_clock_nanosleep /pid == cpid && has_key(@rqtp, tid)/ {
	$t = @rqtp[tid];
	printf("slept %d.%03d %d\n", $t.tv_sec, $t->tv_nsec / 1000000, (*$t).tv_sec);
	delete(@rqtp, tid);
}`
	r := gbt(t, "-e", prog, "-c", "/bin/sleep 1.25")
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^slept 1\.250 1$`)

	script := tempFile(t, "conn.py", `import socket
s = socket.socket(socket.AF_INET6)
try:
    s.connect(("::1", 9))
except OSError:
    pass
`)
	r = gbt(t, "-e", `tracepoint:syscalls:sys_enter_connect /pid == cpid/ { printf("family %d\n", args->uservaddr->sa_family); }`,
		"-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^family 10$`)
}

// TestTracepointEnumField prints an enum field of a tracepoint record
// with %s, directly and through a variable: the enumerator's name from
// BTF (a UDP datagram to a closed loopback port is dropped).
func TestTracepointEnumField(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "udp.py", `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", ("127.0.0.1", 9))
`)
	prog := `tracepoint:skb:kfree_skb /pid == cpid/ { $r = args.reason; printf("%d %s %s\n", args.reason, args.reason, $r); exit(); }`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^[0-9]+ (SKB_DROP_REASON_[A-Z0-9_]+) SKB_DROP_REASON_[A-Z0-9_]+$`)
}

// TestMapReadInOwnAssignment: a map read in its own first assignment
// starts at 0, as in bpftrace.
func TestMapReadInOwnAssignment(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `begin { $x = 5; @sum = @sum + $x; @sum = @sum + $x; @k[1] = @k[1] * 2 + 1; exit(); }`)
	expectRun(t, r, 0, "\n\n@k[1]: 1\n@sum: 10\n", "Attached 1 probe\n")
}

// TestVmlinuxIntegerTypedefs casts to and declares with the integer
// typedefs of vmlinux (size_t through typeof, sector_t, u16, pid_t): they
// keep their width.
func TestVmlinuxIntegerTypedefs(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-e", `begin { let $a: typeof(size_t) = 1; $d = (char)1; $s = (sector_t)5; $u = (u16)-1; print(($a, $d, $s, $u, sizeof($a), sizeof($u), sizeof(pid_t))); exit(); }`)
	expectRun(t, r, 0, "(1, 1, 5, 65535, 8, 2, 4)\n\n\n", "Attached 1 probe\n")
}
