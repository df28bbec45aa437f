//go:build linux

package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Kernel types from BTF.
//
// Nothing is read until the first KernelType or KernelEnumValue call, so a
// script that names no kernel type never pays for BTF. The first call loads
// the spec: cilium/ebpf mmaps /sys/kernel/btf/vmlinux and only indexes the
// type offsets and names; types are decoded on demand (a type and its
// descendants) by name lookups. Converted types are cached by BTF type
// identity, so later lookups of the same or related types are map hits, and
// recursive structs (task_struct.real_parent) terminate and share one
// *types.Struct.
//
// Enumerator names are not indexed by cilium/ebpf; the first KernelEnumValue
// call builds a name → enum index (see indexEnumerators).

// kernelBTF is the lazily loaded kernel BTF state of a Host.
type kernelBTF struct {
	loadOnce sync.Once
	spec     *btf.Spec
	loadErr  error

	mu     sync.Mutex
	conv   map[btf.Type]types.Type // converted types by BTF identity
	byName map[string]kernelTypeResult
	// rawStrs is the string section of the kernel's raw BTF, read on the
	// first type vmlinux lacks (kernelHasString).
	rawStrs     []byte
	rawStrsRead bool

	enumOnce sync.Once
	enums    map[string]kernelEnumerator
	enumErr  error
}

type kernelTypeResult struct {
	typ types.Type
	err error
	// module is the module whose BTF has the type ("" for vmlinux).
	module string
}

// kernelEnumerator locates an enumerator: by the ID of its enum (raw BTF
// scan; decoded on lookup) or, from a walk of the spec, by value and enum.
type kernelEnumerator struct {
	id    btf.TypeID
	value int64
	enum  *btf.Enum
}

// BTFEnv names the environment variable that overrides the kernel BTF file
// (as in bpftrace).
const BTFEnv = "BPFTRACE_BTF"

// kernelSpec returns the kernel BTF spec, loading it on first use.
func (h *Host) kernelSpec() (*btf.Spec, error) {
	k := &h.kbtf
	k.loadOnce.Do(func() {
		if path := os.Getenv(BTFEnv); path != "" {
			k.spec, k.loadErr = btf.LoadSpec(path)
			if k.loadErr != nil {
				k.loadErr = fmt.Errorf("load BTF from %s=%s: %w", BTFEnv, path, k.loadErr)
			}
			return
		}
		k.spec, k.loadErr = btf.LoadKernelSpec()
		if k.loadErr != nil {
			k.loadErr = fmt.Errorf("load kernel BTF: %w", k.loadErr)
		}
	})
	return k.spec, k.loadErr
}

// KernelType returns the kernel type named by name, which is "struct NAME",
// "union NAME", "enum NAME" or a typedef (or base type) name such as
// "pid_t", "u64" or "unsigned int", converted to gobpftrace types.
//
// Qualifiers and typedefs are looked through. Pointers point into kernel
// space. Struct and union fields have byte offsets; bitfields carry the bit
// offset within their storage unit (an integer of the field type's width
// starting at Offset). Struct fields of enum type are integers of the
// enum's real width with Field.Enum set (they read as the enum); a
// top-level "enum NAME" is a *types.Enum.
func (h *Host) KernelType(name string) (types.Type, error) {
	name = strings.Join(strings.Fields(name), " ")
	k := &h.kbtf
	k.mu.Lock()
	if r, ok := k.byName[name]; ok {
		k.mu.Unlock()
		return r.typ, r.err
	}
	k.mu.Unlock()

	spec, err := h.kernelSpec()
	if err != nil {
		return nil, err
	}

	k.mu.Lock()
	defer k.mu.Unlock()
	if r, ok := k.byName[name]; ok {
		return r.typ, r.err
	}
	typ, err := k.lookup(spec, name)
	var module string
	if errors.Is(err, errNoKernelType) && os.Getenv(BTFEnv) == "" {
		typ, module, err = h.moduleType(name, err)
	}
	if k.byName == nil {
		k.byName = map[string]kernelTypeResult{}
	}
	k.byName[name] = kernelTypeResult{typ, err, module}
	return typ, err
}

// KernelTypeModule returns the kernel module whose BTF has the type name
// (as KernelType found it), "vmlinux" for the kernel's own.
func (h *Host) KernelTypeModule(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if _, err := h.KernelType(name); err != nil {
		return ""
	}
	k := &h.kbtf
	k.mu.Lock()
	defer k.mu.Unlock()
	if m := k.byName[name].module; m != "" {
		return m
	}
	return "vmlinux"
}

