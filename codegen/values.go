package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// valueTo writes the value of x at dst in the layout of type dt.
func (g *gen) valueTo(x ast.Expr, dst loc, dt types.Type) {
	if g.c.opts.HelperErrors {
		defer g.at(x)()
	}
	if isScalar(dt) {
		g.intExpr(x)
		g.storeScalar(dst, dt)
		return
	}
	if s, ok := g.inst.StrConsts[x]; ok {
		if st, ok := dt.(*types.String); ok {
			g.constString(s, dst, st.Cap)
			return
		}
	}
	switch x := x.(type) {
	case *ast.Var:
		sym := g.inst.Vars[x]
		g.convert(g.vars[sym], sym.Type, dst, dt)
		return
	case *ast.TupleIndex:
		g.partTo(x, dst, dt)
		return
	case *ast.Tuple:
		tt := dt.(*types.Tuple)
		for i, el := range x.Elems {
			g.valueTo(el, dst.plus(tt.Offsets[i]), tt.Elems[i])
		}
		// Zero the padding so tuples compare equal as map keys.
		g.zeroPadding(dst, tt)
		return
	case *ast.MapExpr:
		g.mapLoadTo(x, dst, dt)
		return
	case *ast.Ternary:
		if x.Then == nil {
			g.elvisTo(x, dst, dt)
			return
		}
		g.ifElse(x.Cond, func() { g.valueTo(x.Then, dst, dt) }, func() { g.valueTo(x.Else, dst, dt) })
		return
	case *ast.BlockExpr:
		g.blockValueTo(x.Block, dst, dt)
		return
	case *ast.IfExpr:
		g.ifElse(x.Cond, func() { g.blockValueTo(x.Then, dst, dt) }, func() { g.blockValueTo(x.Else, dst, dt) })
		return
	case *ast.Ident:
		if exp, ok := g.inst.Desugared[x]; ok {
			g.valueTo(exp, dst, dt)
			return
		}
		b := g.inst.Builtins[x]
		if gen := builtinGens[b.ID]; gen.mem != nil {
			gen.mem(g, b, dst, dt)
			return
		}
	case *ast.Call:
		if exp, ok := g.inst.Desugared[x]; ok {
			g.valueTo(exp, dst, dt)
			return
		}
		id := g.inst.Calls[x]
		if gen := callGens[id]; gen.mem != nil {
			gen.mem(g, x, dst, dt)
			return
		}
	case *ast.FieldExpr:
		if !g.partTo(x, dst, dt) {
			g.fieldTo(x, dst, dt)
		}
		return
	case *ast.IndexExpr:
		if g.partTo(x, dst, dt) {
			return
		}
	case *ast.Record:
		g.recordTo(x, dst, dt.(*types.Record))
		return
	case *ast.Cast:
		g.castTo(x, dst, dt)
		return
	case *ast.Unary:
		if x.Op == "*" {
			// A whole struct read through a pointer.
			g.intExpr(x.X)
			g.readInto(dst, dt.Size(), g.userSpace(x.X))
			return
		}
	}
	panic(&compileError{span: x.Span(), msg: "cannot generate a value of type " + dt.String() + " for this expression"})
}

// constString writes s, NUL-padded to capacity n, at dst.
func (g *gen) constString(s string, dst loc, n int) {
	b := make([]byte, n)
	copy(b, s)
	if len(s) >= n {
		b[n-1] = 0
	}
	g.e.storeBytes(dst, b)
}

// zeroPadding clears the gaps between tuple elements.
func (g *gen) zeroPadding(dst loc, tt *types.Tuple) {
	end := 0
	for i, el := range tt.Elems {
		if off := tt.Offsets[i]; off > end {
			g.e.zero(dst.plus(end), off-end)
		}
		end = tt.Offsets[i] + el.Size()
	}
	if tt.Size() > end {
		g.e.zero(dst.plus(end), tt.Size()-end)
	}
}

// fieldInt loads a scalar field: directly from the tracepoint record, or
// with bpf_probe_read_kernel/user from memory a pointer leads to.
func (g *gen) fieldInt(x *ast.FieldExpr) {
	f := g.inst.Fields[x]
	if ctx, ok := g.typeOf(x.X).(*types.Ctx); ok {
		off := int16(f.Offset)
		if ctx.Regs {
			// A uprobe's argument: field i is in argument register i.
			off = ptRegsOf(g).args[f.Offset/8]
		}
		g.e.loadInt(asm.R0, loc{regCtx, off}, f.Type.Size(), isSigned(f.Type))
		g.iterNullCheck(f.Type)
	} else {
		user := g.fieldAddr(x)
		if g.c.opts.HelperErrors {
			// A failed read is reported at the pointer, as bpftrace.
			defer g.at(x.X)()
		}
		g.readScalar(f.Type, user)
	}
	if f.BitSize != 0 {
		g.extractBits(f.BitOffset, f.BitSize)
	}
}

