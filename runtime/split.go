package runtime

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
)

// Split DWARF (gcc/clang -gsplit-dwarf): the program keeps a skeleton
// unit per compilation unit (its address ranges, its line table, the name
// of a .dwo file and the 64-bit id of the unit in it); the unit's
// debugging entries are in the .dwo file, or in a DWARF package (.dwp)
// that bundles the .dwo files of a program, indexed by unit id. Go's
// debug/dwarf reads neither, so each split unit becomes a dwarf.Data of
// its own, built from the .dwo sections of its contribution. The string
// offsets and addresses a split unit refers to have implicit bases (the
// start of its string offset table, the skeleton's DW_AT_addr_base),
// which debug/dwarf takes as 0 for a unit that does not name them: the
// sections are handed over starting at those bases. Only DWARF 5 split
// units are read (the GNU extension to DWARF 4 uses forms debug/dwarf
// does not decode).

// GNU extensions to DWARF 4 split units.
const (
	attrGNUDwoName  dwarf.Attr = 0x2130
	attrGNUDwoID    dwarf.Attr = 0x2131
	attrGNUAddrBase dwarf.Attr = 0x2133
)

// DWARF 5 unit type of a split compilation unit.
const utSplitCompile = 5

// Section ids of a DWARF package index (DW_SECT_*, the same in the
// GNU version 2 and the DWARF 5 formats for these).
const (
	sectInfo       = 1
	sectAbbrev     = 3
	sectStrOffsets = 6
)

// skeleton is what a skeleton unit says about its split unit.
type skeleton struct {
	dwoName, compDir string
	id               uint64
	addrBase         int64
}

// splitUnits returns the split units of data's skeleton units, found next
// to the program at path (ef is the ELF file data was read from). A
// skeleton whose split unit is not found is left alone (its line table
// and address ranges are still there) and noted, in bpftrace's words.
func splitUnits(path string, ef *elf.File, data *dwarf.Data) (units []*dwarf.Data, notes []string) {
	skels := skeletons(ef, data)
	if len(skels) == 0 {
		return nil, nil
	}
	addr := sectionData(ef, ".debug_addr")
	var dwp *dwpFile
	dwpTried := false
	for _, sk := range skels {
		var addrs []byte
		if sk.addrBase >= 0 && sk.addrBase <= int64(len(addr)) {
			addrs = addr[sk.addrBase:]
		}
		d, note := openDwo(path, sk, addrs)
		if d == nil {
			if !dwpTried {
				dwpTried = true
				dwp = openDwp(path + ".dwp")
			}
			if dwp != nil {
				d = dwp.unit(sk.id, addrs)
			}
		}
		if d != nil {
			units = append(units, d)
			continue
		}
		if note == "" {
			base := filepath.Base(path)
			note = fmt.Sprintf("Unable to find split debug file '%s' or '%s.dwp' for '%s', debugging information may be incomplete!",
				filepath.Base(sk.dwoName), strings.TrimSuffix(base, filepath.Ext(base)), path)
		}
		notes = append(notes, note)
	}
	return units, notes
}

// skeletons lists the skeleton units of data.
func skeletons(ef *elf.File, data *dwarf.Data) []skeleton {
	var info []byte
	var out []skeleton
	r := data.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			return out
		}
		name, _ := e.Val(dwarf.AttrDwoName).(string)
		if name == "" {
			name, _ = e.Val(attrGNUDwoName).(string)
		}
		if name != "" {
			sk := skeleton{dwoName: name}
			sk.compDir, _ = e.Val(dwarf.AttrCompDir).(string)
			var ok bool
			if sk.addrBase, ok = e.Val(dwarf.AttrAddrBase).(int64); !ok {
				sk.addrBase, _ = e.Val(attrGNUAddrBase).(int64)
			}
			if id, ok := e.Val(attrGNUDwoID).(int64); ok {
				sk.id = uint64(id)
			} else if e.Tag == dwarf.TagSkeletonUnit {
				// A DWARF 5 skeleton unit's header ends with the id.
				if info == nil {
					info = sectionData(ef, ".debug_info")
				}
				if off := int(e.Offset); off >= 8 && off <= len(info) {
					sk.id = ef.ByteOrder.Uint64(info[off-8 : off])
				}
			}
			out = append(out, sk)
		}
		r.SkipChildren()
	}
}

// sectionData is the (uncompressed) contents of an ELF section; nil when
// the file lacks it.
func sectionData(ef *elf.File, name string) []byte {
	s := ef.Section(name)
	if s == nil {
		return nil
	}
	b, err := s.Data()
	if err != nil {
		return nil
	}
	return b
}

// openDwo reads the split unit of sk from its .dwo file: at the path the
// skeleton names (relative to its compilation directory), or in the
// program's directory. A .dwo file it cannot read is noted.
func openDwo(path string, sk skeleton, addrs []byte) (*dwarf.Data, string) {
	cands := []string{sk.dwoName}
	if !filepath.IsAbs(sk.dwoName) {
		cands[0] = filepath.Join(sk.compDir, sk.dwoName)
	}
	cands = append(cands, filepath.Join(filepath.Dir(path), filepath.Base(sk.dwoName)))
	note := ""
	for _, c := range cands {
		ef, err := elf.Open(c)
		if err != nil {
			continue
		}
		info := sectionData(ef, ".debug_info.dwo")
		var d *dwarf.Data
		switch {
		case splitUnitID(info, ef.ByteOrder) == sk.id:
			d = newSplitData(ef.ByteOrder, info, sectionData(ef, ".debug_abbrev.dwo"),
				sectionData(ef, ".debug_str.dwo"), sectionData(ef, ".debug_str_offsets.dwo"), addrs)
		case len(info) >= 6 && ef.ByteOrder.Uint16(info[4:]) < 5:
			note = fmt.Sprintf("split debug file '%s' is DWARF %d (GNU split DWARF), which is not supported: build with -gdwarf-5",
				c, ef.ByteOrder.Uint16(info[4:]))
		}
		ef.Close()
		if d != nil {
			return d, ""
		}
	}
	return nil, note
}

