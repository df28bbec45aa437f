package output

import (
	"math"
	"strconv"
	"time"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Time series (tseries maps).
//
// A tseries map's BPF key is the user key followed by a uint64 bucket
// (epoch % intervals), and each per-CPU slot holds the value of the
// latest epoch it saw (types.Agg). Printing follows bpftrace HEAD: each
// bucket is reduced over the CPUs keeping the latest epoch (epoch 0 means
// "never written"), the map's newest epoch fixes the window of the last
// `intervals` epochs, and each key shows the epochs of the window from its
// first value on, "-" where it has none. The text form is a graph, the
// JSON form a list of {"interval_start", "value"} objects.

// tsPoint is one interval of a time series: ok is false when it has no
// value.
type tsPoint struct {
	epoch uint64
	val   uint64
	ok    bool
}

// tseriesZone is the time zone of the text graph's times (the local one;
// tests set UTC).
var tseriesZone = time.Local

// combineTseries groups the buckets of a tseries map by user key and turns
// each key's values into the points of the map's window.
func combineTseries(m *Map, agg *types.Agg) []row {
	index := make(map[string]int)
	var rows []row
	var values []map[uint64]uint64
	for i := range m.Entries {
		e := &m.Entries[i]
		if len(e.Key) < 8 {
			continue
		}
		userKey := e.Key[:len(e.Key)-8]
		j, ok := index[string(userKey)]
		if !ok {
			j = len(rows)
			index[string(userKey)] = j
			rows = append(rows, row{key: userKey})
			values = append(values, map[uint64]uint64{})
		}
		epoch, v := reduceTseries(e.Values, agg)
		if _, dup := values[j][epoch]; !dup {
			values[j][epoch] = v
		}
	}
	if len(rows) == 0 {
		return nil
	}
	var last uint64
	for _, vs := range values {
		for epoch := range vs {
			last = max(last, epoch)
		}
	}
	first := last - uint64(agg.Intervals) + 1 // wraps as in bpftrace
	for j, vs := range values {
		start := last
		for epoch := range vs {
			if epoch >= first {
				start = min(start, epoch)
			}
		}
		for epoch := first; epoch <= last && epoch >= first; epoch++ {
			if epoch >= start {
				v, ok := vs[epoch]
				rows[j].series = append(rows[j].series, tsPoint{epoch, v, ok})
			}
			if epoch == math.MaxUint64 {
				break
			}
		}
	}
	return rows
}

// reduceTseries combines the per-CPU slots of one bucket: the value of the
// latest epoch, reduced over the CPUs that saw it. It returns epoch 0 and
// value 0 for a bucket no CPU wrote.
func reduceTseries(slots [][]byte, agg *types.Agg) (epoch, val uint64) {
	var meta uint64
	found := false
	for _, s := range slots {
		v, m, e := u64(s, tsValueOff), u64(s, tsMetaOff), u64(s, tsEpochOff)
		switch {
		case e == 0 || (found && e < epoch):
			continue
		case !found || e > epoch:
			epoch, val, meta, found = e, v, m, true
			continue
		}
		switch agg.Reduce {
		case "":
			if m > meta { // the most recent value wins
				val, meta = v, m
			}
		case "avg":
			val += v
			meta += m
		case "sum":
			val += v
		case "min":
			if compareNum(v, val, agg.Signed) < 0 {
				val = v
			}
		case "max":
			if compareNum(v, val, agg.Signed) > 0 {
				val = v
			}
		}
	}
	if !found {
		return 0, 0
	}
	if agg.Reduce == "avg" && meta != 0 {
		if agg.Signed {
			val = uint64(int64(val) / int64(meta))
		} else {
			val /= meta
		}
	}
	return epoch, val
}

// Offsets in a tseries slot (codegen's layout).
const (
	tsValueOff = 0
	tsMetaOff  = 8
	tsEpochOff = 16
)

// Text graph geometry, as bpftrace's.
const (
	tsGraphWidth = 53
	tsPadding    = 21
)

// appendTseriesText appends the graph of one time series (without the
// map header line): the bounds, a time axis and one line per interval.
func appendTseriesText(dst []byte, agg *types.Agg, pts []tsPoint) []byte {
	if len(pts) == 0 {
		return append(dst, "<no data>\n"...)
	}
	signed := agg.Signed
	lo, hi := pts[0].val, pts[0].val
	for _, p := range pts {
		if !p.ok {
			continue
		}
		if compareNum(p.val, lo, signed) < 0 {
			lo = p.val
		}
		if compareNum(p.val, hi, signed) > 0 {
			hi = p.val
		}
	}
	if lo == hi {
		// Some room on both sides, without overflowing.
		if signed && int64(lo) > math.MinInt64 || !signed && lo > 0 {
			lo--
		}
		if signed && int64(hi) < math.MaxInt64 || !signed && hi < math.MaxUint64 {
			hi++
		}
	}
	interval := uint64(agg.Interval) * (pts[len(pts)-1].epoch - pts[0].epoch) / uint64(max(len(pts)-1, 1))
	digits, unit := tsUnit(interval)
	timeFmt := "hh:mm:ss"
	timeSize := len(timeFmt)
	if digits > 0 {
		timeFmt += "." + unit
		timeSize += 1 + digits
	}
	num := func(dst []byte, v uint64) []byte {
		if signed {
			return strconv.AppendInt(dst, int64(v), 10)
		}
		return strconv.AppendUint(dst, v, 10)
	}
	bounds := func(dst []byte) []byte {
		start := len(dst)
		dst = num(dst, lo)
		dst = pad(dst, tsPadding-(len(dst)-start))
		var b [20]byte
		h := num(b[:0], hi)
		dst = pad(dst, tsGraphWidth-tsPadding-len(h))
		dst = append(dst, h...)
		return append(dst, '\n')
	}
	dst = pad(dst, timeSize+1)
	dst = bounds(dst)
	dst = append(dst, timeFmt...)
	dst = pad(dst, timeSize+1-len(timeFmt))
	dst = append(dst, '|')
	for range tsGraphWidth - 2 {
		dst = append(dst, '_')
	}
	dst = append(dst, "|\n"...)

	zero := 0
	if signed && int64(lo) < 0 && int64(hi) > 0 {
		zero = int(float32(float32(tsGraphWidth)*float32(tsDistance(0, lo, signed))) / float32(tsDistance(hi, lo, signed)))
	}
	for _, p := range pts {
		dst = appendTseriesTime(dst, uint64(agg.Interval)*p.epoch, digits)
		dst = append(dst, ' ')
		var line [tsGraphWidth]byte
		for i := range line {
			line[i] = ' '
		}
		line[0], line[tsGraphWidth-1] = '|', '|'
		if zero > 0 {
			line[zero] = '.'
		}
		if !p.ok {
			dst = append(dst, line[:]...)
			dst = append(dst, " -\n"...)
			continue
		}
		at := tsGraphWidth / 2
		if lo != hi {
			at = int(float32(float32(tsGraphWidth-1)*float32(tsDistance(p.val, lo, signed))) / float32(tsDistance(hi, lo, signed)))
		}
		line[max(0, min(tsGraphWidth-1, at))] = '*'
		dst = append(dst, line[:]...)
		dst = append(dst, ' ')
		dst = num(dst, p.val)
		dst = append(dst, '\n')
	}
	dst = pad(dst, timeSize+1)
	dst = append(dst, 'v')
	for range tsGraphWidth - 2 {
		dst = append(dst, '_')
	}
	dst = append(dst, "v\n"...)
	dst = pad(dst, timeSize+1)
	return bounds(dst)
}

// tsDistance is a - b as bpftrace computes it for the graph.
func tsDistance(a, b uint64, signed bool) int64 {
	if signed {
		return int64(a) - int64(b)
	}
	return int64(a - b)
}

// tsUnit is the precision of the graph's times for an interval of ns
// nanoseconds: the fraction digits and the unit's name.
func tsUnit(ns uint64) (int, string) {
	switch {
	case ns >= uint64(time.Second):
		return 0, "s"
	case ns >= uint64(time.Millisecond):
		return 3, "ms"
	case ns >= uint64(time.Microsecond):
		return 6, "μs"
	}
	return 9, "ns"
}

// appendTseriesTime appends the time of ns (nanoseconds since the epoch)
// as hh:mm:ss in the local zone, with digits of fraction.
func appendTseriesTime(dst []byte, ns uint64, digits int) []byte {
	t := time.Unix(0, int64(ns)).In(tseriesZone)
	dst = t.AppendFormat(dst, "15:04:05")
	if digits == 0 {
		return dst
	}
	frac := strconv.FormatUint(uint64(t.Nanosecond())+1e9, 10)[1 : 1+digits]
	return append(append(dst, '.'), frac...)
}

// appendJSONTseries appends the JSON list of the intervals with a value:
// {"interval_start":"2006-01-02 15:04:05.000000000","value":N} (UTC), in
// bpftrace's compact form.
func appendJSONTseries(dst []byte, agg *types.Agg, pts []tsPoint) []byte {
	dst = append(dst, '[')
	first := true
	for _, p := range pts {
		if !p.ok {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, `{"interval_start":"`...)
		dst = time.Unix(0, int64(uint64(agg.Interval)*p.epoch)).UTC().AppendFormat(dst, "2006-01-02 15:04:05.000000000")
		dst = append(dst, `","value":`...)
		if agg.Signed {
			dst = strconv.AppendInt(dst, int64(p.val), 10)
		} else {
			dst = strconv.AppendUint(dst, p.val, 10)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}
