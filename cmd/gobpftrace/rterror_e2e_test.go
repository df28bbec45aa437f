package main

import (
	"strings"
	"testing"
)

// divZeroMsg is bpftrace HEAD's DIVIDE_BY_ZERO_MSG.
const divZeroMsg = "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result."

// TestDivideByZeroText: a division and a remainder by a zero computed at
// run time give 1 and each print bpftrace HEAD's warning on stderr, with
// the operation's location, source line and underline (TextOutput::
// runtime_error through LOG(WARNING)), through both event channels.
func TestDivideByZeroText(t *testing.T) {
	needRoot(t)
	script := `BEGIN { $x = 0; printf("%d %d\n", 10 / $x, 10 % $x); exit(); }`
	warn := func(cols, underline string) string {
		return "stdin:1:" + cols + ": WARNING: " + divZeroMsg + "\n" + script + "\n" + underline + "\n"
	}
	wantErr := "Attached 1 probe\n" +
		warn("35-42", strings.Repeat(" ", 34)+"~~~~~~~") +
		warn("44-51", strings.Repeat(" ", 43)+"~~~~~~~")
	for _, events := range []string{"ringbuf", "perf"} {
		t.Run(events, func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-e", script}, env: []string{"GOBPFTRACE_EVENTS=" + events}})
			expectRun(t, r, 0, "1 1\n\n\n", wantErr)
		})
	}
}

// TestDivideByZeroJSON: in JSON mode the errors are runtime_error
// messages in the output, in the order they happened, located at the
// start of the operation (a compound assignment's operator), as HEAD's
// JsonOutput::runtime_error writes them.
func TestDivideByZeroJSON(t *testing.T) {
	needRoot(t)
	script := `BEGIN { $x = 0; $y = 10 / $x; printf("%d\n", $y); @m = 5; @m %= $x; exit(); }`
	rterr := func(col string) string {
		return `{"type": "runtime_error", "msg": "` + divZeroMsg + `", "filename": "stdin", "line": 1, "col": ` + col + "}\n"
	}
	want := `{"type": "attached_probes", "count": 1, "data": {"probes": 1}}` + "\n" +
		rterr("22") +
		`{"type": "printf", "data": "1\n"}` + "\n" +
		rterr("62") +
		`{"type": "map", "data": {"@m": 1}}` + "\n"
	for _, events := range []string{"ringbuf", "perf"} {
		t.Run(events, func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-f", "json", "-e", script}, env: []string{"GOBPFTRACE_EVENTS=" + events}})
			expectRun(t, r, 0, want, "")
		})
	}
}

// TestMapFullJSON: in JSON mode, updates refused because a map is full
// are reported in the output as a helper_error message (HEAD's failure of
// map_update_elem with -E2BIG) naming the map and the number of refused
// updates, located at the map's first update; nothing goes to stderr.
func TestMapFullJSON(t *testing.T) {
	needRoot(t)
	script := `BEGIN { $i = 1; @m[$i] = 1; @m[2] = 2; @m[3] = 3; exit(); }`
	want := `{"type": "attached_probes", "count": 1, "data": {"probes": 1}}` + "\n" +
		`{"type": "helper_error", "msg": "Argument list too long", "helper": "map_update_elem", "retcode": -7, "map": "@m", "dropped": 2, "filename": "stdin", "line": 1, "col": 17}` + "\n" +
		`{"type": "map", "data": {"@m": {"1": 1}}}` + "\n"
	for _, events := range []string{"ringbuf", "perf"} {
		t.Run(events, func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-f", "json", "-e", script}, env: []string{"GOBPFTRACE_EVENTS=" + events, "BPFTRACE_MAX_MAP_KEYS=1"}})
			expectRun(t, r, 0, want, "")
		})
	}
}

// TestDivideByZeroEveryTime: as in bpftrace HEAD, every error is
// reported, also thousands from one site (more than the printer holds
// back before writing), with none lost.
func TestDivideByZeroEveryTime(t *testing.T) {
	needRoot(t)
	const n = 1000
	script := `BEGIN { $x = 0; $i = 0; $s = 0; while ($i < 1000) { $s += 10 / $x; $i++; } printf("done %d\n", $s); exit(); }`
	for _, events := range []string{"ringbuf", "perf"} {
		t.Run(events, func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-e", script}, env: []string{"GOBPFTRACE_EVENTS=" + events}})
			expectCode(t, r, 0)
			if got := strings.Count(r.stderr, "WARNING: "+divZeroMsg+"\n"); got != n {
				t.Errorf("%d warnings, want %d", got, n)
			}
			if r.stdout != "done 1000\n\n\n" || strings.Contains(r.stderr, "Lost") {
				t.Errorf("unexpected output:\n%s", r.stdout)
			}
		})
	}
}