// errNoKernelType is lookup's error for a type that its BTF lacks.
var errNoKernelType = errors.New("not found in BTF")

// moduleType looks a type vmlinux's BTF lacks up in the BTF of the loaded
// modules (/sys/kernel/btf/MODULE), in name order; the first that has it
// wins. A module's BTF is loaded (a few milliseconds) only when its
// strings hold the type's name, or the kernel's do (a module's split BTF
// may name a type with a string of vmlinux's): a name no BTF holds, as a
// script's own struct that the checker looks up, loads nothing. notFound
// is returned when no module has it. h.kbtf.mu is held.
func (h *Host) moduleType(name string, notFound error) (types.Type, string, error) {
	bare := name
	if kind, rest, ok := strings.Cut(name, " "); ok && (kind == "struct" || kind == "union" || kind == "enum") {
		bare = rest
	}
	inKernel := h.kbtf.kernelHasString(h.btfPath(), bare)
	for _, mod := range btfModules("*") {
		if mod == "vmlinux" || !inKernel && !rawBTFHasString(path.Join(sysBTFDir, mod), bare) {
			continue
		}
		spec, err := h.moduleSpec(mod)
		if err != nil {
			continue
		}
		if typ, err := h.kbtf.lookup(spec, name); err == nil {
			return typ, mod, nil
		}
	}
	return nil, "", notFound
}

// kernelHasString reports whether the string section of the kernel's raw
// BTF (at file) holds s; it is read on first use. When it cannot be read,
// every string may be there. k.mu is held.
func (k *kernelBTF) kernelHasString(file, s string) bool {
	if !k.rawStrsRead {
		k.rawStrsRead = true
		if raw, err := os.ReadFile(file); err == nil {
			if r, err := parseRawBTF(raw); err == nil {
				k.rawStrs = r.strSec
			}
		}
	}
	return k.rawStrs == nil || hasString(k.rawStrs, s)
}

// rawBTFHasString reports whether the string section of the raw BTF file
// holds s (true when it cannot be read: the caller then loads the BTF and
// sees).
func rawBTFHasString(file, s string) bool {
	raw, err := os.ReadFile(file)
	if err != nil {
		return true
	}
	r, err := parseRawBTF(raw)
	return err != nil || hasString(r.strSec, s)
}

// hasString reports whether a BTF string section (NUL-separated, starting
// with the empty string) holds s.
func hasString(strs []byte, s string) bool {
	return bytes.Contains(strs, append(append([]byte{0}, s...), 0))
}

// lookup finds and converts a named type. k.mu is held.
func (k *kernelBTF) lookup(spec *btf.Spec, name string) (types.Type, error) {
	kind, bare, ok := strings.Cut(name, " ")
	if ok {
		switch kind {
		case "struct", "union", "enum":
		default:
			// A multi-word base type such as "unsigned int".
			kind, bare = "", name
		}
	} else {
		kind, bare = "", name
	}
	if bare == "" {
		return nil, fmt.Errorf("empty kernel type name %q", name)
	}

	cands, err := spec.AnyTypesByName(bare)
	if err != nil && !errors.Is(err, btf.ErrNotFound) {
		return nil, fmt.Errorf("kernel type %s: %w", name, err)
	}
	var found btf.Type
	for _, c := range cands {
		var match bool
		switch c.(type) {
		case *btf.Struct:
			match = kind == "struct"
		case *btf.Union:
			match = kind == "union"
		case *btf.Enum:
			match = kind == "enum"
		case *btf.Typedef, *btf.Int:
			match = kind == ""
		}
		if match {
			found = c
			break
		}
	}
	if found == nil {
		return nil, fmt.Errorf("kernel type %s %w", name, errNoKernelType)
	}
	if e, ok := found.(*btf.Enum); ok {
		return k.enumType(e), nil
	}
	return k.convert(spec, found), nil
}

