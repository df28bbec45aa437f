package check

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// expandWatchpoint checks watchpoint:ADDRESS:LENGTH:MODE with bpftrace
// HEAD's messages: a non-zero address, a length the debug registers can
// watch, and a mode of r, w and x letters the architecture supports. The
// experimental watchpoint:FUNC+argN form of bpftrace 0.17 (a uprobe that
// stopped the process to set the watchpoint on an argument's value) was
// dropped by bpftrace in 0.20; it gets its own message instead of
// "invalid integer".
func (c *checker) expandWatchpoint(ap *ast.AttachPoint, name string) []*Attach {
	addrPart, lenPart, mode := ap.Parts[0], ap.Parts[1], ap.Parts[2]
	if fn, arg, ok := strings.Cut(addrPart, "+arg"); ok && fn != "" && arg != "" {
		c.errorf(ap, diag.CodeUnsupported, "watchpoints on a function's argument (%s) are not supported: bpftrace dropped them in v0.20; watch an address", addrPart).
			Hint("watchpoint:0xADDRESS:%s:%s with -p PID or -c CMD", lenPart, mode)
		return nil
	}
	addr, err := parseUint(addrPart)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "Invalid function/address argument: %v", err)
		return nil
	}
	length, err := parseUint(lenPart)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "Invalid length argument: %v", err)
		return nil
	}
	ok := true
	bad := func(format string, args ...any) *diag.Diagnostic {
		ok = false
		return c.errorf(ap, diag.CodeProbe, format, args...)
	}
	if addr == 0 {
		bad("watchpoint must be attached to a non-zero address")
	}
	if !slices.Contains(stdlib.WatchpointLengths, length) {
		bad("watchpoint length must be one of (1,2,4,8)")
	}
	letters := []byte(mode)
	slices.Sort(letters)
	mode = string(letters)
	switch {
	case mode == "" || strings.Trim(mode, "rwx") != "":
		bad("watchpoint mode must be combination of (r,w,x)")
	case strings.Contains(mode, "rr") || strings.Contains(mode, "ww") || strings.Contains(mode, "xx"):
		bad("watchpoint modes may not be duplicated")
	default:
		modes := stdlib.WatchpointModes()
		if len(modes) == 0 {
			bad("watchpoints not supported")
		} else if !slices.Contains(modes, mode) {
			bad("invalid watchpoint mode: %s", mode).Hint("supported modes: %s", strings.Join(modes, ","))
		}
	}
	if !ok {
		return nil
	}
	return []*Attach{{Point: ap, Kind: stdlib.Watchpoint, Name: name, Watch: &Watch{Addr: addr, Len: length, Mode: mode}}}
}

// parseUint parses an unsigned integer of an attach point as bpftrace
// does: 0x hexadecimal, 0b binary, or decimal (with _ separators or an
// integral exponent form), with bpftrace's "invalid integer" message.
func parseUint(s string) (uint64, error) {
	var n uint64
	var err error
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		n, err = strconv.ParseUint(s[2:], 16, 64)
	case strings.HasPrefix(s, "0b") || strings.HasPrefix(s, "0B"):
		n, err = strconv.ParseUint(s[2:], 2, 64)
	default:
		n, err = parseCount(s)
	}
	if err != nil {
		return 0, &numberError{s}
	}
	return n, nil
}

// numberError is bpftrace's message for a malformed integer.
type numberError struct{ s string }

func (e *numberError) Error() string { return "invalid integer: " + e.s }

func init() {
	callCheckers[stdlib.Unwatch] = (*checker).checkUnwatch
}

// checkUnwatch checks unwatch(addr): an integer or a pointer, the
// address of watchpoints to remove.
func (c *checker) checkUnwatch(call *ast.Call, _ *ast.MapExpr) types.Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if _, ptr := t.(*types.Pointer); !types.IsInt(t) && !ptr {
		c.errorf(call.Args[0], diag.CodeType, "unwatch() expects an address: an integer or a pointer (%s provided)", t)
		return nil
	}
	return void
}
