package runtime

import (
	"debug/dwarf"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Source lines of user stacks (show_debug_info, on by default as in
// bpftrace HEAD): an address of a file with DWARF is the source line it
// was compiled from, and, when it lies in functions inlined into the
// probed one, a frame per inlined call, innermost first, as blazesym
// reports them to bpftrace. The innermost frame's line comes from the
// line table; each enclosing function's is the call site of the function
// inlined into it (DW_AT_call_file, DW_AT_call_line).

// SourceFrame is one source-level frame of an address.
type SourceFrame struct {
	// Func is the inlined function's name; empty for the function that
	// contains the address (its symbol is printed instead).
	Func string
	// Line is "file:line", empty when unknown.
	Line string
	// Inlined marks a function inlined at this address.
	Inlined bool
}

// source returns the source frames of pc, a virtual address of the file:
// the inlined functions innermost first, then the containing function.
// Nil when the DWARF does not cover pc.
func (f *dwarfFile) source(pc uint64) []SourceFrame {
	f.mu.Lock()
	defer f.mu.Unlock()
	if frames, ok := f.lines[pc]; ok {
		return frames
	}
	frames := f.lookupSource(pc)
	if f.lines == nil {
		f.lines = map[uint64][]SourceFrame{}
	}
	f.lines[pc] = frames
	return frames
}

func (f *dwarfFile) lookupSource(pc uint64) []SourceFrame {
	r := f.data.Reader()
	cu, err := r.SeekPC(pc)
	if err != nil || cu == nil {
		return nil
	}
	lr, err := f.data.LineReader(cu)
	if err != nil || lr == nil {
		return nil
	}
	le, ok := lineAt(lr, pc)
	if !ok || le.File == nil {
		return nil
	}
	line := le.File.Name + ":" + strconv.Itoa(le.Line)
	chain := f.inlineChain(r, pc) // outermost first
	out := make([]SourceFrame, 0, len(chain)+1)
	files := lr.Files()
	// From the innermost inlined function out: each frame's line is
	// where execution is in it, the next one's the call site.
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, SourceFrame{Func: f.inlinedName(chain[i]), Line: line, Inlined: true})
		line = callSite(chain[i], files)
	}
	return append(out, SourceFrame{Line: line})
}

// lineAt finds the row of the line table that covers pc. (LineReader.SeekPC
// assumes the sequences in address order, which they are not when a
// compiler puts functions in sections of their own: main in .text.startup
// before the rest.)
func lineAt(lr *dwarf.LineReader, pc uint64) (dwarf.LineEntry, bool) {
	var prev, e dwarf.LineEntry
	have := false
	for lr.Next(&e) == nil {
		if have && prev.Address <= pc && pc < e.Address {
			return prev, true
		}
		prev, have = e, !e.EndSequence
	}
	return dwarf.LineEntry{}, false
}

// inlineChain returns the inlined subroutine entries containing pc inside
// the function that contains it, outermost first; r is positioned at
// pc's compilation unit entry.
func (f *dwarfFile) inlineChain(r *dwarf.Reader, pc uint64) []*dwarf.Entry {
	chain, _ := f.descend(r, pc)
	return chain
}

// descend reads the children of the entry just read, looking for the
// function that contains pc; done reports that it was found, chain holds
// the inlined subroutines containing pc inside it, outermost first.
func (f *dwarfFile) descend(r *dwarf.Reader, pc uint64) (chain []*dwarf.Entry, done bool) {
	for {
		e, err := r.Next()
		if err != nil || e == nil || e.Tag == 0 {
			return nil, false
		}
		switch e.Tag {
		case dwarf.TagSubprogram, dwarf.TagInlinedSubroutine, dwarf.TagLexDwarfBlock:
			if !f.covers(e, pc) {
				if e.Children {
					r.SkipChildren()
				}
				continue
			}
			var inner []*dwarf.Entry
			if e.Children {
				inner, _ = f.descend(r, pc)
			}
			if e.Tag == dwarf.TagInlinedSubroutine {
				inner = append([]*dwarf.Entry{e}, inner...)
			}
			return inner, true
		case dwarf.TagNamespace, dwarf.TagClassType, dwarf.TagStructType:
			if e.Children {
				if chain, done := f.descend(r, pc); done {
					return chain, true
				}
			}
		default:
			if e.Children {
				r.SkipChildren()
			}
		}
	}
}

