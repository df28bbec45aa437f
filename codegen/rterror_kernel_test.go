//go:build linux

package codegen_test

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// TestDivideByZeroRuntime runs divisions and remainders by a zero computed
// at run time, in expressions (also inside printf arguments, while the
// printf record is being built), in compound assignments to variables and
// to maps: each gives 1, as in bpftrace, and sends one runtime error event
// naming the operation; divisions by non-zero values are unaffected. Both
// event channels are tried.
func TestDivideByZeroRuntime(t *testing.T) {
	script := `BEGIN {
	$x = 0;
	printf("%d %d\n", 10 / $x, 10 % $x);
	$y = 5; $y /= $x; @y = $y;
	@m = 7; @m %= $x;
	$z = -7; $two = $x + 2;
	printf("%d %d\n", $z / $two, $z % $two);
	@u = (uint64)10 / (uint64)$x;
}`
	wantSites := []string{"10 / $x", "10 % $x", "/= $x", "%= $x", "(uint64)10 / (uint64)$x"}
	for _, ch := range []codegen.EventChannel{codegen.RingBufChannel, codegen.PerfChannel} {
		t.Run(ch.String(), func(t *testing.T) {
			var r *run
			withEvents(ch, func() { r = runScript(t, script) })
			if want := "1 1\n-3 -1\n"; r.events != want {
				t.Errorf("printf output %q, want %q", r.events, want)
			}
			for _, want := range []string{"@m: 1\n", "@y: 1\n", "@u: 1\n"} {
				if !strings.Contains(r.maps, want) {
					t.Errorf("maps lack %q:\n%s", want, r.maps)
				}
			}
			var sites []string
			for _, ev := range r.rterrs {
				if ev.Error != codegen.RuntimeDivideByZero {
					t.Errorf("runtime error %d, want divide by zero", ev.Error)
				}
				sites = append(sites, script[ev.Span.Start:ev.Span.End])
			}
			if strings.Join(sites, "|") != strings.Join(wantSites, "|") {
				t.Errorf("runtime errors at %q, want %q", sites, wantSites)
			}
		})
	}
}

// liveHelperErrors makes compileLive compile with Options.HelperErrors.
var liveHelperErrors bool

// TestHelperErrorsRuntime runs failed reads and reads of absent map keys
// with and without -k (Options.HelperErrors): with it, each sends one
// helper error naming the helper at its expression, and the values read
// as zero either way; without it nothing is sent.
func TestHelperErrorsRuntime(t *testing.T) {
	script := `BEGIN { @m[1] = 5; $p = (int32 *)8; printf("%d %d %d %s|\n", @m[2], @m[1], *$p, str(16)); }`
	for _, on := range []bool{false, true} {
		liveHelperErrors = on
		r := runScript(t, script)
		liveHelperErrors = false
		if want := "0 5 0 |\n"; r.events != want {
			t.Errorf("-k %v: output %q, want %q", on, r.events, want)
		}
		var got []string
		for _, ev := range r.rterrs {
			if ev.Error != codegen.RuntimeHelperError {
				t.Errorf("runtime error %d, want a helper error", ev.Error)
			}
			got = append(got, ev.Helper+" at "+script[ev.Span.Start:ev.Span.End])
		}
		var want []string
		if on {
			want = []string{"map_lookup_elem at @m[2]", "probe_read_kernel at *$p", "probe_read_kernel_str at str(16)"}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("-k %v: helper errors %q, want %q", on, got, want)
		}
	}
}

// TestExitStopsProbes: after exit() the script's programs do nothing (a
// later BEGIN neither changes a map nor prints), END still runs; every
// program but END checks the flag, which the runtime also sets to stop
// the probes (runtime.Loaded.Quiesce).
func TestExitStopsProbes(t *testing.T) {
	r := runScript(t, `BEGIN { @n = 1; exit(); } BEGIN { @n = 2; printf("late\n"); } END { @e = 3; }`)
	if r.events != "" || !strings.Contains(r.maps, "@n: 1\n") || !strings.Contains(r.maps, "@e: 3\n") {
		t.Errorf("events %q, maps %q: want no events, @n 1 and @e 3", r.events, r.maps)
	}
	obj := compileLive(t, `BEGIN { @n = 1; } END { @n = 2; }`)
	for _, p := range obj.Programs {
		reads := false
		for _, ins := range p.Insns {
			if ins.Reference() == codegen.StateMap {
				reads = true
			}
		}
		if want := p.Name != "end"; reads != want {
			t.Errorf("%s reads the state map: %v, want %v (only END does not check the flag)", p.Name, reads, want)
		}
	}
}
