package main

// End-to-end checks of tseries: BPFTRACE_DUMMY_TS_MAP makes the clock a
// map the script advances, so the graph is deterministic (as in
// bpftrace's own tests of tseries).

import "testing"

// tseriesProg records n % 10 every 10 ms of dummy time for one second into
// a tseries of 5 intervals of 100 ms with reduction red.
func tseriesProg(red string) string {
	return `BEGIN { @ts = (uint64)0; $i = (uint64)0; while ($i < 100) { @a = tseries($i % 10, 100ms, 5` + red + `); @ts += 10ms; $i++; } delete(@ts); exit(); }`
}

func TestTseriesGraph(t *testing.T) {
	needRoot(t)
	t.Parallel()
	env := []string{"BPFTRACE_DUMMY_TS_MAP=@ts", "TZ=UTC"}
	mid := "|                         *                         |"
	for _, c := range []struct{ red, lo, hi, v, line string }{
		{"", "8", "10", "9", mid},
		{`, "min"`, "0", "1", "0", "*                                                   |"}, // unsigned: no room below 0
		{`, "max"`, "8", "10", "9", mid},
		{`, "avg"`, "3", "5", "4", mid},
		{`, "sum"`, "44", "46", "45", mid},
	} {
		r := runTool(t, invocation{args: []string{"-q", "-e", tseriesProg(c.red)}, env: env})
		want := "\n\n@a:\n" +
			"             " + c.lo + spaces(53-len(c.lo)-len(c.hi)) + c.hi + "\n" +
			"hh:mm:ss.ms  |___________________________________________________|\n"
		for _, ts := range []string{"500", "600", "700", "800", "900"} {
			want += "00:00:00." + ts + " " + c.line + " " + c.v + "\n"
		}
		want += "             v___________________________________________________v\n" +
			"             " + c.lo + spaces(53-len(c.lo)-len(c.hi)) + c.hi + "\n\n"
		expectRun(t, r, 0, want, "WARNING: Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable\n")
	}
	r := runTool(t, invocation{args: []string{"-q", "-f", "json", "-e", `config = { unstable_tseries = enable }` + tseriesProg(`, "max"`)}, env: env})
	expectRun(t, r, 0, `{"type": "tseries", "data": {"@a": [`+
		`{"interval_start":"1970-01-01 00:00:00.500000000","value":9},{"interval_start":"1970-01-01 00:00:00.600000000","value":9},`+
		`{"interval_start":"1970-01-01 00:00:00.700000000","value":9},{"interval_start":"1970-01-01 00:00:00.800000000","value":9},`+
		`{"interval_start":"1970-01-01 00:00:00.900000000","value":9}]}}`+"\n", "")
}

// TestTseriesRealClock: without the dummy clock, the interval is the
// current one of the TAI clock (today's date in JSON).
func TestTseriesRealClock(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := gbt(t, "-q", "-f", "json", "-e", `config = { unstable_tseries = enable } BEGIN { @a[1] = tseries(7, 1s, 3); exit(); }`)
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^\{"type": "tseries", "data": \{"@a": \{"1": \[\{"interval_start":"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.000000000","value":7\}\]\}\}\}\n$`)
}

func spaces(n int) string {
	b := make([]byte, max(n, 0))
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}
