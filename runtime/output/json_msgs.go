package output

import (
	"fmt"
	"strconv"
)

// Messages that are not values: lost events and runtime errors, in JSON
// as bpftrace HEAD's JsonOutput writes them and, for lost events, in text
// as its TextOutput does.

// AppendJSONLost appends the lost_events message, which carries the number
// both as "count" and as data.events:
//
//	{"type": "lost_events", "count": 3, "data": {"events": 3}}
func AppendJSONLost(dst []byte, events uint64) []byte {
	dst = append(dst, `{"type": "lost_events", "count": `...)
	dst = strconv.AppendUint(dst, events, 10)
	dst = append(dst, `, "data": {"events": `...)
	dst = strconv.AppendUint(dst, events, 10)
	return append(dst, "}}\n"...)
}

// AppendTextLost appends the text-mode report of lost events, "Lost N
// events", a line that belongs on stderr.
func AppendTextLost(dst []byte, events uint64) []byte {
	dst = append(dst, "Lost "...)
	dst = strconv.AppendUint(dst, events, 10)
	return append(dst, " events\n"...)
}

// SourceLoc is the script position a runtime error message names: JSON
// messages carry only the outermost location of a macro expansion chain.
type SourceLoc struct {
	// Filename is the script's name ("stdin" for -e, as in diagnostics).
	Filename string
	// Line and Col are 1-based.
	Line, Col uint64
}

// AppendJSONHelperError appends the message for a BPF helper call that
// failed at run time; helper is the kernel's name of the helper without
// the bpf_ prefix ("map_update_elem") and retcode its negative errno:
//
//	{"type": "helper_error", "msg": "Argument list too long", "helper": "map_update_elem", "retcode": -7, "filename": "stdin", "line": 1, "col": 9}
func AppendJSONHelperError(dst []byte, helper string, retcode int64, loc SourceLoc) []byte {
	return appendJSONLoc(appendHelperError(dst, helper, retcode), loc)
}

// e2BIG is the errno bpf_map_update_elem returns for a full map.
const e2BIG = 7

// AppendJSONMapFull appends the helper_error message for updates of a map
// refused because it was full: the failure of helper map_update_elem with
// -E2BIG, as bpftrace HEAD reports each one. gobpftrace counts refusals in
// the kernel and reports them together, so the message extends HEAD's with
// two fields: "map", the map's name, and "dropped", the number of updates
// refused since the previous report. The location is the map's first
// update site in the script.
//
//	{"type": "helper_error", "msg": "Argument list too long", "helper": "map_update_elem", "retcode": -7, "map": "@m", "dropped": 3, "filename": "stdin", "line": 1, "col": 9}
func AppendJSONMapFull(dst []byte, name string, dropped uint64, loc SourceLoc) []byte {
	dst = appendHelperError(dst, "map_update_elem", -e2BIG)
	dst = append(dst, `, "map": `...)
	dst = appendJSONString(dst, name)
	dst = append(dst, `, "dropped": `...)
	dst = appendJSONNum(dst, dropped, false)
	return appendJSONLoc(dst, loc)
}

// appendHelperError appends a helper_error message up to its location.
func appendHelperError(dst []byte, helper string, retcode int64) []byte {
	dst = append(dst, `{"type": "helper_error", "msg": "`...)
	start := len(dst)
	dst = AppendStrerror(dst, -retcode)
	dst = escapeJSON(dst, start)
	dst = append(dst, `", "helper": `...)
	dst = appendJSONString(dst, helper)
	dst = append(dst, `, "retcode": `...)
	return appendJSONNum(dst, uint64(retcode), true)
}

// HelperErrorText is the warning text for a helper that failed at run
// time (-k), as bpftrace words it: the error (a map read of a key that is
// absent has its own), then the helper and its return code.
func HelperErrorText(helper string, retcode int64) string {
	msg := "Can't lookup map element because it does not exist."
	if helper != "map_lookup_elem" {
		msg = string(AppendStrerror(nil, -retcode))
	}
	return fmt.Sprintf("%s\nAdditional Info - helper: %s, retcode: %d", msg, helper, retcode)
}

// AppendJSONRuntimeError appends the message for any other error detected
// by the program at run time (division by zero, an out-of-bounds array
// index …):
//
//	{"type": "runtime_error", "msg": "…", "filename": "stdin", "line": 1, "col": 9}
func AppendJSONRuntimeError(dst []byte, msg string, loc SourceLoc) []byte {
	return appendJSONMsg(dst, "runtime_error", msg, loc)
}

// AppendJSONErrorf appends the message of errorf() (warning false) or
// warnf() (warning true) with its formatted text:
//
//	{"type": "errorf", "msg": "bad value 3", "filename": "stdin", "line": 1, "col": 9}
func AppendJSONErrorf(dst []byte, warning bool, msg []byte, loc SourceLoc) []byte {
	kind := "errorf"
	if warning {
		kind = "warnf"
	}
	return appendJSONMsg(dst, kind, msg, loc)
}

// appendJSONMsg appends {"type": KIND, "msg": MSG and the location.
func appendJSONMsg[S string | []byte](dst []byte, kind string, msg S, loc SourceLoc) []byte {
	dst = append(dst, `{"type": "`...)
	dst = append(dst, kind...)
	dst = append(dst, `", "msg": `...)
	dst = appendJSONString(dst, msg)
	return appendJSONLoc(dst, loc)
}

// appendJSONLoc ends a message with its location fields.
func appendJSONLoc(dst []byte, loc SourceLoc) []byte {
	dst = append(dst, `, "filename": `...)
	dst = appendJSONString(dst, loc.Filename)
	dst = append(dst, `, "line": `...)
	dst = appendJSONNum(dst, loc.Line, false)
	dst = append(dst, `, "col": `...)
	dst = appendJSONNum(dst, loc.Col, false)
	return append(dst, "}\n"...)
}
