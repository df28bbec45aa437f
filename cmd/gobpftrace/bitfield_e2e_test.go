package main

import (
	"net"
	"strconv"
	"testing"
)

// TestBitfields reads BTF bitfields through a cast tracepoint pointer:
// struct tcp_sock's nonagle:4 is TCP_NAGLE_OFF|TCP_NAGLE_PUSH (5) on the
// client that set TCP_NODELAY and 0 on the accepted socket, and the
// neighbouring single-bit field in the same byte reads as 0 or 1. The
// connection is picked by its port, not by pid: the accepted socket's
// transition runs in softirq context, which a loaded kernel may defer to
// ksoftirqd.
func TestBitfields(t *testing.T) {
	needRoot(t)
	port := freeTCPPort(t)
	script := tempFile(t, "nodelay.py", `import socket, time
s = socket.socket(); s.bind(("127.0.0.1", `+port+`)); s.listen(1)
c = socket.socket(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.connect(s.getsockname())
a, _ = s.accept()
time.sleep(0.05)
c.close(); a.close(); s.close()
`)
	prog := `tracepoint:sock:inet_sock_set_state /(args.sport == ` + port + ` || args.dport == ` + port + `) && args.protocol == 6 && args.newstate == 1/ {
	$t = (struct tcp_sock *)args.skaddr;
	printf("%d nonagle=%d limited=%d\n", args.oldstate, $t->nonagle, $t->rate_app_limited);
}`
	r := gbt(t, "-e", prog, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout,
		`(?m)^2 nonagle=5 limited=[01]$`, // SYN_SENT -> ESTABLISHED: the client
		`(?m)^3 nonagle=0 limited=[01]$`) // SYN_RECV -> ESTABLISHED: the accepted socket
}

// freeTCPPort returns a loopback TCP port that was free a moment ago.
func freeTCPPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
