package runtime

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/host"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// DWARF of user programs: the parameters of a function, with their types,
// for `args` in uprobes, and the program's types by name for casts
// (bpftrace reads them with libdw; Go's debug/dwarf reads the same
// sections); source lines are in dwarf_lines.go. The DWARF may be in the
// file itself, in a separate debug file (debugfile.go), and in split units
// (split.go). A file's DWARF is opened once and its functions and types
// indexed by name on first use; types are converted to the checker's on
// demand, structs once per file (they may point to themselves).

// dwarfFile is the indexed DWARF of one ELF file.
type dwarfFile struct {
	// mu serializes readers: debug/dwarf caches types without locks.
	mu sync.Mutex
	// data is the file's DWARF, or its separate debug file's (debugfile.go):
	// line tables, and the skeleton units of split DWARF.
	data *dwarf.Data
	// units are where debugging entries are: data, then the split units
	// of its skeletons (split.go), loaded by the first lookup by name
	// (splitOnce): finding the skeletons reads every unit.
	units     []*dwarf.Data
	splitOnce sync.Once
	// splitNotes say which split units were not found (or not read).
	splitNotes []string
	// path is the program's file and debugPath the file data was read
	// from (the same, or its separate debug file).
	path, debugPath string
	funcs           map[string]dieRef // function definitions by name (indexFuncs)
	named           map[string]dieRef // struct, union, enum and typedef names (indexTypes)
	conv            map[dwarf.Type]types.Type
	lines           map[uint64][]SourceFrame // source's answers, by address
}

// dieRef is a debugging entry of one of a file's units.
type dieRef struct {
	d   *dwarf.Data
	off dwarf.Offset
}

// dwarfCache holds the files opened so far, by path (nil: no DWARF).
type dwarfCache struct {
	mu    sync.Mutex
	files map[string]*dwarfFile
	errs  map[string]error
}

// errNoDWARF is the error of a file without debug info.
var errNoDWARF = host.ErrNoDebugInfo

// file opens and indexes the DWARF of the ELF file at path; a file
// without it has its debug info searched in a separate file
// (debugfile.go), when separate is set, in the directories of search
// (--debuginfo) and then the standard places.
func (c *dwarfCache) file(path string, search []string, separate bool) (*dwarfFile, error) {
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
	f, err := openDWARF(path, search, separate)
	if err != nil {
		c.errs[path] = err
		return nil, err
	}
	c.files[path] = f
	return f, nil
}

func openDWARF(path string, search []string, separate bool) (*dwarfFile, error) {
	ef, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	dbg, debugPath := ef, path
	if !hasDWARF(ef) {
		if !separate {
			return nil, errNoDWARF
		}
		dbg, debugPath, err = openDebugFile(path, ef, search)
		if err != nil {
			return nil, err
		}
		defer dbg.Close()
	}
	data, err := dbg.DWARF()
	if err != nil {
		return nil, fmt.Errorf("reading DWARF: %w", err)
	}
	return &dwarfFile{data: data, units: []*dwarf.Data{data}, path: path, debugPath: debugPath,
		conv: map[dwarf.Type]types.Type{}}, nil
}

// loadSplit adds the split units of the file's skeletons to its units.
func (f *dwarfFile) loadSplit() {
	f.splitOnce.Do(func() {
		ef, err := elf.Open(f.debugPath)
		if err != nil {
			return
		}
		defer ef.Close()
		units, notes := splitUnits(f.path, ef, f.data)
		f.units, f.splitNotes = append(f.units, units...), notes
	})
}

// hasDWARF reports whether the ELF file has debugging entries.
func hasDWARF(ef *elf.File) bool {
	return ef.Section(".debug_info") != nil || ef.Section(".zdebug_info") != nil
}

