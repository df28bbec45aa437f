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
