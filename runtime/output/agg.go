package output

import (
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// MapEntry is one raw element of a BPF map as read from the kernel.
type MapEntry struct {
	// Key is the raw BPF key. For hist/lhist maps it is the user key
	// followed by a uint64 bucket index (the last 8 bytes).
	Key []byte
	// Values holds one value per CPU for per-CPU maps (aggregations), or
	// a single value otherwise.
	Values [][]byte
}

// Map is a whole map to print.
type Map struct {
	// Name is the script name, "@" or "@x".
	Name string
	// Key is the user key type; nil for scalar maps.
	Key types.Type
	// Value is the value type; an *types.Agg for aggregations.
	Value types.Type
	// Entries are the raw elements, in any order.
	Entries []MapEntry
}

// row is one map entry after per-CPU combining and histogram grouping.
type row struct {
	key []byte // user key (without the hist bucket index)
	raw []byte // plain (non-aggregation) value
	// num is the combined count/sum/min/max value, or the average for
	// avg/stats (as uint64 bits; signedness comes from the Agg).
	num   uint64
	count uint64 // avg/stats: number of samples
	total uint64 // avg/stats: sum of samples
	// buckets are the hist/lhist counters; sum is their total.
	buckets []uint64
	sum     uint64
	// series are the intervals of a tseries key.
	series []tsPoint
	// ord is the value the row is ordered by (see sort.go).
	ord uint64
}

// combine turns raw entries into rows: per-CPU aggregation slots are merged
// per the layouts in types.Agg, and hist/lhist buckets are grouped by user
// key.
func combine(m *Map) []row {
	agg, _ := m.Value.(*types.Agg)
	if agg != nil && (agg.Kind == types.Hist || agg.Kind == types.LHist) {
		return combineHist(m, agg)
	}
	if agg != nil && agg.Kind == types.Tseries {
		return combineTseries(m, agg)
	}
	rows := make([]row, 0, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		rw := row{key: e.Key}
		if agg == nil {
			if len(e.Values) > 0 {
				rw.raw = e.Values[0]
			}
		} else {
			combineSlots(&rw, agg, e.Values)
		}
		rows = append(rows, rw)
	}
	return rows
}

// combineSlots merges the per-CPU slots of one aggregation value.
func combineSlots(rw *row, agg *types.Agg, slots [][]byte) {
	switch agg.Kind {
	case types.Count, types.Sum:
		for _, s := range slots {
			rw.num += u64(s, 0)
		}
	case types.Min, types.Max:
		set := false
		for _, s := range slots {
			if u64(s, 8) == 0 {
				continue
			}
			x := u64(s, 0)
			if !set || better(x, rw.num, agg) {
				rw.num = x
				set = true
			}
		}
	case types.Avg, types.Stats:
		for _, s := range slots {
			rw.total += u64(s, 0)
			rw.count += u64(s, 8)
		}
		rw.num = average(rw.total, rw.count, agg.Signed)
	}
}

// better reports whether x should replace cur for a min/max aggregation.
func better(x, cur uint64, agg *types.Agg) bool {
	c := compareNum(x, cur, agg.Signed)
	if agg.Kind == types.Min {
		return c < 0
	}
	return c > 0
}

// combineHist groups hist/lhist bucket entries by user key and sums the
// per-CPU counters.
func combineHist(m *Map, agg *types.Agg) []row {
	nb := types.HistBuckets(agg.Bits)
	if agg.Kind == types.LHist {
		nb = LHistBuckets(agg.Min, agg.Max, agg.Step)
	}
	index := make(map[string]int)
	var rows []row
	for i := range m.Entries {
		e := &m.Entries[i]
		if len(e.Key) < 8 {
			continue
		}
		userKey := e.Key[:len(e.Key)-8]
		bucket := u64(e.Key, len(e.Key)-8)
		if bucket >= uint64(nb) {
			continue
		}
		j, ok := index[string(userKey)]
		if !ok {
			j = len(rows)
			index[string(userKey)] = j
			rows = append(rows, row{key: userKey, buckets: make([]uint64, nb)})
		}
		var n uint64
		for _, s := range e.Values {
			n += u64(s, 0)
		}
		rows[j].buckets[bucket] += n
		rows[j].sum += n
	}
	return rows
}

// compareNum compares two 64-bit values as signed or unsigned integers.
func compareNum(a, b uint64, signed bool) int {
	if signed {
		x, y := int64(a), int64(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// divide applies print()'s div argument to a combined value.
func divide(x uint64, div int, signed bool) uint64 {
	if div <= 1 {
		return x
	}
	if signed {
		return uint64(int64(x) / int64(div))
	}
	return x / uint64(div)
}
