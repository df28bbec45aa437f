//go:build linux

package runtime

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"syscall"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/cfi"
)

// Unwind tables of dw_ustack.
//
// The program unwinds with tables the runtime fills (the layout is
// codegen's, dwstack.go): the unwind rows of every executable file a
// target process maps, read once per file from its .eh_frame (package
// cfi) and stored at a chunk boundary of the rows map, and for each
// process the LPM-trie entries that lead from its addresses to the
// mapping's load bias and rows. Files are known by device and inode, so
// a library that many targets map is read and stored once. The tables
// are a snapshot: a library loaded later (dlopen) has no rows, and the
// stacks through it end there.

// unwindTables is what has been stored in the tables of one object.
type unwindTables struct {
	rows, maps *ebpf.Map
	files      map[fileKey]*unwindFile
	nextChunk  uint32
}

// fileKey identifies a file.
type fileKey struct{ dev, ino uint64 }

// unwindFile is a file's rows in the table, and its loadable segments
// (to compute a mapping's load bias).
type unwindFile struct {
	first, count uint32
	loads        []elf.ProgHeader
	err          error // why the file has no rows
}

// cfaKinds and rbpRules translate package cfi's rules to the table's;
// the unwinder stops at cfi.CFAUnsupported as at CFAUndefined.
var (
	cfaKinds = map[cfi.CFAKind]uint8{
		cfi.CFAUndefined: codegen.DwCFAUndefined, cfi.CFARSP: codegen.DwCFARSP, cfi.CFARBP: codegen.DwCFARBP,
		cfi.CFAPLT: codegen.DwCFAPLT, cfi.CFAUnsupported: codegen.DwCFAUndefined,
	}
	rbpRules = map[cfi.RBPRule]uint8{
		cfi.RBPSame: codegen.DwRBPSame, cfi.RBPAtCFA: codegen.DwRBPAtCFA, cfi.RBPUndefined: codegen.DwRBPUndefined,
	}
)

// UsesUnwindTables reports whether the object records DWARF-unwound
// stacks, whose tables AddUnwindProcess fills.
func (l *Loaded) UsesUnwindTables() bool { return l.Map(codegen.DwMapsMap) != nil }

// AddUnwindProcess stores the unwind tables of process pid's executable
// mappings for dw_ustack. Files without call frame information are
// skipped (their frames end the stacks); it fails when the process's
// mappings cannot be read.
func (l *Loaded) AddUnwindProcess(pid int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.unwind == nil {
		rows, maps := l.Map(codegen.DwRowsMap), l.Map(codegen.DwMapsMap)
		if rows == nil || maps == nil {
			return errors.New("the programs record no DWARF-unwound stacks")
		}
		l.unwind = &unwindTables{rows: rows, maps: maps, files: map[fileKey]*unwindFile{}}
	}
	return l.unwind.addProcess(pid)
}

func (t *unwindTables) addProcess(pid int) error {
	mappings, err := readProcMaps(uint64(pid))
	if err != nil {
		return fmt.Errorf("reading the mappings of process %d: %w", pid, err)
	}
	// The process itself: its addresses outside the mappings below end
	// stacks instead of being reported as a process without tables.
	if err := t.maps.Put(dwMapsKey(pid, codegen.DwMapsPidBits, 0), make([]byte, codegen.DwMapsValueSize)); err != nil {
		return fmt.Errorf("storing the unwind tables of process %d: %w", pid, err)
	}
	for _, m := range mappings {
		f := t.file(m.file)
		if f.err != nil || f.count == 0 {
			continue
		}
		bias, ok := loadBias(f.loads, m)
		if !ok {
			continue
		}
		var val [codegen.DwMapsValueSize]byte
		binary.NativeEndian.PutUint64(val[0:], bias)
		binary.NativeEndian.PutUint32(val[8:], f.first)
		binary.NativeEndian.PutUint32(val[12:], f.count)
		for _, p := range rangePrefixes(m.start, m.end) {
			if err := t.maps.Put(dwMapsKey(pid, codegen.DwMapsPidBits+p.bits, p.addr), val[:]); err != nil {
				return fmt.Errorf("storing the unwind tables of process %d: %w", pid, err)
			}
		}
	}
	return nil
}

