package output

import (
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// JSON output (-f json) is newline-delimited: one object per line, with
// bpftrace's spacing ": " and ", " inside objects. Messages:
//
//	{"type": "attached_probes", "data": {"probes": 1}}
//	{"type": "printf", "data": "hello 5\n"}        (also time, cat, join, syscall)
//	{"type": "value", "data": [1,"a"]}              print(value)
//	{"type": "map", "data": {"@int": {"1": -3, "2": 7}}}
//	{"type": "stats", "data": {"@stats": {"a": {"count": 2, "average": 15, "total": 30}}}}
//	{"type": "hist", "data": {"@h": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 0}]}}
//	{"type": "hist", "data": {"@h": [{"max": -1, "count": 1},{"min": 0, "max": 0, "count": 0}]}}
//	{"type": "lost_events", "count": 3, "data": {"events": 3}}
//	{"type": "helper_error", "msg": "…", "helper": "map_update_elem", "retcode": -7, "filename": …, "line": …, "col": …}
//	{"type": "runtime_error", "msg": "…", "filename": …, "line": …, "col": …}
//	{"type": "errorf", "msg": "…", "filename": …, "line": …, "col": …}   (also warnf)
//	{"type": "benchmark_result", "data": {"a": {"average": 12, "iters": 100000}}}   (results.go)
//	{"type": "test_result", "data": {"ok": {"duration": 120, "passed": true, "output": ""}}}
//
// The encoding follows bpftrace HEAD's src/output/json.cpp value kind by
// value kind: objects are spaced (", " and ": "), arrays (tuples, arrays,
// histogram buckets) are not; integers that a float64 cannot hold exactly
// (beyond 2^53) are quoted decimal strings; pointers and enum values are
// numbers (JSON carries no symbolic values); buf values are arrays of the
// bytes as signed chars; map keys are the text form of the key with the
// parentheses of a tuple and every space removed; avg maps use type
// "stats". Nothing is written between the events and the map dump, and
// maps without entries are skipped. Strings are escaped like HEAD's, except
// that bytes that are not UTF-8 become \ufffd: the output is always valid
// JSON (HEAD passes them through).

// AppendJSONAttached appends the attached_probes message.
func AppendJSONAttached(dst []byte, probes int) []byte {
	dst = append(dst, `{"type": "attached_probes", "count": `...)
	dst = strconv.AppendInt(dst, int64(probes), 10)
	dst = append(dst, `, "data": {"probes": `...)
	dst = strconv.AppendInt(dst, int64(probes), 10)
	return append(dst, "}}\n"...)
}

// AppendJSONText appends a message whose data is a string: kind is
// "printf", "time", "cat", "join" or "syscall".
func AppendJSONText(dst []byte, kind string, text []byte) []byte {
	dst = appendJSONHead(dst, kind)
	dst = appendJSONString(dst, text)
	return append(dst, "}\n"...)
}

// AppendJSONPrintf appends the printf message for one event: the text of
// AppendPrintf as a JSON string. Like AppendPrintf it does not allocate.
func AppendJSONPrintf(dst []byte, pieces []format.Piece, args []Arg, record []byte, r Resolver) []byte {
	dst = appendJSONHead(dst, "printf")
	dst = append(dst, '"')
	start := len(dst)
	dst = AppendPrintf(dst, pieces, args, record, r)
	dst = escapeJSON(dst, start)
	return append(dst, "\"}\n"...)
}

// AppendJSONPrint appends the value message of print(value).
func AppendJSONPrint(dst []byte, t types.Type, b []byte, r Resolver) []byte {
	dst = appendJSONHead(dst, "value")
	dst = AppendJSONValue(dst, t, b, r)
	return append(dst, "}\n"...)
}

// AppendJSONValue appends the JSON form of one value: numbers for
// integers and pointers, true/false, strings for text-like values (strings,
// buffers, symbols, stacks, addresses, probe names, timestamps, strerror),
// arrays for tuples and arrays, objects for records and stats.
func AppendJSONValue(dst []byte, t types.Type, b []byte, r Resolver) []byte {
	switch t := t.(type) {
	case *types.Int:
		return appendJSONNum(dst, readInt(t, b), t.Signed)
	case *types.Bool:
		return appendText(dst, t, b, r, stackIndent)
	case *types.Enum:
		return appendJSONNum(dst, u64(b, 0), true)
	case *types.Pointer, *types.Ctx:
		return appendJSONNum(dst, u64(b, 0), false)
	case *types.Buffer:
		dst = append(dst, '[')
		for i, c := range bufferBytes(t, b) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(int8(c)), 10)
		}
		return append(dst, ']')
	case *types.Tuple:
		dst = append(dst, '[')
		for i, e := range t.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONValue(dst, e, sub(b, t.Offsets[i], e.Size()), r)
		}
		return append(dst, ']')
	case *types.Array:
		dst = append(dst, '[')
		size := t.Elem.Size()
		for i := 0; i < t.Len; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONValue(dst, t.Elem, sub(b, i*size, size), r)
		}
		return append(dst, ']')
	case *types.Record:
		return AppendJSONValue(dst, t.AsStruct(), b, r)
	case *types.Struct:
		dst = append(dst, '{')
		for i, f := range t.Fields {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONString(dst, []byte(f.Name))
			dst = append(dst, ": "...)
			if f.Opaque {
				dst = append(dst, "null"...)
				continue
			}
			if it, ok := f.Type.(*types.Int); ok && f.BitSize > 0 {
				x := bitfield(it, sub(b, f.Offset, it.Size()), f.BitOffset, f.BitSize)
				dst = appendJSONNum(dst, x, it.Signed)
				continue
			}
			dst = AppendJSONValue(dst, f.Type, sub(b, f.Offset, f.Type.Size()), r)
		}
		return append(dst, '}')
	case *types.Agg:
		switch t.Kind {
		case types.Stats:
			count, total := u64(b, 8), u64(b, 0)
			return appendJSONStats(dst, count, average(total, count, t.Signed), total, t.Signed)
		case types.Avg:
			return appendJSONNum(dst, average(u64(b, 0), u64(b, 8), t.Signed), t.Signed)
		}
		return appendJSONNum(dst, u64(b, 0), t.Signed && t.Kind != types.Count)
	case *types.Void:
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	start := len(dst)
	dst = appendText(dst, t, b, r, stackIndent)
	dst = escapeJSON(dst, start)
	return append(dst, '"')
}

