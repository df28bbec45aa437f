package main

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMacaddr adds a static forwarding entry to a bridge in a private
// network namespace: tracepoint:bridge:br_fdb_add sees its char[6]
// address, and macaddr() prints it in upper-case hex in printf, as a map
// key and as a map value, in text and JSON.
func TestMacaddr(t *testing.T) {
	needRoot(t)
	for _, tool := range []string{"ip", "bridge"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s (iproute2) is not installed", tool)
		}
	}
	ns := fmt.Sprintf("gbtmac%d", os.Getpid())
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	// exit() ends tracing at the fdb entry, and the child is stopped
	// then, maybe before it deletes its namespace: each run starts by
	// deleting what a previous one left.
	script := tempFile(t, "fdb.sh", `ip netns del `+ns+` 2>/dev/null
set -e
ip netns add `+ns+`
ip -n `+ns+` link add br0 type bridge
ip -n `+ns+` link add d0 type veth peer name d1
ip -n `+ns+` link set d0 master br0
bridge -n `+ns+` fdb add 02:ab:cd:0e:f0:81 dev d0 master static
ip netns del `+ns+`
`)
	prog := `tracepoint:bridge:br_fdb_add /str(args.dev) == "d0"/ {
	printf("%s %s\n", str(args.dev), macaddr(args.addr));
	@[macaddr(args.addr)] = count();
	@v = macaddr(args.addr);
	exit();
}`
	r := gbt(t, "-e", prog, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^d0 02:AB:CD:0E:F0:81$`,
		`(?m)^@\[02:AB:CD:0E:F0:81\]: 1$`,
		`(?m)^@v: 02:AB:CD:0E:F0:81$`)

	r = gbt(t, "-f", "json", "-e", prog, "-c", "/bin/sh "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^\{"type": "printf", "data": "d0 02:AB:CD:0E:F0:81\\n"\}$`,
		`(?m)^\{"type": "map", "data": \{"@": \{"02:AB:CD:0E:F0:81": 1\}\}\}$`,
		`(?m)^\{"type": "map", "data": \{"@v": "02:AB:CD:0E:F0:81"\}\}$`)
}

// TestMacaddrUserPointer: in a uprobe a cast pointer is a user-space
// pointer, so macaddr() reads the first 6 bytes of getenv()'s argument
// with bpf_probe_read_user.
func TestMacaddrUserPointer(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "getenv.py", "import ctypes\nctypes.CDLL(None).getenv(b'ABCDEFGH')\n")
	r := gbt(t, "-e", `uprobe:libc:getenv /pid == cpid/ { @[macaddr((uint8 *)arg0)] = count(); }`, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^@\[41:42:43:44:45:46\]: 1$`)
}

// TestMacaddrScriptStruct is bpftrace's runtime test "macaddr" with a
// script-defined struct: its char[6] member, reached through a cast
// uprobe argument with . and ->, prints as a MAC address. The predicate
// picks the ctypes call by its bytes (a read of a string page that is not
// yet faulted in yields zeros, so matching on zeros would be flaky).
func TestMacaddrScriptStruct(t *testing.T) {
	needRoot(t)
	script := tempFile(t, "mac.py", `import ctypes, time
class S(ctypes.Structure):
    _fields_ = [('ignore', ctypes.c_char_p), ('mac', ctypes.c_ubyte * 6)]
s = S(None, (ctypes.c_ubyte * 6)(5, 4, 3, 2, 1, 2))
ctypes.CDLL(None).getenv(ctypes.byref(s))
time.sleep(5)
`)
	prog := `struct MyStruct { const char* ignore; char mac[6]; };
uprobe:libc:getenv /pid == cpid && *(uint64 *)(arg0 + 8) == 0x20102030405/ {
	$s = ((struct MyStruct *)arg0);
	printf("P: %s\n", macaddr($s.mac));
	@[macaddr($s->mac)] = 1;
	exit();
}`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `(?m)^P: 05:04:03:02:01:02$`, `(?m)^@\[05:04:03:02:01:02\]: 1$`)
}