// indexFuncs indexes the file's functions by name, once: only `args` needs
// it (source lines of stacks find their function by address).
func (f *dwarfFile) indexFuncs() error {
	if f.funcs != nil {
		return nil
	}
	funcs := map[string]dieRef{}
	err := f.eachTopLevel(func(d *dwarf.Data, e *dwarf.Entry) {
		if e.Tag != dwarf.TagSubprogram {
			return
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		// The definition (with code), not a declaration.
		if decl, _ := e.Val(dwarf.AttrDeclaration).(bool); name != "" && !decl {
			if _, seen := funcs[name]; !seen {
				funcs[name] = dieRef{d, e.Offset}
			}
		}
	})
	if err != nil {
		return err
	}
	f.funcs = funcs
	return nil
}

// eachTopLevel calls fn with every entry of every unit that is a child of
// a compilation unit (or of a namespace in it), without descending further.
func (f *dwarfFile) eachTopLevel(fn func(*dwarf.Data, *dwarf.Entry)) error {
	f.loadSplit()
	for _, d := range f.units {
		r := d.Reader()
		for {
			e, err := r.Next()
			if err != nil {
				return fmt.Errorf("reading DWARF: %w", err)
			}
			if e == nil {
				break
			}
			switch e.Tag {
			case 0, dwarf.TagCompileUnit, dwarf.TagSkeletonUnit, dwarf.TagNamespace, dwarf.TagTypeUnit, dwarf.TagPartialUnit:
				continue
			}
			fn(d, e)
			if e.Children {
				r.SkipChildren()
			}
		}
	}
	return nil
}

// params returns the formal parameters of function fn.
func (f *dwarfFile) params(fn string) ([]host.FuncParam, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.indexFuncs(); err != nil {
		return nil, false, err
	}
	ref, ok := f.funcs[fn]
	if !ok {
		return nil, false, nil
	}
	r := ref.d.Reader()
	r.Seek(ref.off)
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
		dt, err := ref.d.Type(toff)
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
	f, err := h.dwarf.file(path, h.debugPaths, true)
	if err != nil {
		return nil, err
	}
	params, ok, err := f.params(fn)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no DWARF debug info for function %s%s", fn, f.splitNote())
	}
	return &host.FuncProto{Name: fn, Params: params}, nil
}

// splitNote is what a failed lookup adds about split units not read:
// the first note and how many more there are. It is called after the
// lookup loaded the split units (loadSplit).
func (f *dwarfFile) splitNote() string {
	switch n := len(f.splitNotes); n {
	case 0:
		return ""
	case 1:
		return " (" + f.splitNotes[0] + ")"
	default:
		return fmt.Sprintf(" (%s; and %d more)", f.splitNotes[0], n-1)
	}
}

// indexTypes indexes the file's named types, once: "struct NAME",
// "union NAME", "enum NAME" and typedef names, definitions before
// declarations.
func (f *dwarfFile) indexTypes() error {
	if f.named != nil {
		return nil
	}
	named := map[string]dieRef{}
	decls := map[string]bool{}
	prefix := map[dwarf.Tag]string{dwarf.TagStructType: "struct ", dwarf.TagUnionType: "union ",
		dwarf.TagEnumerationType: "enum ", dwarf.TagTypedef: ""}
	err := f.eachTopLevel(func(d *dwarf.Data, e *dwarf.Entry) {
		p, ok := prefix[e.Tag]
		name, _ := e.Val(dwarf.AttrName).(string)
		if !ok || name == "" {
			return
		}
		decl, _ := e.Val(dwarf.AttrDeclaration).(bool)
		key := p + name
		if _, seen := named[key]; !seen || (decls[key] && !decl) {
			named[key], decls[key] = dieRef{d, e.Offset}, decl
		}
	})
	if err != nil {
		return err
	}
	f.named = named
	return nil
}

// userType returns the type named name ("struct Foo", a typedef name).
func (f *dwarfFile) userType(name string) (types.Type, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.indexTypes(); err != nil {
		return nil, err
	}
	ref, ok := f.named[name]
	if !ok {
		return nil, fmt.Errorf("type %s not found in DWARF%s", name, f.splitNote())
	}
	dt, err := ref.d.Type(ref.off)
	if err != nil {
		return nil, fmt.Errorf("reading the DWARF of %s: %w", name, err)
	}
	t := f.convert(dt)
	if t == nil {
		return nil, fmt.Errorf("type %s of the DWARF has no BPF equivalent", name)
	}
	return t, nil
}

// UserType implements check.Host: a struct, union, enum or typedef of
// the ELF file at path, from its DWARF.
func (h *Host) UserType(path, name string) (types.Type, error) {
	f, err := h.dwarf.file(path, h.debugPaths, true)
	if err != nil {
		return nil, err
	}
	return f.userType(name)
}
