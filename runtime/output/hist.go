package output

import (
	"math/bits"
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Histogram bucket conventions. Code generation computes the bucket index
// in the kernel and stores it as the last 8 bytes of the map key; these
// functions are the reference definition.
//
// hist(v): HistBuckets = 66 buckets.
//
//	index 0          v < 0               label "(..., 0)"
//	index 1          v == 0              label "[0]"
//	index 2          v == 1              label "[1]"
//	index i >= 3     2^(i-2) <= v < 2^(i-1)  label "[2^(i-2), 2^(i-1))"
//
// i.e. index = 2 + floor(log2(v)) for v >= 1; the largest, 65, holds
// unsigned values >= 2^63.
//
// lhist(v, min, max, step): LHistBuckets(min, max, step) = n + 2 buckets
// with n = (max-min)/step.
//
//	index 0          v < min             label "(..., min)"
//	index k, 1..n    min+(k-1)*step <= v < min+k*step
//	index n+1        v >= min+n*step     label "[min+n*step, ...)"
//
// i.e. index = 0 if v < min, else min(1 + (v-min)/step, n+1).
const HistBuckets = 66

// HistIndex returns the hist() bucket of a signed value.
func HistIndex(v int64) int {
	if v < 0 {
		return 0
	}
	return HistIndexUnsigned(uint64(v))
}

// HistIndexUnsigned returns the hist() bucket of an unsigned value.
func HistIndexUnsigned(v uint64) int {
	if v == 0 {
		return 1
	}
	return 1 + bits.Len64(v)
}

// HistIndexBits returns the bucket of a signed value in a histogram with
// 2^k buckets per power of two (hist(v, k)): 0 for negative values, v + 1
// below 2^k, then, with l = floor(log2(v)) - k and x the k bits after the
// leading one, ((l + 1) << k) + x + 1.
func HistIndexBits(v int64, k int) int {
	if v < 0 {
		return 0
	}
	mask := uint64(1)<<k - 1
	if uint64(v) <= mask {
		return int(v) + 1
	}
	l := bits.Len64(uint64(v)) - 1 - k
	x := uint64(v) >> uint(l) & mask
	return (l+1)<<k + int(x) + 1
}

// LHistBuckets returns the number of lhist() buckets, n + 2 with
// n = (max-min)/step (2 when step is not positive).
func LHistBuckets(min, max, step int64) int {
	if step <= 0 || max < min {
		return 2
	}
	return int((max-min)/step) + 2
}

// LHistIndex returns the lhist() bucket of v.
func LHistIndex(v, min, max, step int64) int {
	if v < min {
		return 0
	}
	last := LHistBuckets(min, max, step) - 1
	if step <= 0 {
		return last
	}
	k := uint64(v-min) / uint64(step)
	if k >= uint64(last-1) {
		return last
	}
	return 1 + int(k)
}

// Histogram ASCII art geometry: setw(16) left label, setw(8) right count,
// " |", 52-wide bar, "|".
const (
	labelWidth = 16
	countWidth = 8
	barWidth   = 52
)

// appendHistLines renders the histogram lines of one hist/lhist entry:
// buckets from the first to the last non-zero counter (none if all are
// zero). Counts of hist maps are divided by div; lhist counts are not
// (modern bpftrace ignores div for lhist).
func appendHistLines(dst []byte, agg *types.Agg, buckets []uint64, div int) []byte {
	first, last := nonZeroRange(buckets)
	if first < 0 {
		return dst
	}
	if agg.Kind != types.Hist {
		div = 1
	}
	var max uint64
	for i := first; i <= last; i++ {
		if c := divide(buckets[i], div, false); c > max {
			max = c
		}
	}
	for i := first; i <= last; i++ {
		count := divide(buckets[i], div, false)
		start := len(dst)
		dst = appendBucketLabel(dst, agg, i)
		dst = pad(dst, labelWidth-(len(dst)-start))
		var num [20]byte
		digits := strconv.AppendUint(num[:0], count, 10)
		dst = pad(dst, countWidth-len(digits))
		dst = append(dst, digits...)
		dst = append(dst, " |"...)
		n := 0
		if max > 0 {
			// bpftrace computes the bar in single precision.
			n = int(float32(count) / float32(max) * barWidth)
		}
		for j := 0; j < barWidth; j++ {
			if j < n {
				dst = append(dst, '@')
			} else {
				dst = append(dst, ' ')
			}
		}
		dst = append(dst, "|\n"...)
	}
	return dst
}

// nonZeroRange returns the first and last indexes of non-zero counters,
// or -1, -1.
func nonZeroRange(buckets []uint64) (int, int) {
	first, last := -1, -1
	for i, c := range buckets {
		if c != 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// histBound is the exclusive upper bound of hist bucket i with 2^k
// buckets per power of two (bucket i holds [histBound(i-1), histBound(i))),
// as bpftrace labels it: plain for the buckets of single values, else
// with the largest 1024-power suffix (512, 1K, 18K, …, 16E). Its value
// wraps at 2^64, as bpftrace's does.
func histBound(i, k int) (value uint64, text []byte, plain bool) {
	if i <= 2<<k {
		return uint64(i), strconv.AppendInt(nil, int64(i), 10), true
	}
	n := 1 << k
	mant := uint64(n + i&(n-1))
	power := i>>k - 1
	value = mant << uint(power)
	if power >= 64 {
		value = 0
	}
	decade := power / 10
	text = strconv.AppendUint(nil, mant<<uint(power%10), 10)
	if decade > 0 {
		text = append(text, "KMGTPE"[decade-1])
	}
	return value, text, false
}

// appendBucketLabel appends the text label of bucket i.
func appendBucketLabel(dst []byte, agg *types.Agg, i int) []byte {
	if agg.Kind == types.Hist {
		if i == 0 {
			return append(dst, "(..., 0)"...)
		}
		lo, lt, lplain := histBound(i-1, agg.Bits)
		hi, ht, hplain := histBound(i, agg.Bits)
		dst = append(dst, '[')
		dst = append(dst, lt...)
		if lplain && hplain && hi == lo+1 {
			return append(dst, ']')
		}
		dst = append(dst, ", "...)
		dst = append(dst, ht...)
		return append(dst, ')')
	}
	n := LHistBuckets(agg.Min, agg.Max, agg.Step) - 2
	switch {
	case i == 0:
		dst = append(dst, "(..., "...)
		dst = appendLinear(dst, agg.Min, agg.Step)
		return append(dst, ')')
	case i > n:
		dst = append(dst, '[')
		dst = appendLinear(dst, agg.Min+int64(n)*agg.Step, agg.Step)
		return append(dst, ", ...)"...)
	}
	dst = append(dst, '[')
	dst = appendLinear(dst, agg.Min+int64(i-1)*agg.Step, agg.Step)
	dst = append(dst, ", "...)
	dst = appendLinear(dst, agg.Min+int64(i)*agg.Step, agg.Step)
	return append(dst, ')')
}

// appendLinear appends an lhist bound: with a K or M suffix only when the
// step is a multiple of 1024 (so every label of the map can carry one),
// plain decimal otherwise.
func appendLinear(dst []byte, x, step int64) []byte {
	const kilo, mega = 1024, 1024 * 1024
	switch {
	case step%kilo != 0 || x == 0:
	case x%mega == 0:
		return append(strconv.AppendInt(dst, x/mega, 10), 'M')
	case x%kilo == 0:
		return append(strconv.AppendInt(dst, x/kilo, 10), 'K')
	}
	return strconv.AppendInt(dst, x, 10)
}

// appendJSONBucket appends the JSON object of bucket i:
// {"min": lo, "max": hi, "count": n} with closed bounds; the underflow
// bucket has no "min" and the lhist overflow bucket no "max".
func appendJSONBucket(dst []byte, agg *types.Agg, i int, count uint64) []byte {
	dst = append(dst, '{')
	if agg.Kind == types.Hist {
		if i == 0 {
			dst = append(dst, `"max": -1, `...)
		} else {
			lo, _, _ := histBound(i-1, agg.Bits)
			hi, _, _ := histBound(i, agg.Bits)
			dst = appendJSONRange(dst, lo, hi-1)
		}
	} else {
		n := LHistBuckets(agg.Min, agg.Max, agg.Step) - 2
		switch {
		case i == 0:
			dst = append(dst, `"max": `...)
			dst = appendJSONNum(dst, uint64(agg.Min-1), true)
			dst = append(dst, ", "...)
		case i > n:
			dst = append(dst, `"min": `...)
			dst = appendJSONNum(dst, uint64(agg.Min+int64(n)*agg.Step), true)
			dst = append(dst, ", "...)
		default:
			lo := agg.Min + int64(i-1)*agg.Step
			dst = append(dst, `"min": `...)
			dst = appendJSONNum(dst, uint64(lo), true)
			dst = append(dst, `, "max": `...)
			dst = appendJSONNum(dst, uint64(lo+agg.Step-1), true)
			dst = append(dst, ", "...)
		}
	}
	dst = append(dst, `"count": `...)
	dst = strconv.AppendUint(dst, count, 10)
	return append(dst, '}')
}

func appendJSONRange(dst []byte, lo, hi uint64) []byte {
	dst = append(dst, `"min": `...)
	dst = appendJSONNum(dst, lo, false)
	dst = append(dst, `, "max": `...)
	dst = appendJSONNum(dst, hi, true) // HEAD's max is one less than a label, as int64
	return append(dst, ", "...)
}

// pad appends n spaces (nothing when n <= 0).
func pad(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}
