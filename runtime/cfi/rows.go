package cfi

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// span is the part of a row list that one FDE produced.
type span struct {
	begin, end  uint64
	first, last int // rows[first:last]
}

// sectionRows parses a whole .eh_frame or .debug_frame section into sorted,
// merged rows. It is Rows without the ELF around it.
func sectionRows(s frameSection) ([]Row, error) {
	if s.ptrSize != 4 && s.ptrSize != 8 {
		return nil, fmt.Errorf("pointer size %d", s.ptrSize)
	}
	cies := make(map[uint64]*cie)
	// Sized for typical compiler output (a row per 4-6 bytes of section,
	// an FDE per 40), so that appending seldom copies.
	spans := make([]span, 0, len(s.data)/32+1)
	rows := make([]Row, 0, len(s.data)/4+1)
	for off := uint64(0); off < uint64(len(s.data)); {
		e, err := s.readEntry(off)
		if err != nil {
			return nil, err
		}
		off = e.next
		if e.body == nil {
			if s.eh {
				break // zero terminator (what the runtime unwinders stop at)
			}
			continue // .debug_frame padding
		}
		if e.isCIE {
			continue // parsed when an FDE refers to it
		}
		c, err := s.cieAt(e.cieOff, cies)
		if err != nil {
			return nil, fmt.Errorf("FDE at 0x%x: %w", e.start, err)
		}
		if c.skip != nil {
			continue
		}
		f, err := s.parseFDE(e, c)
		if errors.Is(err, errEncoding) || errors.Is(err, errFormat) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if f.end <= f.begin {
			continue // empty, or wraps around the address space
		}
		first := len(rows)
		if rows, err = s.fdeRows(&f, rows); err != nil {
			return nil, fmt.Errorf("FDE at 0x%x: %w", e.start, err)
		}
		spans = append(spans, span{begin: f.begin, end: f.end, first: first, last: len(rows)})
	}
	return assemble(spans, rows), nil
}

// cieAt returns the CIE at section offset off, parsing it on first use.
func (s *frameSection) cieAt(off uint64, cies map[uint64]*cie) (*cie, error) {
	if c, ok := cies[off]; ok {
		return c, nil
	}
	if off >= uint64(len(s.data)) {
		return nil, fmt.Errorf("CIE pointer 0x%x is past the end of the section", off)
	}
	e, err := s.readEntry(off)
	if err != nil {
		return nil, err
	}
	if !e.isCIE || e.body == nil {
		return nil, fmt.Errorf("CIE pointer 0x%x does not point at a CIE", off)
	}
	c, err := s.parseCIE(e)
	if err != nil {
		return nil, err
	}
	cies[off] = c
	return c, nil
}

// assemble orders the FDEs' rows by address, cuts an FDE where a later
// starting one overlaps it, ends every FDE with a CFAUndefined row unless the
// next one starts right there, and merges rows that unwind alike.
func assemble(spans []span, rows []Row) []Row {
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.begin, b.begin) })
	out := make([]Row, 0, len(rows)+len(spans))
	for i, sp := range spans {
		limit := sp.end
		next := uint64(0)
		hasNext := i+1 < len(spans)
		if hasNext {
			next = spans[i+1].begin
			if next < limit {
				limit = next
			}
		}
		for _, r := range rows[sp.first:sp.last] {
			if r.PC >= limit {
				break
			}
			out = push(out, r)
		}
		if limit == sp.end && (!hasNext || next != sp.end) {
			out = push(out, Row{PC: sp.end, CFA: CFAUndefined})
		}
	}
	return out
}

// push appends r to rows (sorted by PC, r.PC not below the last one): a row
// at the same PC replaces the last one, a row with the last one's rule is
// dropped.
func push(rows []Row, r Row) []Row {
	if n := len(rows); n > 0 && rows[n-1].PC == r.PC {
		rows = rows[:n-1]
	}
	if n := len(rows); n > 0 && rows[n-1].sameRule(r) {
		return rows
	}
	return append(rows, r)
}
