package output

import (
	"math"
	"testing"
	"time"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// The tests in this file rebuild, by hand, the maps and events of the
// scripts in /work/shared/reference/golden-0.17 (NAME.cmd) and compare the
// text with testdata/NAME.golden. Each golden file is the 0.17 NAME.out
// without its first line ("Attaching N probes..." — modern bpftrace prints
// "Attached N probes" on stderr), adjusted for the modern format; every
// adjustment is listed in the comment of the test case. Layout of every
// golden: events, then AppendExitPreamble ("\n\n"), then AppendMapDump.

var (
	aggCount = &types.Agg{Kind: types.Count}
	aggSum   = &types.Agg{Kind: types.Sum, Signed: true}
	aggMin   = &types.Agg{Kind: types.Min, Signed: true}
	aggMax   = &types.Agg{Kind: types.Max, Signed: true}
	aggAvg   = &types.Agg{Kind: types.Avg, Signed: true}
	aggStats = &types.Agg{Kind: types.Stats, Signed: true}
	aggHist  = &types.Agg{Kind: types.Hist, Signed: true}
)

func lhistAgg(min, max, step int64) *types.Agg {
	return &types.Agg{Kind: types.LHist, Signed: true, Min: min, Max: max, Step: step}
}

// run renders events followed by the end-of-run dump of maps.
func run(events []byte, maps ...*Map) []byte {
	out := AppendExitPreamble(events)
	return AppendMapDump(out, maps, testResolver)
}

var testResolver = &fakeResolver{probes: []string{"BEGIN", "END"}}

// printf renders one printf event whose arguments are laid out one after
// the other (naturally aligned) behind an 8-byte record header.
func printf(t *testing.T, fmt string, argTypes []types.Type, vals ...any) []byte {
	t.Helper()
	pieces, err := format.Parse(fmt)
	if err != nil {
		t.Fatal(err)
	}
	record := make([]byte, 8)
	var args []Arg
	for i, at := range argTypes {
		off := types.AlignUp(len(record), at.Align())
		record = append(record, make([]byte, off-len(record))...)
		record = append(record, enc(at, vals[i])...)
		args = append(args, Arg{Type: at, Offset: off})
	}
	return AppendPrintf(nil, pieces, args, record, testResolver)
}

func TestGoldenMapBasic(t *testing.T) {
	// 0.17 printed a blank line after the avg map @av and the stats map
	// @st; modern bpftrace does not.
	ev := printf(t, "hello %d %s\n", []types.Type{types.Int64, str64}, 42, "x")
	out := run(ev,
		scalar("@a", types.Int64, 1),
		aggMap("@av", nil, aggAvg, []any{nil}, [][][]byte{{slot2(10, 1), slot2(21, 1)}}),
		keyed("@b", types.NewTuple([]types.Type{types.Int64, str64}), types.Int64, []any{1, "x"}, 2),
		aggMap("@c", nil, aggCount, []any{nil}, [][][]byte{{u64le(1), u64le(0)}}),
		aggMap("@mn", nil, aggMin, []any{nil}, [][][]byte{{slot2(3, 1), slot2(-2, 1), slot2(-100, 0)}}),
		aggMap("@mx", nil, aggMax, []any{nil}, [][][]byte{{slot2(9, 1), slot2(100, 0)}}),
		aggMap("@s", nil, aggSum, []any{nil}, [][][]byte{{i64le(5), i64le(7)}}),
		aggMap("@st", nil, aggStats, []any{nil}, [][][]byte{{slot2(10, 1), slot2(20, 1)}}),
	)
	checkGolden(t, "map_basic", out)
}

func TestGoldenMapOrder(t *testing.T) {
	// No adjustment.
	out := run(nil,
		scalar("@zeta", types.Int64, 1),
		scalar("@alpha", types.Int64, 2),
		keyed("@", types.Int64, types.Int64, 1, 3),
		scalar("@Mid", types.Int64, 4),
		scalar("@_u", types.Int64, 5),
		keyed("@beta", types.Int64, types.Int64, 1, 6),
	)
	checkGolden(t, "map_order", out)
}

func TestGoldenMapTypes(t *testing.T) {
	// 0.17 printed a blank line after the avg map @avg and the stats map
	// @stats; modern bpftrace does not.
	multi := types.NewTuple([]types.Type{types.Int64, str64})
	tup := types.NewTuple([]types.Type{types.Int64, str64})
	out := run(nil,
		keyed("@int", types.Int64, types.Int64, 1, -3, 2, 7, 3, 0),
		keyed("@str", str64, str64, "b", "two", "a", "one", "c", "three"),
		keyed("@multi", multi, types.Int64, []any{2, "x"}, 1, []any{1, "y"}, 2, []any{1, "a"}, 3),
		keyed("@tup", types.Int64, tup, 1, []any{1, "a"}, 0, []any{2, "b"}),
		aggMap("@cnt", str64, aggCount, []any{"x", "y"}, [][][]byte{{u64le(1), u64le(0)}, {u64le(1), u64le(1)}}),
		aggMap("@sum", str64, aggSum, []any{"a", "b"}, [][][]byte{{i64le(10)}, {i64le(-3)}}),
		aggMap("@min", str64, aggMin, []any{"a", "b"}, [][][]byte{{slot2(5, 1)}, {slot2(-5, 1)}}),
		aggMap("@max", str64, aggMax, []any{"a", "b"}, [][][]byte{{slot2(5, 1)}, {slot2(50, 1)}}),
		aggMap("@avg", str64, aggAvg, []any{"a", "b"}, [][][]byte{{slot2(10, 1), slot2(20, 1)}, {slot2(1, 1), slot2(0, 0)}}),
		aggMap("@stats", str64, aggStats, []any{"a", "b"}, [][][]byte{{slot2(30, 2)}, {slot2(100, 1)}}),
		scalar("@ustr", str64, "hello"),
		keyed("@probe", &types.ProbeName{}, types.Int64, uint64(0), 1),
		keyed("@comm", str16, types.Int64, "bpftrace", 1),
	)
	checkGolden(t, "map_types", out)
}

func TestGoldenMapClearZeroDelete(t *testing.T) {
	// Modern semantics and layout: clear(@b) leaves a keyed map without
	// entries, which prints nothing (0.17: an empty line); clear(@d) on a
	// count map deletes its value (0.17 zeroed it and printed "@d: 0"); the
	// deleted scalar @e prints nothing (0.17: an empty line).
	out := run(nil,
		keyed("@a", types.Int64, types.Int64, 2, 2),
		&Map{Name: "@b", Key: types.Int64, Value: types.Int64},
		keyed("@c", types.Int64, types.Int64, 2, 0, 1, 0),
		&Map{Name: "@d", Value: aggCount},
		&Map{Name: "@e", Value: types.Int64},
	)
	checkGolden(t, "map_clear_zero_delete", out)
}

func TestGoldenPrintMapTopDiv(t *testing.T) {
	// No adjustment.
	m := keyed("@", types.Int64, types.Int64, 1, 10, 2, 20, 3, 5, 4, 40)
	s := scalar("@s", types.Int64, 5)
	var ev []byte
	ev = AppendMap(ev, m, 0, 0, testResolver)
	ev = AppendMap(ev, m, 2, 0, testResolver)
	ev = AppendMap(ev, m, 2, 10, testResolver)
	ev = AppendMap(ev, s, 0, 0, testResolver)
	checkGolden(t, "print_map_top_div", run(ev, m, s))
}

func TestGoldenHist(t *testing.T) {
	// Header "@h:" (0.17: "@h: " with a trailing space). 0.17 truncated
	// hist input to 32 bits and counted 5000000000 in [2G, 4G); modern
	// bpftrace counts it in [4G, 8G), so [2G, 4G) shows 0 and a [4G, 8G)
	// line follows.
	var s []sample
	for _, v := range []int64{-1, 0, 0, 1, 2, 3, 5, 8, 100, 1000, 1024, 1500000, 5000000000, 5000000000, 5000000000} {
		s = append(s, sample{nil, v})
	}
	checkGolden(t, "hist", run(nil, histMap("@h", nil, aggHist, s...)))
}

func TestGoldenHistKeys(t *testing.T) {
	// Headers "@lat[k]:" without the 0.17 trailing space.
	m := histMap("@lat", str64, aggHist,
		sample{"read", 10}, sample{"read", 12}, sample{"write", 1000},
		sample{"a", 64}, sample{"a", 64}, sample{"a", 64})
	checkGolden(t, "hist_keys", run(nil, m))
}

func TestGoldenLHist(t *testing.T) {
	// Header "@l:" without the 0.17 trailing space.
	agg := lhistAgg(0, 100, 10)
	var s []sample
	for _, v := range []int64{-5, 0, 15, 15, 55, 100, 1000} {
		s = append(s, sample{nil, v})
	}
	checkGolden(t, "lhist", run(nil, histMap("@l", nil, agg, s...)))
}

func TestGoldenLHistKMKeys(t *testing.T) {
	// Headers without the 0.17 trailing space. Labels unchanged: K/M
	// suffixes appear because both steps (1024, 1048576) are multiples of
	// 1024.
	out := run(nil,
		histMap("@a", nil, lhistAgg(1024, 4096, 1024), sample{nil, 2048}),
		histMap("@b", nil, lhistAgg(0, 4194304, 1048576), sample{nil, 2097152}),
		histMap("@c", types.Int64, lhistAgg(0, 10, 1),
			sample{1, 3}, sample{1, 5}, sample{2, 7}, sample{2, 7}, sample{2, 7}),
	)
	checkGolden(t, "lhist_km_keys", out)
}

func TestGoldenEmptyHistLHistStats(t *testing.T) {
	// clear() leaves the maps without entries: modern bpftrace prints
	// nothing for them (0.17: one empty line per hist/lhist map, two for
	// the stats map). Only the "\n\n" preamble remains.
	out := run(nil,
		&Map{Name: "@h", Value: aggHist},
		&Map{Name: "@l", Value: lhistAgg(0, 10, 1)},
		&Map{Name: "@s", Value: aggStats},
	)
	checkGolden(t, "empty_hist_lhist_stats", out)
}

func TestGoldenPrintTopHistAvg(t *testing.T) {
	// Headers "@h[3]:" without the trailing space; no blank line after the
	// avg map printed by print(@a, 1, 10); the cleared maps print nothing
	// at exit (0.17: one empty line for @h, two for @a).
	h := histMap("@h", types.Int64, aggHist,
		sample{1, 10}, sample{2, 10}, sample{2, 10}, sample{3, 100}, sample{3, 100}, sample{3, 100})
	a := aggMap("@a", str64, aggAvg, []any{"x", "y"}, [][][]byte{{slot2(100, 1)}, {slot2(200, 1)}})
	var ev []byte
	ev = AppendMap(ev, h, 1, 0, testResolver)
	ev = AppendMap(ev, h, 1, 3, testResolver)
	ev = AppendMap(ev, a, 1, 10, testResolver)
	checkGolden(t, "print_top_hist_avg", run(ev, &Map{Name: "@a", Key: str64, Value: aggAvg}, &Map{Name: "@h", Key: types.Int64, Value: aggHist}))
}

func TestGoldenPrintValues(t *testing.T) {
	// print(kaddr("vfs_read") > 0) is a bool in modern bpftrace and prints
	// "true" (0.17: "1").
	var ev []byte
	pr := func(t types.Type, v any) {
		ev = AppendValue(ev, t, enc(t, v), testResolver)
		ev = append(ev, '\n')
	}
	pr(types.Int64, 123)
	pr(types.Int64, -5)
	pr(types.NewTuple([]types.Type{types.Int64, str64}), []any{1, "string"})
	pr(str16, "bpftrace")
	pr(str64, "abc")
	pr(types.Uint8, 7)
	pr(&types.Bool{}, true)
	checkGolden(t, "print_values", run(ev))
}

func TestGoldenTuple(t *testing.T) {
	// `pid > 0` is a bool in modern bpftrace: "(true, x, 3)" (0.17:
	// "(1, x, 3)").
	ev := printf(t, "%d %s\n", []types.Type{types.Int64, str64}, 2, "string")
	t3 := types.NewTuple([]types.Type{types.Int64, types.Int64, str64})
	ev = AppendValue(ev, t3, enc(t3, []any{1, 2, "string"}), nil)
	ev = append(ev, '\n')
	pair := types.NewTuple([]types.Type{types.Int64, types.Int64})
	mixed := types.NewTuple([]types.Type{types.Int64, str64})
	nested := types.NewTuple([]types.Type{pair, mixed})
	ev = AppendValue(ev, nested, enc(nested, []any{[]any{1, 2}, []any{3, "x"}}), nil)
	ev = append(ev, '\n')
	tk := types.NewTuple([]types.Type{&types.Bool{}, str64, types.Int64})
	out := run(ev,
		scalar("@t", mixed, []any{1, "a"}),
		keyed("@tk", types.Int64, tk, 1, []any{true, "x", 3}),
	)
	checkGolden(t, "tuple", out)
}

func TestGoldenJSONAll(t *testing.T) {
	// Modern JSON: no bare "\n\n" lines between the events and the map
	// objects (0.17 leaked the text-mode preamble).
	var out []byte
	out = AppendJSONAttached(out, 1)
	pieces, _ := format.Parse("hello %d\n")
	rec := append(make([]byte, 8), i64le(5)...)
	out = AppendJSONPrintf(out, pieces, []Arg{{Type: types.Int64, Offset: 8}}, rec, nil)
	out = AppendJSONPrint(out, types.Int64, i64le(123), nil)
	tup := types.NewTuple([]types.Type{types.Int64, str64})
	out = AppendJSONPrint(out, tup, enc(tup, []any{1, "a"}), nil)
	out = AppendJSONPrint(out, str64, enc(str64, "str"), nil)
	out = AppendJSONText(out, "time", []byte("2026\n"))
	lh := lhistAgg(0, 100, 10)
	out = AppendJSONMapDump(out, []*Map{
		scalar("@scalar", types.Int64, 1),
		keyed("@int", types.Int64, types.Int64, 1, -3, 2, 7),
		keyed("@str", str64, str64, "b", "two"),
		keyed("@multi", types.NewTuple([]types.Type{types.Int64, str64}), types.Int64, []any{2, "x"}, 1),
		keyed("@tup", types.Int64, tup, 1, []any{1, "a"}),
		aggMap("@cnt", str64, aggCount, []any{"x"}, [][][]byte{{u64le(1)}}),
		aggMap("@avg", nil, aggAvg, []any{nil}, [][][]byte{{slot2(10, 1)}}),
		aggMap("@stats", str64, aggStats, []any{"a"}, [][][]byte{{slot2(10, 1), slot2(20, 1)}}),
		histMap("@h", nil, aggHist, sample{nil, 5}, sample{nil, 100}, sample{nil, -1}),
		histMap("@hk", str64, aggHist, sample{"k", 3}),
		histMap("@l", nil, lh, sample{nil, 15}, sample{nil, -1}, sample{nil, 200}),
	}, nil)
	checkGolden(t, "json_all", out)
}

func TestGoldenKstackPrintfMap(t *testing.T) {
	// No adjustment (golden-0.17/kstack_printf_map: stacks in printf are
	// indented by 8 spaces, in map keys by 4, perf mode uses TAB + hex).
	r := &fakeResolver{
		ksyms: map[uint64]string{0xffffffff81400000: "vfs_read"},
		stacks: map[uint64][]Frame{7: {
			{Addr: 0xffffffff814c254b, Sym: "perf_syscall_enter+475"},
			{Addr: 0xffffffff81423c90, Sym: "syscall_trace_enter+384"},
			{Addr: 0xffffffff81000000, Sym: "do_syscall_64+1"},
		}},
	}
	k2 := &types.Stack{Limit: 2}
	kperf := &types.Stack{Limit: 2, Mode: types.StackPerf}
	var ev []byte
	for _, st := range []*types.Stack{k2, kperf} {
		pieces, _ := format.Parse("[%s]\n")
		rec := append(make([]byte, 8), u64le(7)...)
		ev = AppendPrintf(ev, pieces, []Arg{{Type: st, Offset: 8}}, rec, r)
	}
	out := AppendExitPreamble(ev)
	out = AppendMapDump(out, []*Map{
		aggMap("@", kperf, aggCount, []any{uint64(7)}, [][][]byte{{u64le(2), u64le(1)}}),
		aggMap("@b", k2, aggCount, []any{uint64(7)}, [][][]byte{{u64le(3)}}),
		aggMap("@k", &types.Symbol{}, aggCount, []any{uint64(0xffffffff81400000)}, [][][]byte{{u64le(3)}}),
	}, r)
	checkGolden(t, "kstack_printf_map", out)
}

func TestGoldenUstackMap(t *testing.T) {
	// No adjustment (golden-0.17/ustack_map: unresolved user frames).
	r := &fakeResolver{stacks: map[uint64][]Frame{3: {{Addr: 0x7f92bf81a4e0}, {Addr: 0x94bc20}}}}
	key := []uint64{3, 1234} // stack id, pid
	out := AppendExitPreamble(nil)
	out = AppendMapDump(out, []*Map{
		aggMap("@", &types.Stack{User: true}, aggCount, []any{key}, [][][]byte{{u64le(3)}}),
		aggMap("@p", &types.Stack{User: true, Mode: types.StackPerf, Limit: 2}, aggCount, []any{key}, [][][]byte{{u64le(3)}}),
	}, r)
	checkGolden(t, "ustack_map", out)
}

func TestGoldenHistBits(t *testing.T) {
	// hist(v, k): 2^k buckets per power of two, single values up to
	// 2^(k+1), then ranges labelled with 1024-power suffixes; text and
	// JSON as bpftrace HEAD.
	agg := &types.Agg{Kind: types.Hist, Signed: true, Bits: 3}
	var s []sample
	for v := int64(0); v < 40; v++ {
		s = append(s, sample{nil, v})
	}
	for _, v := range []int64{-5, 1000, 1100, 1 << 20, 5000000000, math.MaxInt64} {
		s = append(s, sample{nil, v})
	}
	m := histMap("@h", nil, agg, s...)
	small := histMap("@s", nil, &types.Agg{Kind: types.Hist, Bits: 1}, sample{nil, 0}, sample{nil, 3}, sample{nil, 5})
	out := run(nil, m, small)
	out = AppendJSONMapDump(out, []*Map{m, small}, testResolver)
	checkGolden(t, "hist_bits", out)
}

// TestHistIndexBits: bucket indexes of hist(v, k) against their bounds.
func TestHistIndexBits(t *testing.T) {
	for k := 0; k <= 5; k++ {
		for _, v := range []int64{0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 100, 1000, 1 << 40, math.MaxInt64} {
			i := HistIndexBits(v, k)
			lo, _, _ := histBound(i-1, k)
			hi, _, _ := histBound(i, k)
			if uint64(v) < lo || (hi != 0 && uint64(v) >= hi) {
				t.Errorf("k=%d v=%d: bucket %d is [%d, %d)", k, v, i, lo, hi)
			}
			if i >= types.HistBuckets(k) {
				t.Errorf("k=%d v=%d: bucket %d beyond %d buckets", k, v, i, types.HistBuckets(k))
			}
		}
		if got := HistIndexBits(-1, k); got != 0 {
			t.Errorf("k=%d: negative value in bucket %d", k, got)
		}
		if k == 0 && HistIndexBits(1000, 0) != HistIndex(1000) {
			t.Errorf("HistIndexBits(1000, 0) != HistIndex(1000)")
		}
	}
}

// tsSlot is one per-CPU tseries slot: value, meta, epoch.
func tsSlot(v int64, meta, epoch uint64) []byte {
	return append(append(i64le(v), u64le(meta)...), u64le(epoch)...)
}

// tsEntry is the entry of bucket epoch%n of user key key (nil: scalar).
func tsEntry(key []byte, n int64, epoch uint64, slots ...[]byte) MapEntry {
	if key == nil {
		key = u64le(0)
	}
	return MapEntry{Key: append(append([]byte(nil), key...), u64le(epoch%uint64(n))...), Values: slots}
}

func TestGoldenTseries(t *testing.T) {
	// bpftrace HEAD's graphs (tests/runtime/outputs/tseries_*.txt): the
	// window is the newest epoch's last n intervals; keys start at their
	// first value; "-" marks an interval without one; a '.' marks zero
	// between negative and positive bounds; epoch 0 is "never written".
	defer func(z *time.Location) { tseriesZone = z }(tseriesZone)
	tseriesZone = time.UTC
	zig := &types.Agg{Kind: types.Tseries, Signed: true, Interval: 100e6, Intervals: 8}
	z := &Map{Name: "@", Value: zig}
	for i, v := range []int64{-5, -3, 0, 2, 5, 1, -1, -4} {
		z.Entries = append(z.Entries, tsEntry(nil, 8, uint64(i+1), tsSlot(v, uint64(i), uint64(i+1)), tsSlot(0, 0, 0)))
	}
	multi := &types.Agg{Kind: types.Tseries, Signed: true, Interval: 100e6, Intervals: 10}
	k := &Map{Name: "@a", Key: str64, Value: multi}
	for e := uint64(0); e < 5; e++ {
		k.Entries = append(k.Entries, tsEntry(enc(str64, "one"), 10, e, tsSlot(5, 1, e)))
		k.Entries = append(k.Entries, tsEntry(enc(str64, "two"), 10, e+5, tsSlot(4, 1, e+5)))
	}
	// Per-CPU combining: avg over the CPUs of the latest epoch (an older
	// epoch's CPU is left out); the last value with the latest time.
	avg := &types.Agg{Kind: types.Tseries, Interval: 1e9, Intervals: 3, Reduce: "avg"}
	p := &Map{Name: "@avg", Value: avg, Entries: []MapEntry{
		tsEntry(nil, 3, 1000, tsSlot(10, 2, 1000), tsSlot(30, 2, 1000), tsSlot(99, 1, 997)),
		tsEntry(nil, 3, 1002, tsSlot(7, 1, 1002)),
	}}
	last := &types.Agg{Kind: types.Tseries, Interval: 1e9, Intervals: 2}
	l := &Map{Name: "@last", Value: last, Entries: []MapEntry{
		tsEntry(nil, 2, 3000, tsSlot(1, 50, 3000), tsSlot(2, 70, 3000), tsSlot(3, 60, 3000)),
		tsEntry(nil, 2, 3001, tsSlot(4, 10, 3001), tsSlot(0, 0, 0)),
	}}
	empty := &Map{Name: "@zeroed", Value: last, Entries: []MapEntry{tsEntry(nil, 2, 0, tsSlot(0, 0, 0))}}
	maps := []*Map{z, k, p, l, empty}
	out := run(nil, maps...)
	out = AppendJSONMapDump(out, maps, testResolver)
	checkGolden(t, "tseries", out)
}
