package runtime

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// DWARF of user programs: the parameters of a function, with their types,
// for `args` in uprobes (bpftrace reads them with libdw; Go's debug/dwarf
// reads the same sections). A file's DWARF is opened once and its
// functions indexed by name on first use; types are converted to the
// checker's on demand, structs once per file (they may point to
// themselves).

// dwarfFile is the indexed DWARF of one ELF file.
type dwarfFile struct {
	// mu serializes readers: debug/dwarf caches types without locks.
	mu    sync.Mutex
	data  *dwarf.Data
	funcs map[string]dwarf.Offset // function definitions by name (indexFuncs)
	conv  map[dwarf.Type]types.Type
	lines map[uint64][]SourceFrame // source's answers, by address
}

// dwarfCache holds the files opened so far, by path (nil: no DWARF).
type dwarfCache struct {
	mu    sync.Mutex
	files map[string]*dwarfFile
	errs  map[string]error
}

// errNoDWARF is the error of a file without debug info.
var errNoDWARF = errors.New("no DWARF debug info")

// file opens and indexes the DWARF of the ELF file at path.
func (c *dwarfCache) file(path string) (*dwarfFile, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.files[path]; ok {
		return f, nil
	}
	if err, ok := c.errs[path]; ok {
		return nil, err
	}
	if c.files == nil {
		c.files, c.errs = map[string]*dwarfFile{}, map[string]error{}
	}
	f, err := openDWARF(path)
	if err != nil {
		c.errs[path] = err
		return nil, err
	}
	c.files[path] = f
	return f, nil
}

func openDWARF(path string) (*dwarfFile, error) {
	ef, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	if ef.Section(".debug_info") == nil && ef.Section(".zdebug_info") == nil {
		return nil, errNoDWARF
	}
	data, err := ef.DWARF()
	if err != nil {
		return nil, fmt.Errorf("reading DWARF: %w", err)
	}
	return &dwarfFile{data: data, conv: map[dwarf.Type]types.Type{}}, nil
}

