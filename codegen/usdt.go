package codegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// usdtRegOffset returns the pt_regs offset of an x86-64 register name
// (without '%') and whether it names one of the high byte registers
// (ah, bh, ch, dh).
func usdtRegOffset(name string) (off int16, high, ok bool) {
	o, high, ok := stdlib.RegOffset(name)
	return int16(o), high, ok
}

// usdtArg is a decoded USDT argument spec "[-]SIZE@OPERAND".
type usdtArg struct {
	size   int  // bytes: 1, 2, 4 or 8
	signed bool // negative SIZE
	kind   int  // usdtReg, usdtImm or usdtMem
	reg    int16
	high   bool // %ah etc.: bits 8-15 of the register
	off    int64
	imm    int64
}

const (
	usdtReg = iota
	usdtImm
	usdtMem
)

// parseUSDTArg decodes an x86-64 SystemTap SDT argument spec such as
// "-4@%edi", "8@-8(%rbp)" or "4@$5".
func parseUSDTArg(spec string) (usdtArg, error) {
	var a usdtArg
	sz, op, ok := strings.Cut(spec, "@")
	if !ok {
		// Old-style specs have no size: 8 bytes, unsigned.
		sz, op = "8", spec
	}
	n, err := strconv.Atoi(sz)
	if err != nil {
		return a, fmt.Errorf("bad size in usdt argument %q", spec)
	}
	if n < 0 {
		a.signed, n = true, -n
	}
	switch n {
	case 1, 2, 4, 8:
	default:
		return a, fmt.Errorf("bad size in usdt argument %q", spec)
	}
	a.size = n
	switch {
	case strings.HasPrefix(op, "$"):
		a.kind = usdtImm
		v, err := strconv.ParseInt(op[1:], 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(op[1:], 0, 64)
			if uerr != nil {
				return a, fmt.Errorf("bad constant in usdt argument %q", spec)
			}
			v = int64(u)
		}
		a.imm = v
	case strings.HasPrefix(op, "%"):
		a.kind = usdtReg
		if a.reg, a.high, ok = usdtRegOffset(op[1:]); !ok {
			return a, fmt.Errorf("unknown register in usdt argument %q", spec)
		}
	case strings.HasSuffix(op, ")"):
		a.kind = usdtMem
		i := strings.IndexByte(op, '(')
		if i < 0 || !strings.HasPrefix(op[i+1:], "%") {
			return a, fmt.Errorf("unsupported usdt argument %q", spec)
		}
		reg := op[i+2 : len(op)-1]
		if strings.Contains(reg, ",") {
			return a, fmt.Errorf("unsupported usdt argument %q (indexed addressing)", spec)
		}
		if a.reg, a.high, ok = usdtRegOffset(reg); !ok || a.high {
			return a, fmt.Errorf("unknown register in usdt argument %q", spec)
		}
		if i > 0 {
			if a.off, err = strconv.ParseInt(op[:i], 0, 64); err != nil {
				return a, fmt.Errorf("unsupported usdt argument %q", spec)
			}
		}
	default:
		return a, fmt.Errorf("unsupported usdt argument %q", spec)
	}
	return a, nil
}

func init() {
	orig := builtinGens[stdlib.ArgN].scalar
	builtinGens[stdlib.ArgN].scalar = func(g *gen, b check.Builtin) {
		if g.inst.Attach.Kind != stdlib.USDT || g.inst.Attach.USDT == nil {
			orig(g, b)
			return
		}
		g.usdtArg(b.N)
	}
}

// usdtArg loads argument n of the current usdt probe into R0.
func (g *gen) usdtArg(n int) {
	u := g.inst.Attach.USDT
	if n >= len(u.Args) {
		panic(&compileError{span: g.e.span, msg: fmt.Sprintf("usdt probe %s:%s has %d arguments (arg%d used)", u.Provider, u.Name, len(u.Args), n)})
	}
	if g.c.opts.Arch != "amd64" {
		panic(&compileError{span: g.e.span, msg: "usdt arguments are not supported on " + g.c.opts.Arch})
	}
	a, err := parseUSDTArg(u.Args[n])
	if err != nil {
		panic(&compileError{span: g.e.span, msg: fmt.Sprintf("usdt probe %s:%s: %v", u.Provider, u.Name, err)})
	}
	switch a.kind {
	case usdtImm:
		g.loadConst(asm.R0, a.imm)
	case usdtReg:
		g.e.emit(asm.LoadMem(asm.R0, regCtx, a.reg, asm.DWord))
		if a.high {
			g.e.emit(asm.RSh.Imm(asm.R0, 8))
		}
	case usdtMem:
		m := g.e.mark()
		slot := g.e.stack(8)
		g.e.emit(storeImm64(slot.base, slot.off, 0))
		g.e.addr(asm.R1, slot)
		g.e.emit(asm.Mov.Imm(asm.R2, int32(a.size)))
		g.e.emit(asm.LoadMem(asm.R3, regCtx, a.reg, asm.DWord))
		if a.off != 0 {
			g.loadConst(asm.R4, a.off)
			g.e.emit(asm.Add.Reg(asm.R3, asm.R4))
		}
		g.e.call(asm.FnProbeReadUser)
		g.e.emit(asm.LoadMem(asm.R0, slot.base, slot.off, sizeOf(a.size)))
		g.e.release(m)
	}
	g.e.truncate(asm.R0, a.size, a.signed)
}
