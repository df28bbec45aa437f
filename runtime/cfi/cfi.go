// Package cfi turns the x86-64 call frame information (CFI) of an ELF file
// into compact, sorted unwind rows for an in-kernel DWARF stack unwinder.
//
// # What it reads
//
// Rows reads .eh_frame, or .debug_frame when the file has no .eh_frame (a
// separate debug file, or a binary built with -fno-asynchronous-unwind-tables
// -g). It parses every CIE and FDE (parse.go), runs the CIE's initial
// instructions and then the FDE's instructions through a DWARF CFA
// interpreter (exec.go), and keeps, for every location the table changes, a
// Row (rows.go sorts them and merges neighbours that unwind alike). It uses
// nothing but the section bytes: no syscalls, no root. Addresses are the
// file's own (pc-relative pointers are resolved against the section's
// sh_addr); the unwinder subtracts the mapping's load bias before searching.
// A zero terminator ends .eh_frame, as it does for the runtime unwinders.
//
// The result is meant to be binary-searched: the row for a pc is the last
// one at or below it (Find). Every FDE's range is closed by a CFAUndefined
// row unless another FDE starts right there, so a pc in no FDE never
// borrows the rule of the function before it. Overlapping FDEs (which
// linkers do not produce, but objects with unrelocated addresses do) are
// resolved deterministically: the later-starting one wins from its start on.
//
// # What is kept
//
// An eBPF unwinder has a few registers (rip, rsp, rbp) and a verifier that
// wants bounded, simple work per frame. So a row keeps only what such an
// unwinder can follow:
//
//   - the CFA as rsp+offset or rbp+offset (DW_CFA_def_cfa and friends with
//     register 7 or 6), or the one CFA expression every x86-64 PLT uses
//     (CFAPLT: rsp+8, plus 8 more once rip&15 reaches a threshold);
//   - the caller's rbp: unchanged, saved at CFA+offset, or undefined;
//   - implicitly, the return address, which must be saved at CFA-8 (the x86-64
//     call instruction puts it there).
//
// The rules for all other registers are parsed and dropped: the unwinder does
// not need rbx or r12-r15 to find the next frame.
//
// # What is folded into "unsupported"
//
// Everything else the unwinder could not follow with rsp, rbp and memory
// reads becomes CFAUnsupported, at which the unwinder stops (and the user
// space stack is cut short there, as with a frame-pointer walk that meets a
// function without one): a CFA based on another register (e.g. r10 in
// functions that realign the stack), any other CFA expression (signal
// trampolines such as __restore_rt), a return address not at CFA-8, an rbp
// kept in another register or computed by an expression, an unknown CFA
// opcode (the rest of that FDE's range), an offset that does not fit in 32
// bits. CFAUndefined marks where there is no unwind information (gaps
// between FDEs, pcs before the first row) or where the return address is
// explicitly undefined (the outermost frame, _start, thread entry points):
// there the unwinder stops as well, but because the stack really ends.
//
// In unsupported and undefined rows the rbp rule and offsets are zeroed, so
// that neighbouring rows compare equal and merge: the table stays as small as
// the information it carries.
//
// FDEs whose addresses cannot be computed without more context (datarel,
// textrel, funcrel or indirect pointer encodings, or a CIE whose augmentation
// is unknown, such as the old GCC "eh") are skipped: their range is a gap.
// Structurally broken data (lengths past the end of the section, CIE pointers
// that do not point at a CIE, truncated fields) is an error; no input makes
// Rows panic.
package cfi

import (
	"debug/elf"
	"errors"
	"fmt"
	"sort"
)

// CFAKind says how the canonical frame address (CFA) of a row is computed.
type CFAKind uint8

