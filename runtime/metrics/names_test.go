package metrics

import (
	"slices"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

func TestLabelNames(t *testing.T) {
	tup := func(n int) types.Type {
		elems := make([]types.Type, n)
		for i := range elems {
			elems[i] = types.Int64
		}
		return types.NewTuple(elems)
	}
	tests := []struct {
		key   types.Type
		names []string
		k     kind
		want  []string
	}{
		{nil, nil, kindGauge, nil},
		{types.Int64, []string{"pid"}, kindGauge, []string{"pid"}},
		{types.Int64, nil, kindGauge, []string{"key0"}},
		{tup(3), []string{"comm", "pid"}, kindCounter, []string{"comm", "pid", "key2"}},
		// Invalid, reserved or repeated names become keyN.
		{tup(3), []string{"__x", "1a", "a-b"}, kindGauge, []string{"key0", "key1", "key2"}},
		{tup(2), []string{"le", "x"}, kindHistogram, []string{"key0", "x"}},
		{tup(2), []string{"le", "x"}, kindGauge, []string{"le", "x"}},
		{types.Int64, []string{"quantile"}, kindSummary, []string{"key0"}},
		{types.Int64, []string{"value"}, kindInfo, []string{"key0"}},
		{tup(2), []string{"pid", "pid"}, kindGauge, []string{"pid", "key1"}},
		// keyN itself taken by another key's name.
		{tup(2), []string{"x-y", "key0"}, kindGauge, []string{"key0_", "key0"}},
	}
	for _, tt := range tests {
		if got := labelNames(tt.key, tt.names, tt.k); !slices.Equal(got, tt.want) {
			t.Errorf("labelNames(%v, %q, %d) = %q, want %q", tt.key, tt.names, tt.k, got, tt.want)
		}
	}
}

func TestFamilyNames(t *testing.T) {
	n := newNamer()
	n.reserve("p_lost_events", kindCounter)
	steps := []struct {
		base string
		k    kind
		want string
	}{
		{"p_x", kindHistogram, "p_x"},
		{"p_x_count", kindGauge, "p_x_count_2"}, // x's _count series
		{"p_x_bucket", kindCounter, "p_x_bucket_2_total"},
		{"p_lost_events", kindGauge, "p_lost_events_2"},
		{"p_c", kindCounter, "p_c_total"},
		{"p_c_total", kindGauge, "p_c_total_2"},
		{"p_c", kindGauge, "p_c_2"}, // OpenMetrics names the counter family p_c
		{"p_s", kindInfo, "p_s_info"},
		{"p_s_info", kindGauge, "p_s_info_2"},
	}
	for _, s := range steps {
		if got := n.family(s.base, s.k); got != s.want {
			t.Errorf("family(%s, %d) = %s, want %s", s.base, s.k, got, s.want)
		}
	}
	for in, want := range map[string]string{"@": "p_map", "@x": "p_x", "@_y": "p__y"} {
		if got := mapBase("p_", in); got != want {
			t.Errorf("mapBase(%q) = %q, want %q", in, got, want)
		}
	}
}