// splitUnitID is the id in the header of the first split compilation
// unit of a .debug_info.dwo section (0: none).
func splitUnitID(info []byte, bo binary.ByteOrder) uint64 {
	for len(info) >= 20 {
		n := uint64(bo.Uint32(info))
		if n == 0xffffffff {
			return 0 // 64-bit DWARF: not written by compilers
		}
		if bo.Uint16(info[4:]) >= 5 && info[6] == utSplitCompile {
			return bo.Uint64(info[12:])
		}
		if n+4 > uint64(len(info)) {
			return 0
		}
		info = info[n+4:]
	}
	return 0
}

// newSplitData builds the dwarf.Data of a split unit from its sections;
// strOffsets starts with the table's header, addrs at the unit's
// addresses. Nil when they do not decode.
func newSplitData(bo binary.ByteOrder, info, abbrev, str, strOffsets, addrs []byte) *dwarf.Data {
	if len(info) < 6 || len(abbrev) == 0 {
		return nil
	}
	// A DWARF 5 string offsets table starts with its length (4 bytes,
	// 12 in 64-bit DWARF), version and padding.
	if len(strOffsets) >= 8 && bo.Uint16(info[4:]) >= 5 {
		hdr := 8
		if bo.Uint32(strOffsets) == 0xffffffff {
			hdr = 16
		}
		if hdr <= len(strOffsets) {
			strOffsets = strOffsets[hdr:]
		}
	}
	d, err := dwarf.New(abbrev, nil, nil, info, nil, nil, nil, str)
	if err != nil {
		return nil
	}
	if len(strOffsets) > 0 {
		_ = d.AddSection(".debug_str_offsets", strOffsets)
	}
	if addrs != nil {
		_ = d.AddSection(".debug_addr", addrs)
	}
	return d
}

// dwpFile is a DWARF package: its .dwo sections and its unit index.
type dwpFile struct {
	bo                            binary.ByteOrder
	info, abbrev, str, strOffsets []byte
	// units are each unit's contributions by section id: offset and
	// size.
	units map[uint64]map[uint32][2]uint32
}

// openDwp reads the DWARF package at path (nil: none, or unreadable).
func openDwp(path string) *dwpFile {
	ef, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer ef.Close()
	p := &dwpFile{
		bo:         ef.ByteOrder,
		info:       sectionData(ef, ".debug_info.dwo"),
		abbrev:     sectionData(ef, ".debug_abbrev.dwo"),
		str:        sectionData(ef, ".debug_str.dwo"),
		strOffsets: sectionData(ef, ".debug_str_offsets.dwo"),
	}
	p.units = parseDwpIndex(sectionData(ef, ".debug_cu_index"), ef.ByteOrder)
	if p.units == nil {
		return nil
	}
	return p
}

// parseDwpIndex decodes a unit index (.debug_cu_index, version 2 or 5):
// a hash table of unit ids to rows, and per row and section the offset
// and size of the unit's contribution.
func parseDwpIndex(b []byte, bo binary.ByteOrder) map[uint64]map[uint32][2]uint32 {
	if len(b) < 16 {
		return nil
	}
	// Version 5 is a 2-byte version and 2 bytes of padding.
	if v := bo.Uint32(b) & 0xffff; v != 2 && v != 5 {
		return nil
	}
	ncols, nunits, nslots := uint64(bo.Uint32(b[4:])), uint64(bo.Uint32(b[8:])), uint64(bo.Uint32(b[12:]))
	sigs := uint64(16)
	rows := sigs + 8*nslots
	cols := rows + 4*nslots
	offs := cols + 4*ncols
	sizes := offs + 4*ncols*nunits
	if ncols > 64 || sizes+4*ncols*nunits > uint64(len(b)) {
		return nil
	}
	out := map[uint64]map[uint32][2]uint32{}
	for i := uint64(0); i < nslots; i++ {
		row := uint64(bo.Uint32(b[rows+4*i:]))
		if row == 0 || row > nunits {
			continue
		}
		contrib := map[uint32][2]uint32{}
		for c := uint64(0); c < ncols; c++ {
			at := 4 * ((row-1)*ncols + c)
			contrib[bo.Uint32(b[cols+4*c:])] = [2]uint32{bo.Uint32(b[offs+at:]), bo.Uint32(b[sizes+at:])}
		}
		out[bo.Uint64(b[sigs+8*i:])] = contrib
	}
	return out
}

// unit builds the dwarf.Data of the package's unit id.
func (p *dwpFile) unit(id uint64, addrs []byte) *dwarf.Data {
	contrib, ok := p.units[id]
	if !ok {
		return nil
	}
	slice := func(sec []byte, sect uint32) []byte {
		c, ok := contrib[sect]
		if !ok || uint64(c[0])+uint64(c[1]) > uint64(len(sec)) {
			return nil
		}
		return sec[c[0] : c[0]+c[1]]
	}
	return newSplitData(p.bo, slice(p.info, sectInfo), slice(p.abbrev, sectAbbrev), p.str,
		slice(p.strOffsets, sectStrOffsets), addrs)
}
