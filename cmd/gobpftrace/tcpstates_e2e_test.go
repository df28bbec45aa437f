package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestTcpstates runs the tracepoint tcpstates while a child opens and
// closes a loopback TCP connection: every transition is printed with the
// right addresses and ports. The seed's kprobe tcpstates.bt (with its
// kernel-header #includes) compiles and passes the verifier without
// headers; attaching it explains that kprobes are missing and names the
// tracepoint to use.
func TestTcpstates(t *testing.T) {
	needRoot(t)
	tp, _ := filepath.Abs(filepath.Join(examplesDir, "tcpstates_tp.bt"))
	// Each side acts only once the other side's segments are processed
	// (the kernel's socket states, read from /proc/net/tcp, say so), so the
	// transitions are the textbook ones however busy the machine is
	// (otherwise the client may go FIN_WAIT1 -> CLOSING).
	script := tempFile(t, "tcpconn.py", `import socket, time
def states(port):
    out = set()
    for line in open("/proc/net/tcp").readlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port:
            out.add(int(f[3], 16))
    return out
def wait(port, want, present=True):
    deadline = time.time() + 10
    while (want in states(port)) != present and time.time() < deadline:
        time.sleep(0.01)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
port = s.getsockname()[1]
c = socket.create_connection(("127.0.0.1", port))
cport = c.getsockname()[1]
a, _ = s.accept()
c.close(); wait(cport, 5)  # FIN_WAIT2: the server has acknowledged the FIN
a.close(); wait(cport, 6)  # TIME_WAIT: the client has acknowledged the server's FIN
wait(port, 9, False)       # and the server has left LAST_ACK
s.close()
print("PORT", port)
`)
	r, out := gbtSplit(t, tp, "-c", "/usr/bin/python3 "+script)
	expectCode(t, r, 0)
	m := regexp.MustCompile(`(?m)^PORT (\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("the child did not report its port:\n%s", r.stdout)
	}
	port := m[1]
	row := func(old, new string) string {
		return `(?m)^127\.0\.0\.1 +\d+ +127\.0\.0\.1 +` + port + ` +` + old + ` +-> ` + new + ` *$`
	}
	matchAll(t, "-o output", out,
		`(?m)^LADDR +LPORT +RADDR +RPORT +OLD +-> NEW`,
		`(?m)^127\.0\.0\.1 +`+port+` +0\.0\.0\.0 +0 +CLOSE +-> LISTEN *$`,
		row("CLOSE", "SYN_SENT"),
		row("SYN_SENT", "ESTABLISHED"),
		row("ESTABLISHED", "FIN_WAIT1"),
		row("FIN_WAIT2", "CLOSE"),
		`(?m)^127\.0\.0\.1 +`+port+` +127\.0\.0\.1 +\d+ +LAST_ACK +-> CLOSE *$`)

	kp, _ := filepath.Abs(filepath.Join(examplesDir, "tcpstates.bt"))
	r = gbt(t, "--verify-only", kp)
	expectCode(t, r, 0)
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe/type"); err == nil {
		return // kprobes exist here: attaching would work
	}
	r = gbt(t, kp)
	expectCode(t, r, exitRuntime)
	matchAll(t, "stderr", r.stderr, `kprobes are not available on this kernel`, `(?m)^HINT: use tracepoint:sock:inet_sock_set_state instead$`)
}