// indexFuncs indexes the file's functions by name, once: only `args` needs
// it (source lines of stacks find their function by address).
func (f *dwarfFile) indexFuncs() error {
	if f.funcs != nil {
		return nil
	}
	funcs := map[string]dwarf.Offset{}
	r := f.data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return fmt.Errorf("reading DWARF: %w", err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagSubprogram {
			if e.Tag != dwarf.TagCompileUnit && e.Tag != dwarf.TagNamespace {
				r.SkipChildren()
			}
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		// The definition (with code), not a declaration.
		if decl, _ := e.Val(dwarf.AttrDeclaration).(bool); name != "" && !decl {
			if _, seen := funcs[name]; !seen {
				funcs[name] = e.Offset
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	f.funcs = funcs
	return nil
}

// params returns the formal parameters of function fn.
func (f *dwarfFile) params(fn string) ([]host.FuncParam, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.indexFuncs(); err != nil {
		return nil, false, err
	}
	off, ok := f.funcs[fn]
	if !ok {
		return nil, false, nil
	}
	r := f.data.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil || e == nil {
		return nil, false, fmt.Errorf("reading DWARF of %s: %v", fn, err)
	}
	var out []host.FuncParam
	if !e.Children {
		return out, true, nil
	}
	for {
		c, err := r.Next()
		if err != nil {
			return nil, false, fmt.Errorf("reading DWARF of %s: %w", fn, err)
		}
		if c == nil || c.Tag == 0 {
			break
		}
		if c.Tag != dwarf.TagFormalParameter {
			if c.Children {
				r.SkipChildren()
			}
			continue
		}
		name, _ := c.Val(dwarf.AttrName).(string)
		toff, _ := c.Val(dwarf.AttrType).(dwarf.Offset)
		dt, err := f.data.Type(toff)
		if err != nil {
			return nil, false, fmt.Errorf("reading the type of %s's parameter %s: %w", fn, name, err)
		}
		out = append(out, host.FuncParam{Name: name, Type: f.convert(dt), Decl: dwarfDecl(dt)})
	}
	return out, true, nil
}

// convert turns a DWARF type into the checker's; nil for types a BPF
// program cannot hold (floating point).
func (f *dwarfFile) convert(t dwarf.Type) types.Type {
	if ct, ok := f.conv[t]; ok {
		return ct
	}
	var out types.Type
	switch t := t.(type) {
	case *dwarf.QualType:
		out = f.convert(t.Type)
	case *dwarf.TypedefType:
		out = f.convert(t.Type)
	case *dwarf.BoolType:
		out = &types.Bool{}
	case *dwarf.IntType, *dwarf.CharType:
		out = sizedInt(t.Size(), true)
	case *dwarf.UintType, *dwarf.UcharType:
		out = sizedInt(t.Size(), false)
	case *dwarf.EnumType:
		out = sizedInt(t.Size(), true)
	case *dwarf.PtrType:
		p := &types.Pointer{Space: types.User, Elem: &types.Void{}}
		f.conv[t] = p // a struct may point to itself
		if _, isVoid := t.Type.(*dwarf.VoidType); t.Type != nil && !isVoid {
			if e := f.convert(t.Type); e != nil {
				p.Elem = e
			}
		}
		return p
	case *dwarf.StructType:
		s := &types.Struct{Kind: t.Kind, Name: t.StructName}
		f.conv[t] = s
		if t.Incomplete {
			return s
		}
		s.Bytes = int(t.ByteSize)
		for _, fld := range t.Field {
			ft := f.convert(fld.Type)
			if ft == nil {
				continue
			}
			field := types.Field{Name: fld.Name, Type: ft, Offset: int(fld.ByteOffset)}
			if fld.BitSize != 0 {
				bitOff := int(fld.DataBitOffset)
				if fld.DataBitOffset == 0 && fld.BitOffset != 0 {
					// DWARF 2 and 3 count from the storage unit's
					// most significant bit (little-endian here).
					bitOff = 8*int(fld.ByteOffset) + 8*int(fld.ByteSize) - int(fld.BitOffset) - int(fld.BitSize)
				}
				field = placeBitfield(fld.Name, ft, bitOff, int(fld.BitSize))
			}
			s.Fields = append(s.Fields, field)
		}
		return s
	case *dwarf.ArrayType:
		if e := f.convert(t.Type); e != nil && t.Count >= 0 {
			out = &types.Array{Elem: e, Len: int(t.Count)}
		}
	case *dwarf.FuncType:
		out = &types.Void{}
	case *dwarf.VoidType:
		out = &types.Void{}
	}
	f.conv[t] = out
	return out
}

// sizedInt is the integer type of size bytes (1, 2, 4 or 8).
func sizedInt(size int64, signed bool) types.Type {
	switch size {
	case 1, 2, 4, 8:
		return &types.Int{Bits: int(size) * 8, Signed: signed}
	}
	return nil
}

// cDecl spells a DWARF type as bpftrace lists it ("int", "struct Foo*").
func dwarfDecl(t dwarf.Type) string {
	switch t := t.(type) {
	case *dwarf.PtrType:
		if t.Type == nil {
			return "void*"
		}
		return dwarfDecl(t.Type) + "*"
	case *dwarf.QualType:
		return t.Qual + " " + dwarfDecl(t.Type)
	case *dwarf.StructType:
		return t.Kind + " " + t.StructName
	}
	return t.String()
}

// UserFuncProto implements check.Host: the parameters of function fn of
// the ELF file at path, from its DWARF. A file without DWARF, or without
// the function in it, is an error.
func (h *Host) UserFuncProto(path, fn string) (*host.FuncProto, error) {
	f, err := h.dwarf.file(path)
	if err != nil {
		return nil, err
	}
	params, ok, err := f.params(fn)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no DWARF debug info for function %s", fn)
	}
	return &host.FuncProto{Name: fn, Params: params}, nil
}
