package codegen

import (
	"net/netip"

	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Address families stored in ntop() values.
const (
	afInet  = 2
	afInet6 = 10
)

func init() {
	callGens[stdlib.Bswap] = callGen{scalar: genBswap}
	callGens[stdlib.Ntop] = callGen{mem: genNtop}
	callGens[stdlib.Pton] = callGen{mem: genPton}
	callGens[stdlib.Macaddr] = callGen{mem: genMacaddr}
	callGens[stdlib.Kaddr] = callGen{scalar: genResolvedConst}
	callGens[stdlib.Ksym] = callGen{scalar: genFirstArg}
	callGens[stdlib.Cgroupid] = callGen{scalar: genResolvedConst}
	callGens[stdlib.CgroupPath] = callGen{scalar: genFirstArg}
	callGens[stdlib.Uptr] = callGen{scalar: genFirstArg}
	callGens[stdlib.Kptr] = callGen{scalar: genFirstArg}
}

// genBswap reverses the bytes of an integer of the call's width. The
// targets are little-endian, so a conversion to big endian is a swap (and
// unlike the unconditional BSwap it works on kernels before 6.6); it also
// clears the bits above the width.
func genBswap(g *gen, call *ast.Call) {
	g.intExpr(call.Args[0])
	switch g.typeOf(call).Size() {
	case 1:
		g.e.emit(asm.And.Imm(asm.R0, 0xff))
	case 2:
		g.e.emit(asm.HostTo(asm.BE, asm.R0, asm.Half))
	case 4:
		g.e.emit(asm.HostTo(asm.BE, asm.R0, asm.Word))
	default:
		g.e.emit(asm.HostTo(asm.BE, asm.R0, asm.DWord))
	}
}

// genResolvedConst loads the constant the checker resolved (kaddr,
// cgroupid).
func genResolvedConst(g *gen, call *ast.Call) {
	g.loadConst(asm.R0, g.inst.Consts[call])
}

// genFirstArg is the value of calls that only change how their argument
// is typed or printed: ksym (the symbol is looked up when printed),
// cgroup_path (likewise the path), uptr and kptr (the address space).
func genFirstArg(g *gen, call *ast.Call) {
	g.intExpr(call.Args[0])
}

// genPton writes the constant address bytes.
func genPton(g *gen, call *ast.Call, dst loc, _ types.Type) {
	a, err := netip.ParseAddr(g.inst.StrConsts[call.Args[0]])
	if err != nil {
		panic(&compileError{span: call.Span(), msg: "pton(): " + err.Error()})
	}
	g.e.storeBytes(dst, a.AsSlice())
}

// ntopAddrLen is the address length (4 or 16) of an ntop() argument of
// array or string type t; 0 for integers.
func ntopAddrLen(t types.Type) int {
	switch t := t.(type) {
	case *types.Array:
		return t.Len
	case *types.String:
		return t.Cap
	case *types.Struct:
		return t.Size()
	}
	return 0
}

// genNtop writes an inet value: the family as a uint64, then 16 address
// bytes (an integer argument is an IPv4 address as stored in memory).
func genNtop(g *gen, call *ast.Call, dst loc, _ types.Type) {
	addr := call.Args[len(call.Args)-1]
	at := g.typeOf(addr)
	n := ntopAddrLen(at)
	g.e.zero(dst.plus(8), 16)
	switch {
	case n == 0:
		g.intExpr(addr)
		g.e.emit(asm.StoreMem(dst.base, dst.off+8, asm.R0, asm.Word))
	default:
		g.valueTo(addr, dst.plus(8), at)
	}
	if len(call.Args) == 2 {
		g.intExpr(call.Args[0])
		g.e.emit(asm.StoreMem(dst.base, dst.off, asm.R0, asm.DWord))
		return
	}
	af := afInet
	if n == 16 {
		af = afInet6
	}
	g.e.emit(storeImm64(dst.base, dst.off, int64(af)))
}

// genMacaddr copies the 6 address bytes: an array argument like any value,
// a pointer argument with bpf_probe_read_kernel/user.
func genMacaddr(g *gen, call *ast.Call, dst loc, dt types.Type) {
	arg := call.Args[0]
	at := g.typeOf(arg)
	if _, ok := at.(*types.Pointer); !ok {
		g.valueTo(arg, dst, at)
		return
	}
	g.intExpr(arg)
	g.readInto(dst, dt.Size(), g.userSpace(arg))
}
