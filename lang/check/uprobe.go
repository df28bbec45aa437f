package check

import (
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// The function part of a uprobe attach point, as bpftrace resolves it:
//
//	uprobe:BINARY:FUNC          a function (wildcards expand)
//	uprobe:BINARY:FUNC+OFFSET   an instruction inside a function (not uretprobe)
//	uprobe:BINARY:ADDRESS       the instruction at a virtual address (decimal,
//	                            0x hex, 0b binary or 0 octal)
//
// bpftrace checks the location when it attaches (resolve_offset_uprobe);
// the checker makes the same checks with its wording, as one positioned
// error: the offset must lie inside the function, a function of size 0
// (_init) has no known extent, an address must fall in a symbol, a
// uretprobe must be at a function's entry, and a location inside a
// function must start an instruction (the host decodes the function's
// instructions up to it). --unsafe turns the cases that cannot be
// verified into warnings (a flat binary without symbols is probed at the
// file offset given as its address).

// hintUnsafe ends the messages of locations only --unsafe accepts.
const hintUnsafe = "\nUse --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process."

// uprobeFunc is the function part of a uprobe attach point.
type uprobeFunc struct {
	fn     string
	offset uint64
	addr   uint64
	isAddr bool
}

// parseUprobeFunc splits FUNC+OFFSET and recognises an ADDRESS, with
// bpftrace's messages.
func (c *checker) parseUprobeFunc(ap *ast.AttachPoint, kind stdlib.ProbeKind, s string) (uprobeFunc, bool) {
	if !strings.Contains(s, "+") {
		if s == "" {
			c.errorf(ap, diag.CodeProbe, "%s should be attached to a function and/or address", kind)
			return uprobeFunc{}, false
		}
		if n, msg := parseOptionInt(s, false); msg == "" {
			return uprobeFunc{addr: uint64(n), isAddr: true}, true
		}
		return uprobeFunc{fn: s}, true
	}
	fn, off, _ := strings.Cut(s, "+")
	switch {
	case kind == stdlib.Uretprobe:
		c.errorf(ap, diag.CodeProbe, "Offset not allowed")
	case strings.Contains(off, "+"):
		c.errorf(ap, diag.CodeProbe, "Cannot take more than one offset")
	case fn == "" || off == "":
		c.errorf(ap, diag.CodeProbe, "Invalid offset")
	case hasWildcard(fn):
		c.errorf(ap, diag.CodeProbe, "an offset cannot follow a wildcard function name")
	default:
		n, msg := parseOptionInt(off, false)
		if msg != "" {
			c.errorf(ap, diag.CodeProbe, "Invalid offset: %s: %s", msg, off)
			return uprobeFunc{}, false
		}
		return uprobeFunc{fn: fn, offset: uint64(n)}, true
	}
	return uprobeFunc{}, false
}

// uprobeAddress checks uprobe:BINARY:ADDRESS (shown is the binary as the
// probe names it) and returns its attach point, or nil after an error.
func (c *checker) uprobeAddress(ap *ast.AttachPoint, kind stdlib.ProbeKind, path, shown string, addr uint64) *Attach {
	if addr == 0 && !c.cfg.Unsafe {
		c.errorf(ap, diag.CodeProbe, "%s should be attached to a function and/or address", kind)
		return nil
	}
	a := &Attach{Point: ap, Kind: kind, Name: kind.String() + ":" + shown + ":" + strconv.FormatUint(addr, 10), Binary: path, Addr: addr}
	sym, ok, err := c.cfg.Host.UprobeSymbolAt(path, addr)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "%v", err)
		return nil
	}
	if !ok || sym.Size == 0 {
		if !c.cfg.Unsafe {
			c.missingProbe(ap, "Could not resolve address: "+shown+":0x"+strconv.FormatUint(addr, 16))
			return nil
		}
		c.warnf(ap, diag.CodeProbe, "Could not determine instruction boundary for %s (binary appears stripped). Misaligned probes can lead to tracee crashes!", a.Name)
		return a
	}
	off := addr - sym.Addr
	if kind == stdlib.Uretprobe && off != 0 {
		c.missingProbe(ap, "uretprobes cannot be attached at function offset. (address resolved to: "+sym.Name+"+"+strconv.FormatUint(off, 10)+")")
		return nil
	}
	if !c.instructionBoundary(ap, kind, path, shown, sym, off) {
		return nil
	}
	return a
}

// uprobeSymbol checks a function of a uprobe attach point written without
// wildcards (FUNC or FUNC+OFFSET): the offset must lie inside it, and a
// function of size 0 needs --unsafe.
func (c *checker) uprobeSymbol(ap *ast.AttachPoint, kind stdlib.ProbeKind, path, shown string, f uprobeFunc) bool {
	sym, ok, err := c.cfg.Host.UprobeSymbol(path, f.fn)
	if err != nil {
		c.errorf(ap, diag.CodeProbe, "%v", err)
		return false
	}
	if !ok {
		c.missingProbe(ap, "Could not resolve symbol: "+shown+":"+f.fn)
		return false
	}
	switch {
	case sym.Size == 0 && f.offset == 0:
		if !c.cfg.Unsafe {
			c.missingProbe(ap, "Could not determine boundary for "+sym.Name+" (symbol has size 0)."+hintUnsafe)
			return false
		}
	case f.offset >= sym.Size:
		c.missingProbe(ap, "Offset outside the function bounds ('"+f.fn+"' size is "+strconv.FormatUint(sym.Size, 10)+")")
		return false
	}
	return c.instructionBoundary(ap, kind, path, shown, sym, f.offset)
}

// instructionBoundary checks that offset off into the function sym
// starts an instruction, with bpftrace's messages: one in the middle of
// an instruction, or in code that cannot be decoded, is an error, or with
// --unsafe a warning.
func (c *checker) instructionBoundary(ap *ast.AttachPoint, kind stdlib.ProbeKind, path, shown string, sym UprobeSym, off uint64) bool {
	if off == 0 {
		return true
	}
	where := shown + ":" + sym.Name + "+" + strconv.FormatUint(off, 10)
	ok, err := c.cfg.Host.InstructionBoundary(path, sym, off)
	switch {
	case err != nil && c.cfg.Unsafe:
		c.warnf(ap, diag.CodeProbe, "Unchecked %s: %s", kind, where)
	case err != nil:
		c.missingProbe(ap, "Failed to check if "+kind.String()+" is in proper place: "+where+hintUnsafe)
		return false
	case !ok && c.cfg.Unsafe:
		c.warnf(ap, diag.CodeProbe, "Unsafe %s in the middle of the instruction: %s", kind, where)
	case !ok:
		c.missingProbe(ap, "Could not add "+kind.String()+" into middle of instruction: "+where+hintUnsafe)
		return false
	}
	return true
}
