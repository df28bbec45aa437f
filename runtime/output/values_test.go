package output

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestAggregateValues checks, byte for byte, the text and JSON forms of
// values of every shape as bpftrace HEAD prints them (runtime tests
// record, struct, array, tuples, json-output): records, structs inside
// tuples, nested arrays, and map keys made of them.
func TestAggregateValues(t *testing.T) {
	xy := types.NewRecord([]string{"x", "y"}, []types.Type{types.Int64, types.Int64})
	rec := types.NewRecord([]string{"a", "b", "c", "d", "e"}, []types.Type{
		types.Int64, types.Int64, &types.String{Cap: 4}, types.NewTuple([]types.Type{types.Int64, types.Int64}), xy,
	})
	recVal := []any{0, 1, "str", []any{5, 6}, []any{1, 2}}
	foo := &types.Struct{Kind: "struct", Name: "Foo", Bytes: 8, Align_: 4, Fields: []types.Field{
		{Name: "m", Type: types.Int32, Offset: 0},
		{Name: "n", Type: types.Int32, Offset: 4},
	}}
	withStruct := types.NewTuple([]types.Type{types.Int64, foo})
	// A union with a floating-point member, which prints as null.
	withFloat := &types.Struct{Kind: "union", Name: "N", Bytes: 8, Align_: 4, Fields: []types.Field{
		{Name: "i", Type: types.Int32},
		{Name: "f", Type: &types.Array{Elem: types.Uint8, Len: 4}, Opaque: true},
	}}
	grid := &types.Array{Elem: &types.Array{Elem: types.Int32, Len: 2}, Len: 2}
	gridVal := []any{[]any{5, 6}, []any{7, 8}}
	cases := []struct {
		t          types.Type
		v          any
		text, json string
	}{
		{rec, recVal, "{ .a = 0, .b = 1, .c = str, .d = (5, 6), .e = { .x = 1, .y = 2 } }",
			`{"a": 0, "b": 1, "c": "str", "d": [5,6], "e": {"x": 1, "y": 2}}`},
		{withStruct, []any{0, []uint64{3<<32 | 2}}, "(0, { .m = 2, .n = 3 })", `[0,{"m": 2, "n": 3}]`},
		{grid, gridVal, "[[5,6],[7,8]]", "[[5,6],[7,8]]"},
		{withFloat, []uint64{5}, "{ .i = 5, .f = null }", `{"i": 5, "f": null}`},
	}
	for _, c := range cases {
		b := enc(c.t, c.v)
		if got := string(AppendValue(nil, c.t, b, nil)); got != c.text {
			t.Errorf("text of %s: got %q, want %q", c.t, got, c.text)
		}
		if got := string(AppendJSONValue(nil, c.t, b, nil)); got != c.json {
			t.Errorf("JSON of %s: got %q, want %q", c.t, got, c.json)
		}
	}
	// Map keys: the text form keeps spaces; JSON strips them and the
	// parentheses of tuples.
	kt := types.NewTuple([]types.Type{xy, types.Int64})
	m := keyed("@s", kt, types.Int64, []any{[]any{2, 3}, 42}, 0)
	if got, want := string(AppendMap(nil, m, 0, 0, nil)), "@s[{ .x = 2, .y = 3 }, 42]: 0\n"; got != want {
		t.Errorf("map text: got %q, want %q", got, want)
	}
	if got, want := string(AppendJSONMap(nil, m, 0, 0, nil)), `{"type": "map", "data": {"@s": {"{.x=2,.y=3},42": 0}}}`+"\n"; got != want {
		t.Errorf("map JSON: got %q, want %q", got, want)
	}
}
