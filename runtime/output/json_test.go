package output

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// TestGoldenJSONParity covers, message by message and value kind by value
// kind, what bpftrace HEAD's src/output/json.cpp writes differently from
// the text output: quoted integers beyond 2^53, numeric pointers and enum
// values, buf as signed bytes, map keys without parentheses or spaces,
// unspaced histogram buckets, lost_events with count, the runtime error
// messages; plus invalid UTF-8, which must still give valid JSON.
func TestGoldenJSONParity(t *testing.T) {
	var out []byte
	// Integers: exact in a float64 or quoted.
	for _, v := range []uint64{1 << 53, 1<<53 + 1, 1 << 60, ^uint64(0)} {
		out = AppendJSONPrint(out, types.Uint64, u64le(v), nil)
	}
	for _, v := range []int64{-1 << 63, -(1<<53 + 1), -(1 << 53)} {
		out = AppendJSONPrint(out, types.Int64, i64le(v), nil)
	}
	ptr := &types.Pointer{Elem: &types.Void{}}
	out = AppendJSONPrint(out, ptr, u64le(0xffff888012345678), nil)
	out = AppendJSONPrint(out, ptr, u64le(0xffffffff81000000), nil)
	enum := &types.Enum{Name: "e", Names: map[int64]string{2: "TWO"}}
	out = AppendJSONPrint(out, enum, i64le(2), nil)
	buf := &types.Buffer{Cap: 8}
	out = AppendJSONPrint(out, buf, enc(buf, "hi\xff\x00\x80"), nil)
	st := &types.Struct{Kind: "struct", Name: "s", Bytes: 16, Fields: []types.Field{
		{Name: "big", Type: types.Uint64, Offset: 0},
		{Name: "e", Type: enum, Offset: 8},
	}}
	out = AppendJSONPrint(out, st, append(u64le(1<<53+3), i64le(2)...), nil)
	// Strings: invalid UTF-8 bytes become U+FFFD, valid UTF-8 stays.
	pieces, _ := format.Parse("%s|\xfe\n")
	rec := append(make([]byte, 8), enc(str16, "a\xc3\xa9\xc3(\xff")...)
	out = AppendJSONPrintf(out, pieces, []Arg{{str16, 8}}, rec, nil)
	out = AppendJSONText(out, "cat", []byte("\xe2\x82\x28 \x7f\x01"))
	// Maps.
	tk := types.NewTuple([]types.Type{types.NewTuple([]types.Type{types.Int64, types.Int64}), str16})
	out = AppendJSONMapDump(out, []*Map{
		keyed("@big", str16, types.Uint64, "x", uint64(1<<53+1), "y y", uint64(7)),
		keyed("@nested", tk, types.Int64, []any{[]any{1, 2}, "a b"}, 5),
		keyed("@enumkey", enum, types.Int64, uint64(2), 1),
		keyed("@bufkey", buf, types.Int64, "a b\x01", 1),
		keyed("@badkey", str16, types.Int64, "k\xff", 1),
		aggMap("@c", nil, aggCount, []any{nil}, [][][]byte{{u64le(1 << 62), u64le(1)}}),
		aggMap("@st", nil, aggStats, []any{nil}, [][][]byte{{slot2(1<<60, 1), slot2(1, 2)}}),
		aggMap("@c2", str16, aggCount, []any{"a"}, [][][]byte{{u64le(1 << 62), u64le(1 << 62)}}),
		histMap("@h", nil, aggHist, sample{nil, 1}, sample{nil, 3}),
		histMap("@l", nil, lhistAgg(0, 20, 10), sample{nil, -5}, sample{nil, 15}),
	}, nil)
	// Messages without a value.
	out = AppendJSONLost(out, 3)
	loc := SourceLoc{Filename: "stdin", Line: 1, Col: 9}
	out = AppendJSONHelperError(out, "map_update_elem", -7, loc)
	out = AppendJSONMapFull(out, "@m", 3, loc)
	out = AppendJSONRuntimeError(out, "Divide by zero", SourceLoc{Filename: "a\"b.bt", Line: 12, Col: 3})
	out = AppendJSONErrorf(out, false, []byte("bad value 3\n"), loc)
	out = AppendJSONErrorf(out, true, []byte("careful"), loc)
	checkGolden(t, "json_parity", out)
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("invalid JSON: %q", line)
		}
	}
}

// TestJSONNumberExactness checks the boundary of quoting against what
// encoding/json reads back: a number is unquoted exactly when it survives
// the trip through a float64.
func TestJSONNumberExactness(t *testing.T) {
	for _, v := range []uint64{0, 1, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<53 + 2, 1<<63 + 1<<11, 1<<63 + 1, ^uint64(0) - 2047, ^uint64(0)} {
		got := string(appendJSONNum(nil, v, false))
		quoted := strings.HasPrefix(got, `"`)
		if !quoted && !json.Valid([]byte(got)) {
			t.Fatalf("appendJSONNum(%d) = %s: not JSON", v, got)
		}
		f := float64(v)
		if exact := f < 1<<64 && uint64(f) == v; quoted == exact {
			t.Errorf("appendJSONNum(%d) = %s; exact in float64: %v", v, got, exact)
		}
	}
}

// TestEscapeJSONNoAlloc checks that escaping needs no allocation when the
// buffer has room.
func TestEscapeJSONNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() {
		b := append(buf[:0], "q\"\n\xff\xc3\xa9"...)
		escapeJSON(b, 0)
	}); n > 0 {
		t.Errorf("%v allocations", n)
	}
}
