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
//	{"type": "lost_events", "data": {"events": 3}}
//
// Tuples and arrays are unspaced arrays ([1,"a"]); map keys are strings
// (multi-keys joined by ","); avg maps use type "stats". Nothing is written
// between the events and the map dump, and maps without entries are
// skipped.

// AppendJSONAttached appends the attached_probes message.
func AppendJSONAttached(dst []byte, probes int) []byte {
	dst = append(dst, `{"type": "attached_probes", "count": `...)
	dst = strconv.AppendInt(dst, int64(probes), 10)
	dst = append(dst, `, "data": {"probes": `...)
	dst = strconv.AppendInt(dst, int64(probes), 10)
	return append(dst, "}}\n"...)
}

// AppendJSONLost appends the lost_events message.
func AppendJSONLost(dst []byte, events uint64) []byte {
	dst = append(dst, `{"type": "lost_events", "data": {"events": `...)
	dst = strconv.AppendUint(dst, events, 10)
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
	case *types.Int, *types.Bool:
		return appendText(dst, t, b, r, stackIndent)
	case *types.Pointer, *types.Ctx:
		return strconv.AppendUint(dst, u64(b, 0), 10)
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
	case *types.Struct:
		dst = append(dst, '{')
		for i, f := range t.Fields {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONString(dst, []byte(f.Name))
			dst = append(dst, ": "...)
			if it, ok := f.Type.(*types.Int); ok && f.BitSize > 0 {
				x := bitfield(it, sub(b, f.Offset, it.Size()), f.BitOffset, f.BitSize)
				dst = appendNum(dst, x, it.Signed)
				continue
			}
			dst = AppendJSONValue(dst, f.Type, sub(b, f.Offset, f.Type.Size()), r)
		}
		return append(dst, '}')
	case *types.Agg:
		if t.Kind == types.Stats {
			count, total := u64(b, 8), u64(b, 0)
			return appendJSONStats(dst, count, average(total, count, t.Signed), total, t.Signed)
		}
		return appendAggSlot(dst, t, b)
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
// applied as in AppendMap. A map without entries appends nothing.
func AppendJSONMap(dst []byte, m *Map, top, div int, r Resolver) []byte {
	rows := sortRows(m, combine(m), top)
	if len(rows) == 0 {
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
		}
	}
	dst = appendJSONHead(dst, kind)
	dst = append(dst, '{')
	dst = appendJSONString(dst, []byte(m.Name))
	dst = append(dst, ": "...)
	if m.Key == nil {
		dst = appendJSONRowValue(dst, m.Value, agg, rows[0], div, r)
	} else {
		dst = append(dst, '{')
		for i := range rows {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, '"')
			start := len(dst)
			if tt, ok := m.Key.(*types.Tuple); ok {
				dst = appendTupleElems(dst, tt, rows[i].key, r, stackIndent, ",")
			} else {
				dst = appendText(dst, m.Key, rows[i].key, r, stackIndent)
			}
			dst = escapeJSON(dst, start)
			dst = append(dst, `": `...)
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
			return appendNum(dst, divide(readInt(it, rw.raw), div, it.Signed), it.Signed)
		}
		return AppendJSONValue(dst, t, rw.raw, r)
	}
	signed := agg.Signed && agg.Kind != types.Count
	switch agg.Kind {
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
				dst = append(dst, ", "...)
			}
			dst = appendJSONBucket(dst, agg, i, divide(rw.buckets[i], div, false))
		}
		return append(dst, ']')
	}
	return appendNum(dst, divide(rw.num, div, signed), signed)
}

func appendJSONStats(dst []byte, count, avg, total uint64, signed bool) []byte {
	dst = append(dst, `{"count": `...)
	dst = strconv.AppendUint(dst, count, 10)
	dst = append(dst, `, "average": `...)
	dst = appendNum(dst, avg, signed)
	dst = append(dst, `, "total": `...)
	dst = appendNum(dst, total, signed)
	return append(dst, '}')
}

// appendJSONHead appends `{"type": "KIND", "data": `.
func appendJSONHead(dst []byte, kind string) []byte {
	dst = append(dst, `{"type": "`...)
	dst = append(dst, kind...)
	return append(dst, `", "data": `...)
}

// appendJSONString appends s as a quoted, escaped JSON string.
func appendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := len(dst)
	dst = append(dst, s...)
	dst = escapeJSON(dst, start)
	return append(dst, '"')
}

// escapeJSON escapes dst[start:] in place for use inside a JSON string:
// \" \\ \n \r \t, other control bytes as \u00XX; everything else,
// including non-ASCII bytes, is kept.
func escapeJSON(dst []byte, start int) []byte {
	extra := 0
	for _, c := range dst[start:] {
		extra += escapeLen(c) - 1
	}
	if extra == 0 {
		return dst
	}
	end := len(dst)
	for i := 0; i < extra; i++ {
		dst = append(dst, 0)
	}
	// Fill from the back so unread bytes are never overwritten.
	w := len(dst)
	for i := end - 1; i >= start; i-- {
		c := dst[i]
		switch escapeLen(c) {
		case 1:
			w--
			dst[w] = c
		case 2:
			w -= 2
			dst[w], dst[w+1] = '\\', escapeChar(c)
		default:
			w -= 6
			copy(dst[w:], `\u00`)
			dst[w+4], dst[w+5] = hexDigit(c>>4), hexDigit(c&15)
		}
	}
	return dst
}

// escapeLen is the escaped length of byte c.
func escapeLen(c byte) int {
	switch c {
	case '"', '\\', '\n', '\r', '\t':
		return 2
	}
	if c < 0x20 {
		return 6
	}
	return 1
}

func escapeChar(c byte) byte {
	switch c {
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case '\t':
		return 't'
	}
	return c
}

func hexDigit(c byte) byte { return "0123456789abcdef"[c] }