// extractBits replaces R0, a bitfield's storage unit, with the size bits
// starting at bit off: shifting the field's top bit to bit 63 drops the
// bits above it, shifting back drops the bits below. Bitfields read
// zero-extended whatever their declared type, as bpftrace reads them (it
// masks the bits), so `short b:8` holding 217 prints 217.
func (g *gen) extractBits(off, size int) {
	if up := 64 - off - size; up > 0 {
		g.e.emit(asm.LSh.Imm(asm.R0, int32(up)))
	}
	down := 64 - size
	if down == 0 {
		return
	}
	g.e.emit(asm.RSh.Imm(asm.R0, int32(down)))
}

// readScalar replaces the address in R0 with the scalar of type t stored
// there, read with bpf_probe_read_kernel/user (0 when the read fails).
func (g *gen) readScalar(t types.Type, user bool) {
	m := g.e.mark()
	tmp := g.e.stack(8)
	g.e.emit(storeImm64(tmp.base, tmp.off, 0))
	g.e.emit(asm.Mov.Reg(asm.R3, asm.R0))
	g.e.addr(asm.R1, tmp)
	g.e.emit(asm.Mov.Imm(asm.R2, int32(t.Size())))
	g.readCall(probeRead(user))
	g.e.loadInt(asm.R0, tmp, t.Size(), isSigned(t))
	g.e.release(m)
}

// fieldAddr puts the address of field x in R0 (x reached through a
// pointer, possibly via embedded structs) and reports whether it is in
// user memory.
func (g *gen) fieldAddr(x *ast.FieldExpr) (user bool) {
	if !g.probed(x) {
		panic(&compileError{span: x.Span(), msg: "field access on this expression is not supported by the code generator yet"})
	}
	return g.probedAddr(x)
}

// readInto copies n bytes from the address in R0 to dst with
// bpf_probe_read_kernel/user.
func (g *gen) readInto(dst loc, n int, user bool) {
	g.e.emit(asm.Mov.Reg(asm.R3, asm.R0))
	g.e.addr(asm.R1, dst)
	g.e.emit(asm.Mov.Imm(asm.R2, int32(n)))
	g.readCall(probeRead(user))
}

// probeRead picks the memory-reading helper for an address space.
func probeRead(user bool) asm.BuiltinFunc {
	if user {
		return asm.FnProbeReadUser
	}
	return asm.FnProbeReadKernel
}

// fieldTo writes a string field of the tracepoint record at dst:
// char[N] arrays are copied, __data_loc strings are read from the offset
// the field holds.
func (g *gen) fieldTo(x *ast.FieldExpr, dst loc, dt types.Type) {
	f := g.inst.Fields[x]
	switch dt.(type) {
	case *types.Array, *types.Struct:
		// A byte array or a struct (an address): copy it.
		n := min(f.Type.Size(), dt.Size())
		if _, isCtx := g.typeOf(x.X).(*types.Ctx); isCtx {
			g.e.emit(asm.Mov.Reg(asm.R0, regCtx))
			g.e.emit(asm.Add.Imm(asm.R0, int32(f.Offset)))
			g.readInto(dst, n, false)
			return
		}
		g.readInto(dst, n, g.fieldAddr(x))
		return
	}
	st, ok := dt.(*types.String)
	if !ok {
		panic(&compileError{span: x.Span(), msg: "field values of type " + dt.String() + " are not supported by the code generator yet"})
	}
	if _, isCtx := g.typeOf(x.X).(*types.Ctx); !isCtx {
		// A char array of a kernel struct: copy it (it need not end in a
		// NUL; the printer stops at the capacity).
		n := min(f.Type.Size(), st.Cap)
		if st.Cap > n {
			g.e.zero(dst.plus(n), st.Cap-n)
		}
		user := g.fieldAddr(x)
		g.e.emit(asm.Mov.Reg(asm.R3, asm.R0))
		g.e.addr(asm.R1, dst)
		g.e.emit(asm.Mov.Imm(asm.R2, int32(n)))
		g.readCall(probeRead(user))
		return
	}
	if f.DataLoc {
		g.e.clearMem(dst, st.Cap)
		g.e.emit(asm.LoadMem(asm.R3, regCtx, int16(f.Offset), asm.Word))
		g.e.emit(asm.And.Imm(asm.R3, 0xffff))
		g.e.emit(asm.Add.Reg(asm.R3, regCtx))
		g.e.addr(asm.R1, dst)
		g.e.emit(asm.Mov.Imm(asm.R2, int32(st.Cap)))
		g.readCall(asm.FnProbeReadKernelStr)
		return
	}
	n := min(f.Type.Size(), st.Cap)
	if st.Cap > n {
		g.e.zero(dst.plus(n), st.Cap-n)
	}
	g.e.addr(asm.R1, dst)
	g.e.emit(asm.Mov.Imm(asm.R2, int32(n)))
	g.e.emit(asm.Mov.Reg(asm.R3, regCtx))
	g.e.emit(asm.Add.Imm(asm.R3, int32(f.Offset)))
	g.readCall(asm.FnProbeReadKernel)
}
