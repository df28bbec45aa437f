package check

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestTseriesWarning: with the default unstable_tseries = warn, a script
// using tseries gets one unpositioned warning; enable silences it.
func TestTseriesWarning(t *testing.T) {
	_, info := mustCheck(t, `BEGIN { @a = tseries(1, 1s, 5); @b = tseries(2, 1s, 5); }`, nil)
	if len(info.Warnings) != 1 {
		t.Errorf("warnings %q, want one", info.Warnings)
	}
	a := info.Maps["@a"].Value.(*types.Agg)
	if a.Kind != types.Tseries || a.Interval != 1e9 || a.Intervals != 5 || a.Reduce != "" || !a.Signed {
		t.Errorf("@a: %+v", a)
	}
	_, info = mustCheck(t, `config = { unstable_tseries = enable } BEGIN { @a = tseries((uint32)1, 1s, 5, "max"); }`, nil)
	if len(info.Warnings) != 0 {
		t.Errorf("warnings %q with unstable_tseries = enable", info.Warnings)
	}
	if a := info.Maps["@a"].Value.(*types.Agg); a.Signed || a.Reduce != "max" {
		t.Errorf("@a: %+v", a)
	}
}