// KernelEnumValue returns the value of a kernel enumerator (TASK_COMM_LEN,
// TCP_ESTABLISHED …) and its enum type. The first call indexes every
// enumerator name of the kernel BTF; later calls decode only the one enum.
func (h *Host) KernelEnumValue(name string) (int64, *types.Enum, bool) {
	spec, err := h.kernelSpec()
	if err != nil {
		return 0, nil, false
	}
	k := &h.kbtf
	k.enumOnce.Do(func() { k.enums, k.enumErr = indexEnumerators(spec, h.btfPath()) })
	if k.enumErr != nil {
		return 0, nil, false
	}
	e, ok := k.enums[name]
	if !ok {
		return 0, nil, false
	}
	var val int64
	var enum *btf.Enum
	if e.enum != nil {
		val, enum = e.value, e.enum
	} else {
		typ, err := spec.TypeByID(e.id)
		if err != nil {
			return 0, nil, false
		}
		enum, ok = typ.(*btf.Enum)
		if !ok {
			return 0, nil, false
		}
		found := false
		for _, v := range enum.Values {
			if v.Name == name {
				val, found = enumValue(enum, v.Value), true
				break
			}
		}
		if !found {
			return 0, nil, false
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return val, k.enumType(enum), true
}

// btfPath is the raw BTF file the kernel spec was loaded from.
func (h *Host) btfPath() string {
	if p := os.Getenv(BTFEnv); p != "" {
		return p
	}
	return "/sys/kernel/btf/vmlinux"
}

// indexEnumerators maps every enumerator name of spec to its enum. When a
// name is defined by several enums (rare: per-CU duplicates), the first one
// wins.
//
// cilium/ebpf indexes type names but not enumerator names, and walking
// spec.All() decodes every type of the kernel (~150ms). So the raw BTF file
// the spec came from is scanned instead: only the type headers and the
// enumerator name offsets are read, giving name → enum type ID, and the enum
// itself is decoded on lookup. If path is not raw BTF (an ELF file given in
// BPFTRACE_BTF, or a vmlinux found elsewhere) or does not match spec, the
// spec is walked instead.
func indexEnumerators(spec *btf.Spec, path string) (map[string]kernelEnumerator, error) {
	if raw, err := os.ReadFile(path); err == nil {
		if idx, err := scanRawEnumerators(raw); err == nil && rawIndexMatches(spec, idx) {
			return idx, nil
		}
	}
	out := map[string]kernelEnumerator{}
	for t, err := range spec.All() {
		if err != nil {
			return nil, err
		}
		e, ok := t.(*btf.Enum)
		if !ok {
			continue
		}
		for _, v := range e.Values {
			if _, dup := out[v.Name]; dup {
				continue
			}
			out[v.Name] = kernelEnumerator{value: enumValue(e, v.Value), enum: e}
		}
	}
	return out, nil
}

// rawIndexMatches spot-checks that the IDs of a raw scan name enums of spec
// that define those enumerators.
func rawIndexMatches(spec *btf.Spec, idx map[string]kernelEnumerator) bool {
	checked := 0
	for name, e := range idx {
		typ, err := spec.TypeByID(e.id)
		if err != nil {
			return false
		}
		enum, ok := typ.(*btf.Enum)
		if !ok {
			return false
		}
		found := false
		for _, v := range enum.Values {
			if v.Name == name {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		if checked++; checked == 4 {
			break
		}
	}
	return true
}

// enumValue interprets a raw enumerator value (cilium sign-extends signed
// 32-bit values already).
func enumValue(e *btf.Enum, v uint64) int64 {
	if !e.Signed && e.Size < 8 {
		return int64(v & (1<<(8*e.Size) - 1))
	}
	return int64(v)
}

// enumType converts an enum to a *types.Enum (cached). k.mu is held.
func (k *kernelBTF) enumType(e *btf.Enum) *types.Enum {
	if t, ok := k.conv[e]; ok {
		return t.(*types.Enum)
	}
	names := make(map[int64]string, len(e.Values))
	for _, v := range e.Values {
		x := enumValue(e, v.Value)
		if _, dup := names[x]; !dup {
			names[x] = v.Name
		}
	}
	t := &types.Enum{Name: e.Name, Names: names}
	k.remember(e, t)
	return t
}

func (k *kernelBTF) remember(bt btf.Type, t types.Type) {
	if k.conv == nil {
		k.conv = map[btf.Type]types.Type{}
	}
	k.conv[bt] = t
}

// convert turns a BTF type into a gobpftrace type. k.mu is held.
func (k *kernelBTF) convert(spec *btf.Spec, bt btf.Type) types.Type {
	bt = btf.UnderlyingType(bt) // typedefs and qualifiers
	if x, ok := bt.(*btf.Enum); ok {
		// Not from k.conv, which holds the *types.Enum of enumType.
		return &types.Int{Bits: int(x.Size) * 8, Signed: x.Signed}
	}
	if t, ok := k.conv[bt]; ok {
		return t
	}
	switch x := bt.(type) {
	case *btf.Int:
		return convertInt(x)
	case *btf.Pointer:
		p := &types.Pointer{Space: types.Kernel}
		k.remember(x, p)
		p.Elem = k.convert(spec, x.Target)
		return p
	case *btf.Array:
		a := &types.Array{Elem: k.convert(spec, x.Type), Len: int(x.Nelems)}
		k.remember(x, a)
		return a
	case *btf.Struct:
		return k.convertComposite(spec, x, "struct", x.Name, x.Size, x.Members)
	case *btf.Union:
		return k.convertComposite(spec, x, "union", x.Name, x.Size, x.Members)
	case *btf.Fwd:
		return k.convertFwd(spec, x)
	case *btf.Float:
		return &types.Array{Elem: types.Uint8, Len: int(x.Size)}
	default:
		// Void, FuncProto, Func, Var, Datasec …
		return &types.Void{}
	}
}

func convertInt(x *btf.Int) types.Type {
	switch {
	case x.Encoding == btf.Bool && x.Size == 1:
		return &types.Bool{}
	case x.Name == "char" || x.Encoding == btf.Char:
		if x.Size == 1 {
			return types.Int8
		}
	}
	switch x.Size {
	case 1, 2, 4, 8:
		return &types.Int{Bits: int(x.Size) * 8, Signed: x.Encoding == btf.Signed}
	}
	// __int128 and other odd widths: raw bytes.
	return &types.Array{Elem: types.Uint8, Len: int(x.Size)}
}

// convertFwd resolves a forward declaration through the spec by name; an
// unresolvable one becomes an empty struct or union.
func (k *kernelBTF) convertFwd(spec *btf.Spec, f *btf.Fwd) types.Type {
	kind := "struct"
	if f.Kind == btf.FwdUnion {
		kind = "union"
	}
	if f.Name != "" {
		cands, _ := spec.AnyTypesByName(f.Name)
		for _, c := range cands {
			switch c.(type) {
			case *btf.Struct:
				if kind == "struct" {
					t := k.convert(spec, c)
					k.remember(f, t)
					return t
				}
			case *btf.Union:
				if kind == "union" {
					t := k.convert(spec, c)
					k.remember(f, t)
					return t
				}
			}
		}
	}
	t := &types.Struct{Kind: kind, Name: f.Name, Align_: 1}
	k.remember(f, t)
	return t
}

// convertComposite converts a struct or union. The *types.Struct is cached
// before its fields are converted so self-references terminate.
func (k *kernelBTF) convertComposite(spec *btf.Spec, bt btf.Type, kind, name string, size uint32, members []btf.Member) *types.Struct {
	s := &types.Struct{Kind: kind, Name: name, Bytes: int(size)}
	k.remember(bt, s)
	s.Fields = make([]types.Field, 0, len(members))
	align := 1
	for _, m := range members {
		ft := k.convert(spec, m.Type)
		f := types.Field{Name: m.Name, Type: ft, Offset: int(m.Offset / 8)}
		if m.BitfieldSize > 0 {
			f = bitfieldField(m, ft)
		}
		if e, ok := btf.UnderlyingType(m.Type).(*btf.Enum); ok && e.Name != "" {
			f.Enum = k.enumType(e)
		}
		if a := f.Type.Align(); a > align && m.BitfieldSize == 0 {
			align = a
		}
		s.Fields = append(s.Fields, f)
	}
	// Packed structs: the alignment must divide the size.
	for align > 1 && s.Bytes%align != 0 {
		align /= 2
	}
	s.Align_ = align
	return s
}

// bitfieldField places a bitfield member in an integer storage unit: a
// unit of the declared type's width aligned to that width when the bits fit
// in it, else the smallest unit starting at the field's first byte.
func bitfieldField(m btf.Member, ft types.Type) types.Field {
	return placeBitfield(m.Name, ft, int(m.Offset), int(m.BitfieldSize))
}

// placeBitfield places the bitfield name of bits bits, bitOff bits from
// the start of its struct (as bitfieldField; DWARF has the same).
func placeBitfield(name string, ft types.Type, bitOff, bits int) types.Field {
	signed := false
	unit := 4
	switch t := ft.(type) {
	case *types.Int:
		signed, unit = t.Signed, t.Size()
	case *types.Bool:
		unit = 1
	}
	off := bitOff / 8 / unit * unit
	if bitOff-off*8+bits > unit*8 {
		off = bitOff / 8
		unit = 1
		for unit < 8 && bitOff-off*8+bits > unit*8 {
			unit *= 2
		}
	}
	return types.Field{
		Name:      name,
		Type:      &types.Int{Bits: unit * 8, Signed: signed},
		Offset:    off,
		BitOffset: bitOff - off*8,
		BitSize:   bits,
	}
}
