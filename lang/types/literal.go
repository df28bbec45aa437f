package types

import "math"

// Integer literals are typed as bpftrace HEAD types them: a literal takes
// the smallest signed integer type that holds its value (1 is int8, 1000
// int16), a value above the largest int64 is uint64, and a non-negative
// literal is sign-flexible (Int.Flex). Arithmetic still happens in 64
// bits; the small types show where a value is stored: a variable assigned
// only 1 takes one byte, a tuple (1, 2) two, and sizeof and the
// messages about map keys name them. Storing a wider value promotes the
// variable or map (PromoteInt).

// LiteralInt is the type of the non-negative integer literal v.
func LiteralInt(v uint64) *Int {
	if v > math.MaxInt64 {
		return Uint64
	}
	t := SignedLiteralInt(int64(v))
	return &Int{Bits: t.Bits, Signed: true, Flex: true}
}

// SignedLiteralInt is the type of the integer constant v written with a
// minus sign (or folded from literals): the smallest signed type holding
// it.
func SignedLiteralInt(v int64) *Int {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return Int8
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return Int16
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return Int32
	}
	return Int64
}

// PromoteInt is the integer type that holds the values of both a and b,
// as bpftrace HEAD promotes a variable's or map's type when a value of
// another integer type is stored in it: the larger size when the signs
// agree (or one side is a sign-flexible literal, which takes the other's
// sign), else a signed type large enough for both (int64 at most).
func PromoteInt(a, b *Int) *Int {
	size := max(a.Bits, b.Bits)
	if a.Signed == b.Signed {
		return intOf(size, a.Signed, a.Flex && b.Flex)
	}
	if a.Flex || b.Flex {
		signed := (!a.Flex && a.Signed) || (!b.Flex && b.Signed)
		return intOf(size, signed, false)
	}
	if a.Signed && a.Bits > b.Bits {
		return intOf(a.Bits, true, false)
	}
	if b.Signed && b.Bits > a.Bits {
		return intOf(b.Bits, true, false)
	}
	return intOf(min(size*2, 64), true, false)
}

// intOf returns the integer type of the given size and sign, one of the
// shared values unless it is flexible.
func intOf(bits int, signed, flex bool) *Int {
	if flex {
		return &Int{Bits: bits, Signed: signed, Flex: true}
	}
	for _, t := range []*Int{Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64} {
		if t.Bits == bits && t.Signed == signed {
			return t
		}
	}
	return &Int{Bits: bits, Signed: signed}
}
