package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestPointerReads reads a child's execve arguments through user pointers:
// argv[i] with constant and variable indexes, *(argv + 1), a byte of the
// file name through a cast (which keeps the user address space) and the
// element distance between two pointers.
func TestPointerReads(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "run.sh", "/bin/echo hello world >/dev/null\n")
	prog := `tracepoint:syscalls:sys_enter_execve /ppid == cpid/ {
	$i = 2;
	printf("%s|%s|%s|%s|%c|%d\n", str(args.argv[0]), str(args.argv[1]), str(args.argv[$i]),
		str(*(args.argv + 1)), *(uint8 *)(args.filename + 5), (args.argv + 3) - args.argv);
}`
	r := gbt(t, "-e", prog, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^/bin/echo\|hello\|world\|hello\|e\|3$`)
}

// TestOffsetofMatchesBTF: offsetof() of a kernel struct member equals the
// offset -lv lists for it, and so does the distance from curtask of
// &curtask->comm, through which str() reads the command name; (*p).field
// reads like p->field.
func TestOffsetofMatchesBTF(t *testing.T) {
	needRoot(t)
	r := gbt(t, "-lv", "struct task_struct")
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^    \S.* comm\[16\];  /\* offset (\d+), size 16 \*/$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no comm member in:\n%s", r.stdout)
	}
	r = gbt(t, "-e", `BEGIN { printf("%d %d %s\n", offsetof(struct task_struct, comm), (uint64)&curtask->comm - (uint64)curtask, str(&curtask->comm)); exit(); }`)
	expectCode(t, r, 0)
	if want := m[1] + " " + m[1] + " gobpftrace\n"; !strings.HasPrefix(r.stdout, want) {
		t.Errorf("offsetof, & and str(&) printed %q, want %q", r.stdout, want)
	}
	r = gbt(t, "-e", `BEGIN { printf("%d %s\n", (*curtask).pid == tid, (*(*curtask).group_leader).comm); exit(); }`)
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "1 gobpftrace\n") {
		t.Errorf("(*p).field printed %q, want \"1 gobpftrace\"", r.stdout)
	}
}

// TestNtopIn6Addr: ntop() of a struct in6_addr member of struct sock
// prints the IPv6 address of a loopback connection, and the last byte of
// its nested u8[16] array, indexed through the pointer, is 1.
func TestNtopIn6Addr(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "v6.py", `import socket, time
s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); s.listen(1)
c = socket.create_connection(("::1", s.getsockname()[1]))
a, _ = s.accept()
time.sleep(0.05)
c.close(); a.close(); s.close()
`)
	prog := `tracepoint:sock:inet_sock_set_state /pid == cpid && args.newstate == 1 && args.family == 10/ {
	$sk = (struct sock *)args.skaddr;
	printf("%s %s %d\n", ntop($sk->__sk_common.skc_v6_daddr), ntop($sk->__sk_common.skc_v6_rcv_saddr),
		$sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8[15]);
}`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^::1 ::1 1$`)
}

// TestArrayMembers indexes array members of tracepoint records with
// constants: raw_syscalls:sys_enter's args[0] of an openat is AT_FDCWD
// and str(uptr(args[1])) is the path, read from user memory; the bytes of
// an IPv4 loopback address are 127 and 1 (255 in its v4-mapped IPv6
// form).
func TestArrayMembers(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "conn.py", `import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname())
a, _ = s.accept()
time.sleep(0.05)
c.close(); a.close(); s.close()
open("/dev/null").close()
`)
	prog := `tracepoint:raw_syscalls:sys_enter /pid == cpid && args.id == 257/ { printf("openat %d %s\n", (int64)args.args[0], str(uptr(args.args[1]))); }
tracepoint:sock:inet_sock_set_state /pid == cpid && args.newstate == 1/ {
	printf("addr %d.%d v6 %d\n", args.saddr[0], args.saddr[3], args.daddr_v6[10]);
}`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^openat -100 /dev/null$`, `(?m)^addr 127\.1 v6 255$`)
}

// TestPointerIncrements is bpftrace's runtime tests "pointers.* pointer
// increment": ++, += and -= on pointer maps and variables move by whole
// elements.
func TestPointerIncrements(t *testing.T) {
	needRoot(t)
	for prog, want := range map[string]string{
		`begin { @=(int8*) 0x32; @+=1; }`:                               "@: 0x33\n",
		`begin { @=(int16*) 0x32; @++; }`:                               "@: 0x34\n",
		`begin { @=(int32*) 0x32; @-=2; }`:                              "@: 0x2a\n",
		`begin { @=(int64*) 0x32; ++@; }`:                               "@: 0x3a\n",
		`begin { $p=(int64*) 0x32; $p++; $p += 2; print($p); exit(); }`: "0x4a\n",
	} {
		r := gbt(t, "-e", prog)
		expectCode(t, r, 0)
		if strings.Trim(r.stdout, "\n") != strings.TrimSuffix(want, "\n") {
			t.Errorf("%s printed %q, want %q", prog, r.stdout, want)
		}
	}
}

// TestArrayVariableIndex indexes array members with variables, in kernel
// memory and in the tracepoint record: the first words of the task's
// mm->saved_auxv are what the process reads from /proc/self/auxv, and
// raw_syscalls:sys_enter's args[$i] of an openat are AT_FDCWD and the
// path.
func TestArrayVariableIndex(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "auxv.py", `import os, struct
w = struct.unpack("4Q", open("/proc/self/auxv", "rb").read(32))
print("py", *w, flush=True)
os.getpid()
`)
	prog := `tracepoint:syscalls:sys_enter_getpid /pid == cpid/ {
	printf("bt");
	$i = 0;
	while ($i < 4) { printf(" %lu", curtask->mm->saved_auxv[$i]); $i++; }
	printf("\n");
}
tracepoint:raw_syscalls:sys_enter /pid == cpid && args.id == 257/ {
	$j = 1;
	printf("openat %d %s\n", (int64)args.args[$j - 1], str(uptr(args.args[$j])));
}`
	r, out := gbtSplit(t, "-q", "-e", prog, "-c", debianPython(t)+" "+script)
	expectCode(t, r, 0)
	py := regexp.MustCompile(`(?m)^py ((\d+ ){3}\d+)$`).FindStringSubmatch(r.stdout)
	if py == nil {
		t.Fatalf("no auxv line from python:\n%v", r)
	}
	matchAll(t, "-o output", out, `^bt `+py[1]+`$`, `^openat -100 /proc/self/auxv$`)
}
