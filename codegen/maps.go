package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// BPF map update flags.
const (
	bpfAny     = 0
	bpfNoExist = 1
)

func (g *gen) mapDef(m *ast.MapExpr) *MapDef {
	def := g.c.maps[m.Name]
	if def == nil {
		panic(&compileError{span: m.Span(), msg: "map " + m.Name + " has no definition"})
	}
	return def
}

// keyTo builds the BPF key of m in a new stack slot; extra bytes are
// reserved after the user key (for the hist bucket index).
func (g *gen) keyTo(m *ast.MapExpr, def *MapDef, extra int) loc {
	if def.Array {
		// uint32 index 0; hist/lhist store the bucket there instead.
		k := g.e.slot(8)
		g.e.emit(storeImm64(k.base, k.off, 0))
		return k
	}
	size := keySize(def)
	k := g.e.slot(size + extra)
	if def.Key != nil && def.Key.Size() < size {
		// An empty key: the kernel's byte of it.
		g.e.zero(k, size)
	}
	if extra > 8 {
		// Padding between the user key and the bucket index.
		g.e.zero(k.plus(size), extra-8)
	}
	switch {
	case def.Key == nil:
		g.e.zero(k, 8)
	case len(m.Keys) == 1:
		g.zeroIfPadded(k, def.Key)
		g.valueTo(m.Keys[0], k, def.Key)
	default:
		tt := def.Key.(*types.Tuple)
		g.zeroPadding(k, tt)
		for i, key := range m.Keys {
			g.valueTo(key, k.plus(tt.Offsets[i]), tt.Elems[i])
		}
	}
	return k
}

// keySize is the size of the user part of a map's BPF key.
func keySize(def *MapDef) int {
	if def.Key == nil {
		return 8
	}
	return max(def.Key.Size(), 1) // the kernel has no empty keys
}

// zeroIfPadded clears a key slot whose type has padding bytes.
func (g *gen) zeroIfPadded(k loc, t types.Type) {
	if _, ok := t.(*types.Tuple); ok {
		g.e.zero(k, t.Size())
	}
}

// lookup calls bpf_map_lookup_elem(map, key); the value pointer (or NULL)
// is left in R0.
func (g *gen) lookup(name string, key loc) {
	g.e.mapPtr(asm.R1, name)
	g.e.addr(asm.R2, key)
	g.e.call(asm.FnMapLookupElem)
}

// update calls bpf_map_update_elem(map, key, value, flags).
func (g *gen) update(name string, key, value loc, flags int32) {
	g.e.mapPtr(asm.R1, name)
	g.e.addr(asm.R2, key)
	g.e.addr(asm.R3, value)
	g.e.emit(asm.Mov.Imm(asm.R4, flags))
	g.e.call(asm.FnMapUpdateElem)
}

// store calls update with BPF_ANY and counts a refusal (the map is full)
// in the map's drop counter.
func (g *gen) store(name string, key, value loc) {
	g.update(name, key, value, bpfAny)
	ok := g.e.newLabel("stored")
	// A 32-bit test: before Linux 6.4 the verifier turns the helper call
	// into a direct call of the map's update op, which returns an int, so
	// the upper half of R0 is zero and -E2BIG looks positive in 64 bits.
	g.e.emit(asm.JSGE.Imm32(asm.R0, 0, ok))
	g.countDrop(name)
	g.e.place(ok)
}

// countDrop increments the drop counter of map name.
func (g *gen) countDrop(name string) {
	def := g.c.maps[name]
	if def == nil || def.Internal {
		return
	}
	g.noteUpdateSite(def)
	m := g.e.mark()
	key := g.e.slot(8)
	g.e.emit(asm.StoreImm(key.base, key.off, int64(def.DropSlot), asm.Word))
	g.lookup(DropsMap, key)
	g.e.release(m)
	done := g.e.newLabel("dropped")
	g.e.emit(asm.JEq.Imm(asm.R0, 0, done))
	g.e.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord))
	g.e.emit(asm.Add.Imm(asm.R1, 1))
	g.e.emit(asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord))
	g.e.place(done)
}

// mapLoadInt reads an integer map value into R0 (0 when the key is absent).
func (g *gen) mapLoadInt(m *ast.MapExpr) {
	def := g.mapDef(m)
	if agg, ok := def.Value.(*types.Agg); ok {
		g.aggReadInt(m, def, agg)
		return
	}
	mk := g.e.mark()
	k := g.keyTo(m, def, 0)
	g.lookup(m.Name, k)
	g.helperError(asm.FnMapLookupElem)
	g.e.release(mk)
	done := g.e.newLabel("mdone")
	g.e.emit(asm.JEq.Imm(asm.R0, 0, done))
	g.e.loadInt(asm.R0, loc{asm.R0, 0}, def.Value.Size(), isSigned(def.Value))
	g.e.place(done)
}

