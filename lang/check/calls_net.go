package check

import (
	"net/netip"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Address families of ntop().
const (
	afInet  = 2
	afInet6 = 10
)

func init() {
	callCheckers[stdlib.Bswap] = (*checker).checkBswap
	callCheckers[stdlib.Ntop] = (*checker).checkNtop
	callCheckers[stdlib.Pton] = (*checker).checkPton
	callCheckers[stdlib.Macaddr] = (*checker).checkMacaddr
	callCheckers[stdlib.Kaddr] = (*checker).checkKaddr
}

// checkBswap: bswap(n) reverses the bytes of an 8, 16, 32 or 64-bit
// integer; the result is the unsigned integer of the same width. A
// constant argument folds.
func (c *checker) checkBswap(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	bits := 0
	switch t := t.(type) {
	case *types.Int:
		bits = t.Bits
	case *types.Bool:
		bits = 8
	case *types.Enum:
		bits = 8 * t.Size()
	default:
		c.errorf(arg, diag.CodeType, "bswap() only supports integer arguments (%s provided)", t)
		return nil
	}
	if bits != 8 && bits != 16 && bits != 32 && bits != 64 {
		c.errorf(arg, diag.CodeType, "bswap() only supports 8, 16, 32 or 64-bit integers (%s provided)", t)
		return nil
	}
	if n, ok := c.tab.Consts[arg]; ok {
		c.tab.Consts[call] = int64(bswapConst(uint64(n), bits))
	}
	return &types.Int{Bits: bits}
}

// bswapConst reverses the byte order of the low bits of n (8, 16, 32 or
// 64).
func bswapConst(n uint64, bits int) uint64 {
	var out uint64
	for i := 0; i < bits/8; i++ {
		out = out<<8 | (n>>(8*i))&0xff
	}
	return out
}

// checkNtop: ntop([af,] addr). addr is an integer (an IPv4 address as
// stored in memory), a 4 or 16-byte char/uint8 array or string, or a 4 or
// 16-byte struct (in_addr, in6_addr) (IPv4 or IPv6); af (2 = AF_INET,
// 10 = AF_INET6) overrides the family.
func (c *checker) checkNtop(call *ast.Call, _ *ast.MapExpr) types.Type {
	addr := call.Args[len(call.Args)-1]
	if len(call.Args) == 2 {
		af := call.Args[0]
		t := c.expr(af)
		if t == nil {
			return nil
		}
		if !types.IsInt(t) {
			c.errorf(af, diag.CodeType, "ntop() address family must be an integer (%s provided)", t)
			return nil
		}
		if n, ok := c.tab.Consts[af]; ok && n != afInet && n != afInet6 {
			c.errorf(af, diag.CodeType, "ntop() address family must be AF_INET (2) or AF_INET6 (10) (%d provided)", n)
			return nil
		}
	}
	t := c.expr(addr)
	if t == nil {
		return nil
	}
	if types.IsInt(t) || ntopAddrLen(t) != 0 {
		return &types.Inet{}
	}
	c.errorf(addr, diag.CodeType, "ntop() expects an integer, a char[4] or char[16] array or a struct in_addr/in6_addr (%s provided)", t)
	return nil
}

// ntopAddrLen returns the address length (4 or 16) of an ntop() argument
// of array or string type t, or 0 for other types.
func ntopAddrLen(t types.Type) int {
	n := 0
	switch t := t.(type) {
	case *types.Array:
		if it, ok := t.Elem.(*types.Int); !ok || it.Bits != 8 {
			return 0
		}
		n = t.Len
	case *types.String:
		n = t.Cap
	case *types.Struct:
		// struct in_addr, struct in6_addr.
		n = t.Size()
	}
	if n == 4 || n == 16 {
		return n
	}
	return 0
}

// checkPton: pton("a.b.c.d" | "ipv6") parses a constant address into a
// uint8[4] or uint8[16] value (the code generator parses the text again).
func (c *checker) checkPton(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	c.expr(arg)
	s, ok := c.tab.StrConsts[arg]
	if !ok {
		c.errorf(arg, diag.CodeType, "pton() expects a string literal")
		return nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		c.errorf(arg, diag.CodeType, "pton() expects a valid IPv4 or IPv6 address (%q provided)", s)
		return nil
	}
	return &types.Array{Elem: types.Uint8, Len: a.BitLen() / 8}
}

// checkKaddr: kaddr("sym") is the address of a kernel symbol, resolved at
// compile time by the Host.
func (c *checker) checkKaddr(call *ast.Call, _ *ast.MapExpr) types.Type {
	name, ok := c.literalArg(call, "kaddr")
	if !ok {
		return nil
	}
	if c.cfg.Host == nil {
		c.errorf(call, diag.CodeUnsupported, "kaddr() needs the kernel symbol table, which is not available")
		return nil
	}
	addr, err := c.cfg.Host.KernelSymbolAddr(name)
	if err != nil {
		c.errorf(call, diag.CodeUnknown, "Failed to resolve kernel symbol: %s", name).Hint("%v", err)
		return nil
	}
	c.tab.Consts[call] = int64(addr)
	return types.Uint64
}

// macLen is the size of a hardware (Ethernet) address.
const macLen = 6

// checkMacaddr: macaddr(addr) prints a 6-byte hardware address; addr is a
// 6-byte array (e.g. struct ethhdr's h_source, or a char[6] member) or a
// pointer to one.
func (c *checker) checkMacaddr(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	switch t := t.(type) {
	case *types.Pointer:
		return &types.MacAddr{}
	case *types.String:
		// A char[6] struct member (read as a string, copied raw).
		if _, isConst := c.tab.StrConsts[arg]; !isConst && t.Cap == macLen {
			if _, isField := arg.(*ast.FieldExpr); isField {
				return &types.MacAddr{}
			}
		}
	case *types.Array:
		if _, ok := t.Elem.(*types.Int); ok && t.Size() == macLen {
			return &types.MacAddr{}
		}
		c.errorf(arg, diag.CodeType, "macaddr() argument must be 6 bytes in size (%s provided)", t)
		return nil
	}
	c.errorf(arg, diag.CodeType, "macaddr() only supports array or pointer arguments (%s provided)", t)
	return nil
}
