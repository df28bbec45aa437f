package output

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// printedLines renders rows the way AppendMap prints non-histogram maps,
// so that Rows can be compared with print() line by line.
func printedLines(m *Map, rows []Row) string {
	var b strings.Builder
	for _, rw := range rows {
		b.WriteString(m.Name)
		if rw.Key != nil {
			b.WriteString("[" + strings.Join(rw.Key, ", ") + "]")
		}
		b.WriteString(": ")
		switch rw.Value.Kind {
		case ValueText:
			b.WriteString(rw.Value.Text)
		case ValueStats:
			b.Write(appendStats(nil, rw.Value.Count, rw.Value.Num, rw.Value.Total, rw.Value.Signed))
		default:
			b.Write(appendNum(nil, rw.Value.Num, rw.Value.Signed))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestRowsMatchPrint(t *testing.T) {
	key := types.NewTuple([]types.Type{types.Int32, str16})
	r := &fakeResolver{stacks: map[uint64][]Frame{1: {{Sym: "f+1"}, {Sym: "g+2"}}}, probes: []string{"kprobe:f"}}
	maps := []*Map{
		keyed("@t", key, types.Int64, []any{2, "b"}, 1, []any{-1, "z"}, 1, []any{2, "a"}, 1, []any{1, "a"}, 0),
		keyed("@s", types.Uint64, str16, uint64(10), "x", uint64(9), "y\"\\"),
		keyed("@tup", types.Int64, key, 1, []any{3, "c"}),
		aggMap("@st", types.Int64, aggStats, []any{1, 2}, [][][]byte{{slot2(100, 2)}, {slot2(-30, 1)}}),
		aggMap("@av", str16, aggAvg, []any{"a", "b"}, [][][]byte{{slot2(7, 2), slot2(2, 1)}, {slot2(-4, 1)}}),
		aggMap("@c", nil, aggCount, []any{nil}, [][][]byte{{u64le(1), u64le(4)}}),
		aggMap("@mx", types.NewTuple([]types.Type{&types.ProbeName{}, types.Int64}), aggMax, []any{[]any{uint64(0), 5}}, [][][]byte{{slot2(9, 1), slot2(100, 0)}}),
	}
	for _, m := range maps {
		rows, total := Rows(m, 0, r)
		if total != len(rows) {
			t.Errorf("%s: total %d, %d rows", m.Name, total, len(rows))
		}
		want := string(AppendMap(nil, m, 0, 0, r))
		if got := printedLines(m, rows); got != want {
			t.Errorf("%s: rows print as\n%swant\n%s", m.Name, got, want)
		}
	}
}

func TestRowsValues(t *testing.T) {
	// A tuple key splits into its elements; a nested tuple stays whole.
	key := types.NewTuple([]types.Type{str16, types.NewTuple([]types.Type{types.Int8, types.Int8})})
	m := keyed("@", key, types.Int32, []any{"a", []any{-1, 2}}, -5)
	rows, _ := Rows(m, 0, nil)
	want := Row{Key: []string{"a", "(-1, 2)"}, Value: RowValue{Kind: ValueInt, Signed: true, Num: uint64(math.MaxUint64 - 4)}}
	if len(rows) != 1 || !slices.Equal(rows[0].Key, want.Key) || rows[0].Value.Kind != want.Value.Kind || rows[0].Value.Float() != -5 {
		t.Errorf("tuple key: %+v, want %+v", rows, want)
	}
	// avg keeps its samples; stats too.
	avg := aggMap("@a", nil, aggAvg, []any{nil}, [][][]byte{{slot2(-7, 2), slot2(2, 1)}})
	rows, _ = Rows(avg, 0, nil)
	if v := rows[0].Value; v.Kind != ValueAvg || v.Float() != -1 || v.Count != 3 || v.TotalFloat() != -5 || rows[0].Key != nil {
		t.Errorf("avg: %+v", rows[0])
	}
	// A stack key keeps print()'s newlines and indentation.
	r := &fakeResolver{stacks: map[uint64][]Frame{1: {{Sym: "f+1"}, {Sym: "g+2"}}}}
	st := aggMap("@k", &types.Stack{}, aggCount, []any{uint64(1)}, [][][]byte{{u64le(3)}})
	rows, _ = Rows(st, 0, r)
	if got := rows[0].Key[0]; got != "\n    f+1\n    g+2\n" {
		t.Errorf("stack key %q", got)
	}
	// top keeps the largest, as print(@m, top) does; total counts all.
	c := aggMap("@c", types.Int64, aggCount, []any{1, 2, 3}, [][][]byte{{u64le(30)}, {u64le(10)}, {u64le(20)}})
	rows, total := Rows(c, 2, nil)
	if total != 3 || len(rows) != 2 || rows[0].Key[0] != "3" || rows[1].Key[0] != "1" || rows[1].Value.Num != 30 {
		t.Errorf("top 2: total %d, %+v", total, rows)
	}
}

func TestRowsHist(t *testing.T) {
	h := histMap("@h", str16, aggHist, sample{"a", 0}, sample{"a", 5}, sample{"a", 7}, sample{"a", -3}, sample{"b", 1 << 40})
	rows, _ := Rows(h, 0, nil)
	if len(rows) != 2 || rows[0].Key[0] != "b" || rows[1].Key[0] != "a" {
		t.Fatalf("hist rows %+v", rows)
	}
	a := rows[1].Value
	if a.Kind != ValueHist || len(a.Buckets) != types.HistBuckets(0) {
		t.Fatalf("hist value %+v", a)
	}
	bounds := HistBounds(aggHist)
	nonZero := map[Bounds]uint64{}
	for i, n := range a.Buckets {
		if n != 0 {
			nonZero[bounds[i]] = n
		}
	}
	want := map[Bounds]uint64{{math.Inf(-1), -1}: 1, {0, 0}: 1, {4, 7}: 2}
	if len(nonZero) != len(want) {
		t.Errorf("buckets %v, want %v", nonZero, want)
	}
	for b, n := range want {
		if nonZero[b] != n {
			t.Errorf("bucket %v: %d, want %d", b, nonZero[b], n)
		}
	}
	if last := bounds[len(bounds)-1]; last.Lo != 1<<63 || last.Hi != math.MaxUint64 {
		t.Errorf("last hist bucket %v", last)
	}
	// hist(v, 2): four buckets per power of two.
	b2 := HistBounds(&types.Agg{Kind: types.Hist, Bits: 2})
	if b2[5] != (Bounds{4, 4}) || b2[6] != (Bounds{5, 5}) || b2[9] != (Bounds{8, 9}) {
		t.Errorf("hist(v, 2) bounds %v", b2[:12])
	}
	// lhist(v, 0, 100, 10): under, ten ranges, over.
	lb := HistBounds(&types.Agg{Kind: types.LHist, Min: 0, Max: 100, Step: 10})
	if len(lb) != 12 || lb[0] != (Bounds{math.Inf(-1), -1}) || lb[1] != (Bounds{0, 9}) || lb[10] != (Bounds{90, 99}) || lb[11] != (Bounds{100, math.Inf(1)}) {
		t.Errorf("lhist bounds %v", lb)
	}
}

func TestRowsTseries(t *testing.T) {
	// A tseries row is the value of its newest interval that has one:
	// "one" has values in epochs 1001 and 1002, "two" only in 1001.
	agg := &types.Agg{Kind: types.Tseries, Signed: true, Interval: 1e9, Intervals: 4}
	m := &Map{Name: "@ts", Key: str64, Value: agg, Entries: []MapEntry{
		tsEntry(enc(str64, "one"), 4, 1001, tsSlot(-3, 1, 1001)),
		tsEntry(enc(str64, "one"), 4, 1002, tsSlot(8, 1, 1002)),
		tsEntry(enc(str64, "two"), 4, 1001, tsSlot(-5, 1, 1001)),
	}}
	rows, _ := Rows(m, 0, nil)
	got := map[string]float64{}
	for _, rw := range rows {
		if rw.Value.Kind != ValueInt {
			t.Errorf("%v: kind %d", rw.Key, rw.Value.Kind)
		}
		got[rw.Key[0]] = rw.Value.Float()
	}
	if len(got) != 2 || got["one"] != 8 || got["two"] != -5 {
		t.Errorf("tseries rows %v", got)
	}
}