// covers reports whether the code of entry e includes pc.
func (f *dwarfFile) covers(e *dwarf.Entry, pc uint64) bool {
	ranges, err := f.data.Ranges(e)
	if err != nil {
		return false
	}
	for _, rg := range ranges {
		if pc >= rg[0] && pc < rg[1] {
			return true
		}
	}
	return false
}

// inlinedName is the name of an inlined subroutine, from its abstract
// origin (following a chain of origins and specifications).
func (f *dwarfFile) inlinedName(e *dwarf.Entry) string {
	for i := 0; i < 8 && e != nil; i++ {
		if name, ok := e.Val(dwarf.AttrName).(string); ok {
			return name
		}
		off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if !ok {
			if off, ok = e.Val(dwarf.AttrSpecification).(dwarf.Offset); !ok {
				return "??"
			}
		}
		r := f.data.Reader()
		r.Seek(off)
		e, _ = r.Next()
	}
	return "??"
}

// callSite is "file:line" of an inlined subroutine's call.
func callSite(e *dwarf.Entry, files []*dwarf.LineFile) string {
	idx, ok := e.Val(dwarf.AttrCallFile).(int64)
	line, ok2 := e.Val(dwarf.AttrCallLine).(int64)
	if !ok || !ok2 || idx < 0 || int(idx) >= len(files) || files[idx] == nil {
		return ""
	}
	return files[idx].Name + ":" + strconv.FormatInt(line, 10)
}

// lineAddr returns the address of the code of line (and column, unless
// 0) of source file, a path or the tail of one, as bpftrace finds it: the
// compilation unit whose file table has exactly one path ending in file,
// then the first statement of its line table at that line of that file
// (any row when no statement row has it).
func (f *dwarfFile) lineAddr(file string, line, col int) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var match string
	var cus []*dwarf.LineReader
	r := f.data.Reader()
	for {
		cu, err := r.Next()
		if err != nil {
			return 0, fmt.Errorf("reading DWARF: %w", err)
		}
		if cu == nil {
			break
		}
		r.SkipChildren()
		lr, err := f.data.LineReader(cu)
		if err != nil || lr == nil {
			continue
		}
		found := false
		for _, lf := range lr.Files() {
			if lf == nil || !pathEndsWith(lf.Name, file) {
				continue
			}
			if match != "" && filepath.Clean(lf.Name) != match {
				return 0, fmt.Errorf("Ambiguous source path, matches multiple files: %s, %s", match, filepath.Clean(lf.Name))
			}
			match, found = filepath.Clean(lf.Name), true
		}
		if found {
			cus = append(cus, lr)
		}
	}
	if match == "" {
		return 0, fmt.Errorf("No compilation unit matches %s", file)
	}
	for _, stmtOnly := range []bool{true, false} {
		for _, lr := range cus {
			lr.Reset()
			var e dwarf.LineEntry
			for lr.Next(&e) == nil {
				if e.Line == line && (col == 0 || e.Column == col) && (e.IsStmt || !stmtOnly) &&
					!e.EndSequence && e.File != nil && filepath.Clean(e.File.Name) == match {
					return e.Address, nil
				}
			}
		}
	}
	where := file + ":" + strconv.Itoa(line)
	if col != 0 {
		where += ":" + strconv.Itoa(col)
	}
	return 0, fmt.Errorf("Unable to map '%s' to address", where)
}

// pathEndsWith reports whether the last elements of path are those of
// pattern ("b/c.c" ends "/a/b/c.c", "c.c" does not end "/a/bc.c").
func pathEndsWith(path, pattern string) bool {
	p := strings.Split(filepath.Clean(path), "/")
	q := strings.Split(filepath.Clean(pattern), "/")
	if pattern == "" || len(q) > len(p) {
		return false
	}
	for i := 1; i <= len(q); i++ {
		if p[len(p)-i] != q[len(q)-i] {
			return false
		}
	}
	return true
}

// SourceLineAddr implements check.Host: the address of a source line of
// the ELF file at path, from its DWARF line table.
func (h *Host) SourceLineAddr(path, file string, line, col int) (uint64, error) {
	f, err := h.dwarf.file(path, h.debugPaths, true)
	if err != nil {
		return 0, err
	}
	return f.lineAddr(file, line, col)
}
