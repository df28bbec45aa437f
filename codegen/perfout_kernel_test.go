//go:build linux

package codegen_test

import (
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// liveState are the golden constructs that print kernel state (a per-CPU
// counter of whichever CPU runs the program): both channels load them,
// but their outputs are not comparable.
var liveState = map[string]bool{"percpu_kaddr": true}

// wallClock matches the times tseries prints.
var wallClock = regexp.MustCompile(`\b\d\d:\d\d:\d\d\.\d{9}\b`)

// liveEvents is the event channel compileLive compiles for.
var liveEvents = codegen.RingBufChannel

// withEvents runs f with compileLive compiling for ch.
func withEvents(ch codegen.EventChannel, f func()) {
	defer func(old codegen.EventChannel) { liveEvents = old }(liveEvents)
	liveEvents = ch
	f()
}

// TestPerfChannelGoldenConstructs compiles every per-construct golden
// script for the perf buffer fallback and loads it through the verifier;
// where the test printer knows every event kind, it runs the BEGIN and END
// programs and checks that the output is the ring buffer's.
func TestPerfChannelGoldenConstructs(t *testing.T) {
	requireRoot(t)
	for _, c := range codegen.GoldenCases {
		t.Run(c.Name, func(t *testing.T) {
			var obj *codegen.Object
			withEvents(codegen.PerfChannel, func() { obj = compileConstruct(t, c.Src) })
			if obj == nil {
				return
			}
			load(t, obj)
			if liveState[c.Name] {
				return // its values are the kernel's, different in each run
			}
			for _, ev := range obj.Events {
				if ev.Kind >= codegen.EventTime && ev.Kind != codegen.EventRuntimeError {
					// runScript prints only the kinds up to exit; the
					// others are compared end to end in cmd/gobpftrace.
					return
				}
			}
			// pid, tid and curtask read the thread that runs the
			// programs: both runs use the same one.
			goruntime.LockOSThread()
			defer goruntime.UnlockOSThread()
			ring := runScript(t, c.Src)
			var perf *run
			withEvents(codegen.PerfChannel, func() { perf = runScript(t, c.Src) })
			// tseries prints its buckets' wall-clock times, which differ
			// between the two runs.
			if wallClock.ReplaceAllString(perf.stdout, "hh:mm:ss") != wallClock.ReplaceAllString(ring.stdout, "hh:mm:ss") || perf.code != ring.code || perf.exited != ring.exited {
				t.Errorf("perf channel:\n%s(exit %v %d)\nring buffer:\n%s(exit %v %d)",
					perf.stdout, perf.exited, perf.code, ring.stdout, ring.exited, ring.code)
			}
		})
	}
}

// TestPerfChannelEvents runs the event records the test printer knows
// through the perf buffer fallback, from programs with their records on
// the stack and in the scratch area, and compares the output with the
// ring buffer's: printf with strings and numbers, print of values and
// maps, clear, zero and exit with a code. (time, join and cat are covered
// end to end in cmd/gobpftrace.)
func TestPerfChannelEvents(t *testing.T) {
	requireRoot(t)
	script := `BEGIN {
	printf("%s %d %x|%-8s|\n", "hello", -42, 255, "pad");
	printf("%d\n", 1);
	@a = 1; @b[7, "k"] = 2; @h = hist(5); @c = count();
	print(123); print((1, "two")); print(@b); print(@h);
	clear(@a); zero(@c);
	printf("%s %s %s\n", "a long string argument", "and another one", "and a third");
	exit(3);
}
END { printf("end\n"); }`
	ring := runScript(t, script)
	var perf *run
	withEvents(codegen.PerfChannel, func() { perf = runScript(t, script) })
	if perf.stdout != ring.stdout || perf.code != 3 || ring.code != 3 {
		t.Errorf("perf channel:\n%s(exit %d)\nring buffer:\n%s(exit %d)", perf.stdout, perf.code, ring.stdout, ring.code)
	}
	if !strings.Contains(ring.stdout, "hello -42 ff|pad     |") {
		t.Errorf("unexpected output:\n%s", ring.stdout)
	}
}