// AppendJSONMap appends the message for map m (type "map", "stats" for
// avg/stats maps, "hist" for hist/lhist maps), with print()'s top and div
// applied as in AppendMap. A map without entries appends nothing. A map
// keyed by folded stacks is keyed by folded lines (folded.go).
func AppendJSONMap(dst []byte, m *Map, top, div int, r Resolver) []byte {
	var rows []*row
	var folded []foldedRow
	if hasFoldedStack(m.Key) {
		folded = foldRows(m, top, r)
		if len(folded) == 0 {
			return dst
		}
	} else if rows = sortRows(m, combine(m), top); len(rows) == 0 {
		return dst
	}
	agg, _ := m.Value.(*types.Agg)
	kind := "map"
	if agg != nil {
		switch agg.Kind {
		case types.Avg, types.Stats:
			kind = "stats"
		case types.Hist, types.LHist:
			kind = "hist"
		case types.Tseries:
			kind = "tseries"
		}
	}
	dst = appendJSONHead(dst, kind)
	dst = append(dst, '{')
	dst = appendJSONString(dst, []byte(m.Name))
	dst = append(dst, ": "...)
	switch {
	case m.Key == nil:
		dst = appendJSONRowValue(dst, m.Value, agg, rows[0], div, r)
	case folded != nil:
		dst = append(dst, '{')
		dst = appendJSONFoldedEntries(dst, m, agg, folded, div, r)
		dst = append(dst, '}')
	default:
		dst = append(dst, '{')
		for i := range rows {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONKey(dst, m.Key, rows[i].key, r)
			dst = append(dst, ": "...)
			dst = appendJSONRowValue(dst, m.Value, agg, rows[i], div, r)
		}
		dst = append(dst, '}')
	}
	return append(dst, "}}\n"...)
}

// AppendJSONMapDump appends the JSON messages of every map in name order.
func AppendJSONMapDump(dst []byte, maps []*Map, r Resolver) []byte {
	for _, m := range sortedByName(maps) {
		dst = AppendJSONMap(dst, m, 0, 0, r)
	}
	return dst
}

// appendJSONRowValue renders the combined value of one map row.
func appendJSONRowValue(dst []byte, t types.Type, agg *types.Agg, rw *row, div int, r Resolver) []byte {
	if agg == nil {
		if it, ok := t.(*types.Int); ok {
			return appendJSONNum(dst, divide(readInt(it, rw.raw), div, it.Signed), it.Signed)
		}
		return AppendJSONValue(dst, t, rw.raw, r)
	}
	signed := agg.Signed && agg.Kind != types.Count
	switch agg.Kind {
	case types.Tseries:
		return appendJSONTseries(dst, agg, rw.series)
	case types.Stats:
		return appendJSONStats(dst, rw.count, divide(rw.num, div, signed), rw.total, signed)
	case types.Hist, types.LHist:
		if agg.Kind == types.LHist {
			div = 1
		}
		dst = append(dst, '[')
		first, last := nonZeroRange(rw.buckets)
		for i := first; first >= 0 && i <= last; i++ {
			if i > first {
				dst = append(dst, ',')
			}
			dst = appendJSONBucket(dst, agg, i, divide(rw.buckets[i], div, false))
		}
		return append(dst, ']')
	}
	return appendJSONNum(dst, divide(rw.num, div, signed), signed)
}

func appendJSONStats(dst []byte, count, avg, total uint64, signed bool) []byte {
	dst = append(dst, `{"count": `...)
	dst = appendJSONNum(dst, count, false)
	dst = append(dst, `, "average": `...)
	dst = appendJSONNum(dst, avg, signed)
	dst = append(dst, `, "total": `...)
	dst = appendJSONNum(dst, total, signed)
	return append(dst, '}')
}

// appendJSONHead appends `{"type": "KIND", "data": `.
func appendJSONHead(dst []byte, kind string) []byte {
	dst = append(dst, `{"type": "`...)
	dst = append(dst, kind...)
	return append(dst, `", "data": `...)
}
