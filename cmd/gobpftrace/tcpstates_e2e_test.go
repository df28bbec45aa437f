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
	// The pauses let each side's segments be processed before the other
	// side acts, so the transitions are the textbook ones even on a busy
	// machine (without them the client may go FIN_WAIT1 -> CLOSING).
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