const (
	// CFAUndefined: no unwind info at this pc (gap between FDEs, or return
	// address explicitly undefined: the outermost frame, e.g. _start): the
	// unwinder stops.
	CFAUndefined CFAKind = iota
	// CFARSP: CFA = rsp + CFAOffset.
	CFARSP
	// CFARBP: CFA = rbp + CFAOffset.
	CFARBP
	// CFAPLT is the x86-64 PLT expression: CFA = rsp + 8 + ((rip & 15) >=
	// CFAOffset ? 8 : 0); CFAOffset holds the threshold: the offset in the
	// 16-byte entry just past its "push $index" (11 for the classic
	// lazy-binding entries, 9 for IBT ones, which start with endbr64).
	CFAPLT
	// CFAUnsupported: a rule the unwinder cannot follow (another register,
	// another expression, return address not saved at CFA-8, ...): the
	// unwinder stops.
	CFAUnsupported
)

// String returns the kind's name, as used in test failure messages.
func (k CFAKind) String() string {
	switch k {
	case CFAUndefined:
		return "undefined"
	case CFARSP:
		return "rsp"
	case CFARBP:
		return "rbp"
	case CFAPLT:
		return "plt"
	case CFAUnsupported:
		return "unsupported"
	}
	return fmt.Sprintf("CFAKind(%d)", uint8(k))
}

// RBPRule says where the caller's rbp is.
type RBPRule uint8

const (
	// RBPSame: unchanged (same value, or no rule).
	RBPSame RBPRule = iota
	// RBPAtCFA: saved at CFA + RBPOffset.
	RBPAtCFA
	// RBPUndefined: undefined (the unwinder then cannot use rbp-based CFA in
	// the caller; it keeps going with rbp unknown).
	RBPUndefined
)

// String returns the rule's name, as used in test failure messages.
func (r RBPRule) String() string {
	switch r {
	case RBPSame:
		return "same"
	case RBPAtCFA:
		return "at-cfa"
	case RBPUndefined:
		return "undefined"
	}
	return fmt.Sprintf("RBPRule(%d)", uint8(r))
}

// Row is the unwind rule from PC up to the next row's PC.
type Row struct {
	PC        uint64 // ELF virtual address (the file's own address space, as in the symbol table)
	CFA       CFAKind
	RBP       RBPRule
	CFAOffset int32
	RBPOffset int32
}

// sameRule reports whether a and b unwind the same way (their PCs aside).
func (r Row) sameRule(o Row) bool {
	return r.CFA == o.CFA && r.RBP == o.RBP && r.CFAOffset == o.CFAOffset && r.RBPOffset == o.RBPOffset
}

// ErrNoCFI is returned by Rows when the file has neither .eh_frame nor
// .debug_frame.
var ErrNoCFI = errors.New("no call frame information (.eh_frame or .debug_frame)")

// Rows returns the file's unwind rows sorted by PC: consecutive rows with the
// same rule merged, and a CFAUndefined row at the end of each FDE's range
// unless another FDE starts exactly there. When two FDEs overlap, the one
// that starts later wins from its start on (the earlier one is cut there).
// Errors (wrapped, lower-case context: "reading .eh_frame: ...") for
// malformed data or a machine other than x86-64; never panics on any input.
func Rows(f *elf.File) ([]Row, error) {
	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("call frame information for %v: only x86-64 is supported", f.Machine)
	}
	sec, eh := f.Section(".eh_frame"), true
	if sec == nil || sec.Type == elf.SHT_NOBITS || sec.Size == 0 {
		sec, eh = f.Section(".debug_frame"), false
		if sec == nil || sec.Type == elf.SHT_NOBITS || sec.Size == 0 {
			return nil, ErrNoCFI
		}
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", sec.Name, err)
	}
	ptrSize := 8
	if f.Class == elf.ELFCLASS32 {
		ptrSize = 4 // x32
	}
	rows, err := sectionRows(frameSection{data: data, addr: sec.Addr, eh: eh, order: f.ByteOrder, ptrSize: ptrSize})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", sec.Name, err)
	}
	return rows, nil
}

// Find returns the row that covers pc in rows (as returned by Rows): the last
// row whose PC is at or below pc. A pc below the first row gets a
// CFAUndefined row at pc.
func Find(rows []Row, pc uint64) Row {
	i := sort.Search(len(rows), func(i int) bool { return rows[i].PC > pc })
	if i == 0 {
		return Row{PC: pc, CFA: CFAUndefined}
	}
	return rows[i-1]
}
