package types

import "testing"

func TestTupleLayout(t *testing.T) {
	for _, c := range []struct {
		elems   []Type
		offsets []int
		size    int
		str     string
	}{
		{[]Type{Int64, &String{Cap: 3}}, []int{0, 8}, 16, "(int64,string[3])"},
		{[]Type{Int8, Int16, Int32}, []int{0, 2, 4}, 8, "(int8,int16,int32)"},
		{[]Type{&String{Cap: 5}, Int64, &Bool{}}, []int{0, 8, 16}, 24, "(string[5],int64,bool)"},
		{[]Type{NewTuple([]Type{Int32, Int8}), Int8}, []int{0, 8}, 12, "((int32,int8),int8)"},
	} {
		tt := NewTuple(c.elems)
		if tt.Size() != c.size || tt.String() != c.str {
			t.Errorf("%s: size %d, want %d (%s)", tt, tt.Size(), c.size, c.str)
		}
		for i, off := range c.offsets {
			if tt.Offsets[i] != off {
				t.Errorf("%s: offset %d = %d, want %d", tt, i, tt.Offsets[i], off)
			}
		}
	}
}

func TestIdentical(t *testing.T) {
	same := [][2]Type{
		{Int64, &Int{Bits: 64, Signed: true}},
		{&String{Cap: 3}, &String{Cap: 64}}, // capacities are ignored
		{NewTuple([]Type{Int64, &String{Cap: 2}}), NewTuple([]Type{Int64, &String{Cap: 9}})},
		{&Agg{Kind: LHist, Min: 0, Max: 10, Step: 1}, &Agg{Kind: LHist, Min: 0, Max: 10, Step: 1}},
		{&Pointer{Elem: Int8}, &Pointer{Elem: Int8, Space: User}},
	}
	for _, p := range same {
		if !Identical(p[0], p[1]) {
			t.Errorf("%s and %s should be identical", p[0], p[1])
		}
	}
	different := [][2]Type{
		{Int64, Uint64},
		{Int32, Int64},
		{&Agg{Kind: Count}, &Agg{Kind: Sum}},
		{&Agg{Kind: LHist, Min: 0, Max: 10, Step: 1}, &Agg{Kind: LHist, Min: 0, Max: 20, Step: 1}},
		{NewTuple([]Type{Int64}), NewTuple([]Type{Int64, Int64})},
		{&String{Cap: 3}, Int64},
	}
	for _, p := range different {
		if Identical(p[0], p[1]) {
			t.Errorf("%s and %s should differ", p[0], p[1])
		}
	}
}

func TestStructFieldThroughAnonymousMembers(t *testing.T) {
	inner := &Struct{Kind: "union", Fields: []Field{{Name: "a", Type: Int32}, {Name: "b", Type: Int64}}, Bytes: 8}
	s := &Struct{Kind: "struct", Name: "s", Bytes: 16, Fields: []Field{
		{Name: "x", Type: Int64},
		{Name: "", Type: inner, Offset: 8},
	}}
	if f, ok := s.Field("x"); !ok || f.Offset != 0 {
		t.Errorf("x: %+v %v", f, ok)
	}
	if f, ok := s.Field("b"); !ok || f.Offset != 8 || f.Type != Int64 {
		t.Errorf("b through the anonymous union: %+v %v", f, ok)
	}
	if _, ok := s.Field("nope"); ok {
		t.Error("found a field that does not exist")
	}
}

func TestSizes(t *testing.T) {
	for _, c := range []struct {
		t    Type
		size int
	}{
		{Int8, 1}, {Uint16, 2}, {Int32, 4}, {Uint64, 8}, {&Bool{}, 1}, {&String{Cap: 64}, 64},
		{&Buffer{Cap: 10}, 14}, {&Pointer{Elem: &Void{}}, 8}, {&Array{Elem: Int16, Len: 5}, 10},
		{&Stack{}, 8}, {&Stack{User: true}, 16}, {&Inet{}, 24}, {&Timestamp{}, 16},
		{&Agg{Kind: Count}, 8}, {&Agg{Kind: Avg}, 16}, {&Agg{Kind: Hist}, 8}, {&Enum{}, 8},
	} {
		if got := c.t.Size(); got != c.size {
			t.Errorf("%s: size %d, want %d", c.t, got, c.size)
		}
	}
	if AlignUp(13, 8) != 16 || AlignUp(16, 8) != 16 || AlignUp(5, 1) != 5 {
		t.Error("AlignUp wrong")
	}
}

func TestStrings(t *testing.T) {
	for _, c := range []struct {
		t    Type
		want string
	}{
		{&Array{Elem: &Array{Elem: Int32, Len: 3}, Len: 2}, "int32[2][3]"},
		{&Array{Elem: &Array{Elem: &Array{Elem: Uint8, Len: 4}, Len: 3}, Len: 2}, "uint8[2][3][4]"},
		{&Array{Elem: &Pointer{Elem: Int8}, Len: 6}, "int8 *[6]"},
		{&Enum{Name: "tcp_state"}, "enum tcp_state"},
		{&Enum{}, "enum"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.t, got, c.want)
		}
	}
}