// mapLoadTo copies a map value to dst (zeroes when the key is absent).
func (g *gen) mapLoadTo(m *ast.MapExpr, dst loc, dt types.Type) {
	def := g.mapDef(m)
	mk := g.e.mark()
	k := g.keyTo(m, def, 0)
	g.lookup(m.Name, k)
	g.helperError(asm.FnMapLookupElem)
	g.e.release(mk)
	found, done := g.e.newLabel("mfound"), g.e.newLabel("mdone")
	g.e.emit(asm.JNE.Imm(asm.R0, 0, found))
	g.e.zero(dst, dt.Size())
	g.e.emit(asm.Ja.Label(done))
	g.e.place(found)
	g.e.emit(asm.Mov.Reg(regTmp, asm.R0))
	g.convert(loc{regTmp, 0}, def.Value, dst, dt)
	g.e.place(done)
}

// mapStore compiles `@m[k] = value`.
func (g *gen) mapStore(m *ast.MapExpr, value ast.Expr) {
	def := g.mapDef(m)
	v := g.e.slot(int(def.Spec.ValueSize))
	if def.Value.Size() < int(def.Spec.ValueSize) {
		// An empty value (the map's value is one byte).
		g.e.zero(v, int(def.Spec.ValueSize))
	}
	g.valueTo(value, v, def.Value)
	k := g.keyTo(m, def, 0)
	g.store(m.Name, k, v)
}

// mapUpdateInt compiles `@m[k] op= value` and `@m[k]++` (value nil: 1).
// R0 holds the new value afterwards, or the old one when post is set.
func (g *gen) mapUpdateInt(m *ast.MapExpr, op string, value ast.Expr, post bool) {
	def := g.mapDef(m)
	mk := g.e.mark()
	delta := g.e.slot(8)
	if value != nil {
		g.intExpr(value)
	} else {
		g.e.emit(asm.Mov.Imm(asm.R0, 1))
	}
	g.scaleForPointer(def.Value, op)
	g.e.emit(asm.StoreMem(delta.base, delta.off, asm.R0, asm.DWord))
	k := g.keyTo(m, def, 0)
	g.lookup(m.Name, k)
	old := g.e.slot(8)
	have := g.e.newLabel("mhave")
	g.e.emit(asm.JNE.Imm(asm.R0, 0, have))
	g.e.emit(asm.Mov.Imm(asm.R0, 0))
	cont := g.e.newLabel("mcont")
	g.e.emit(asm.Ja.Label(cont))
	g.e.place(have)
	g.e.loadInt(asm.R0, loc{asm.R0, 0}, def.Value.Size(), isSigned(def.Value))
	g.e.place(cont)
	g.e.emit(asm.StoreMem(old.base, old.off, asm.R0, asm.DWord))
	g.e.emit(asm.LoadMem(asm.R1, delta.base, delta.off, asm.DWord))
	g.compoundOp(op, isSigned(def.Value), m, value)
	nv := g.e.slot(8)
	g.e.emit(asm.StoreMem(nv.base, nv.off, asm.R0, asm.DWord))
	g.store(m.Name, k, nv)
	if post {
		g.e.emit(asm.LoadMem(asm.R0, old.base, old.off, asm.DWord))
	} else {
		g.e.emit(asm.LoadMem(asm.R0, nv.base, nv.off, asm.DWord))
	}
	g.e.release(mk)
}

// lookupOrInsert leaves a pointer to the value of key in regTmp and falls
// through. When the key is absent it inserts the value written by initial
// (into a zeroed slot) and jumps to done: the update is complete. If the
// insertion fails because another CPU inserted the key meanwhile, the
// fresh value is looked up and updated as usual; if the map is full, the
// drop is counted and it jumps to done.
func (g *gen) lookupOrInsert(name string, key loc, valueSize int, done string, initial func(v loc)) {
	g.lookup(name, key)
	have := g.e.newLabel("ahave")
	g.e.emit(asm.JNE.Imm(asm.R0, 0, have))
	mk := g.e.mark()
	v := g.e.slot(valueSize)
	g.e.zero(v, (valueSize+7)&^7)
	initial(v)
	g.update(name, key, v, bpfNoExist)
	g.e.release(mk)
	g.e.emit(asm.JEq.Imm(asm.R0, 0, done))
	g.lookup(name, key)
	g.e.emit(asm.JNE.Imm(asm.R0, 0, have))
	g.countDrop(name)
	g.e.emit(asm.Ja.Label(done))
	g.e.place(have)
	g.e.emit(asm.Mov.Reg(regTmp, asm.R0))
}

// deleteKey compiles delete(@m[k]) and delete(@m, k).
func (g *gen) deleteKey(m *ast.MapExpr, key ast.Expr) {
	def := g.mapDef(m)
	var k loc
	if key != nil {
		k = g.e.slot(def.Key.Size())
		g.zeroIfPadded(k, def.Key)
		g.valueTo(key, k, def.Key)
	} else {
		k = g.keyTo(m, def, 0)
	}
	g.e.mapPtr(asm.R1, m.Name)
	g.e.addr(asm.R2, k)
	g.e.call(asm.FnMapDeleteElem)
}