// loadBias returns what mapping m adds to its file's virtual addresses:
// the segment that holds the mapping's file offset places it.
func loadBias(loads []elf.ProgHeader, m userMapping) (uint64, bool) {
	for _, p := range loads {
		if m.off >= p.Off && m.off < p.Off+max(p.Filesz, 1) {
			return m.start - (m.off - p.Off + p.Vaddr), true
		}
	}
	return 0, false
}

// file returns the rows of the file at path, reading and storing them on
// first use.
func (t *unwindTables) file(path string) *unwindFile {
	var key fileKey
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return &unwindFile{err: err}
	}
	key = fileKey{dev: st.Dev, ino: st.Ino}
	if f, ok := t.files[key]; ok {
		return f
	}
	f := t.readFile(path)
	t.files[key] = f
	return f
}

func (t *unwindTables) readFile(path string) *unwindFile {
	ef, err := elf.Open(path)
	if err != nil {
		return &unwindFile{err: err}
	}
	defer ef.Close()
	f := &unwindFile{}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD {
			f.loads = append(f.loads, p.ProgHeader)
		}
	}
	rows, err := cfi.Rows(ef)
	if err != nil {
		f.err = err
		return f
	}
	if len(rows) == 0 || rows[len(rows)-1].PC > math.MaxUint32 {
		f.err = errors.New("no unwind rows below 4 GiB")
		return f
	}
	chunks := (len(rows) + codegen.DwChunkRows - 1) / codegen.DwChunkRows
	if uint64(t.nextChunk)+uint64(chunks) > uint64(t.rows.MaxEntries()) {
		f.err = errors.New("the unwind rows table is full")
		return f
	}
	buf := make([]byte, codegen.DwChunkRows*codegen.DwRowSize)
	for c := range chunks {
		clear(buf)
		for i, r := range rows[c*codegen.DwChunkRows : min(len(rows), (c+1)*codegen.DwChunkRows)] {
			encodeRow(buf[i*codegen.DwRowSize:], r)
		}
		if err := t.rows.Put(t.nextChunk+uint32(c), buf); err != nil {
			f.err = fmt.Errorf("storing unwind rows: %w", err)
			return f
		}
	}
	f.first, f.count = t.nextChunk*codegen.DwChunkRows, uint32(len(rows))
	t.nextChunk += uint32(chunks)
	return f
}

// encodeRow writes row r in the table's layout.
func encodeRow(dst []byte, r cfi.Row) {
	binary.NativeEndian.PutUint32(dst[0:], uint32(r.PC))
	dst[4], dst[5] = cfaKinds[r.CFA], rbpRules[r.RBP]
	binary.NativeEndian.PutUint32(dst[8:], uint32(r.CFAOffset))
	binary.NativeEndian.PutUint32(dst[12:], uint32(r.RBPOffset))
}

// dwMapsKey is the LPM-trie key of process pid's addresses that start
// with the first bits-32 bits of addr.
func dwMapsKey(pid, bits int, addr uint64) []byte {
	var k [codegen.DwMapsKeySize]byte
	binary.NativeEndian.PutUint32(k[0:], uint32(bits))
	binary.NativeEndian.PutUint32(k[4:], uint32(pid))
	binary.BigEndian.PutUint64(k[8:], addr)
	return k[:]
}

// prefix is an aligned block of addresses: those whose first bits bits
// are addr's.
type prefix struct {
	addr uint64
	bits int
}

// rangePrefixes splits [start, end) into the fewest aligned blocks.
func rangePrefixes(start, end uint64) []prefix {
	var out []prefix
	for start < end {
		// The largest block aligned at start that fits: 2^size bytes.
		size := 63
		if start != 0 {
			size = min(63, bits.TrailingZeros64(start))
		}
		for uint64(1)<<size > end-start {
			size--
		}
		out = append(out, prefix{addr: start, bits: 64 - size})
		start += uint64(1) << size
	}
	return out
}
