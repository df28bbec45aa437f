//go:build linux

package runtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// A raw scan of a BTF blob (as in /sys/kernel/btf/vmlinux): the type
// headers and names only, without decoding types. cilium/ebpf indexes type
// names but decodes a type and all it reaches on lookup, and walking
// spec.All() decodes every type of the kernel (~150ms); the questions
// answered here (which enum defines an enumerator, which btf_trace_
// typedefs exist) need only the headers.

// BTF kinds and record sizes (see the kernel's Documentation/bpf/btf.rst).
const (
	btfKindInt       = 1
	btfKindArray     = 3
	btfKindStruct    = 4
	btfKindUnion     = 5
	btfKindEnum      = 6
	btfKindTypedef   = 8
	btfKindFuncProto = 13
	btfKindVar       = 14
	btfKindDatasec   = 15
	btfKindDeclTag   = 17
	btfKindEnum64    = 19
	btfKindMax       = 19
)

// rawBTF is a parsed BTF header: the type and string sections.
type rawBTF struct {
	bo      binary.ByteOrder
	typeSec []byte
	strSec  []byte
	// strBase is the length of the base BTF's strings when this is split
	// BTF (a module's): its name offsets count from there.
	strBase uint32
}

// parseRawBTF checks a raw BTF blob's header and locates its sections.
func parseRawBTF(raw []byte) (*rawBTF, error) {
	if len(raw) < 24 {
		return nil, errors.New("BTF too short")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint16(raw) == 0xeb9f:
	case binary.BigEndian.Uint16(raw) == 0xeb9f:
		bo = binary.BigEndian
	default:
		return nil, errors.New("not raw BTF")
	}
	hdrLen := uint64(bo.Uint32(raw[4:]))
	typeOff, typeLen := uint64(bo.Uint32(raw[8:])), uint64(bo.Uint32(raw[12:]))
	strOff, strLen := uint64(bo.Uint32(raw[16:])), uint64(bo.Uint32(raw[20:]))
	if hdrLen+typeOff+typeLen > uint64(len(raw)) || hdrLen+strOff+strLen > uint64(len(raw)) {
		return nil, errors.New("BTF header out of bounds")
	}
	return &rawBTF{bo: bo, typeSec: raw[hdrLen+typeOff : hdrLen+typeOff+typeLen], strSec: raw[hdrLen+strOff : hdrLen+strOff+strLen]}, nil
}

// str returns the string at a name offset; ok is false when the offset is
// outside this blob's strings (or, for split BTF, in the base's).
func (r *rawBTF) str(off uint32) (string, bool) {
	if off < r.strBase || uint64(off-r.strBase) >= uint64(len(r.strSec)) {
		return "", false
	}
	b := r.strSec[off-r.strBase:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b), true
}

// rawType is one type header of a raw scan: its ID (counted from the
// blob's first type), kind, name offset, vlen, and the bytes of its
// records after the header.
type rawType struct {
	id      btf.TypeID
	kind    int
	nameOff uint32
	vlen    int
	data    []byte
}

// types calls fn for every type of the blob in order, the first with ID
// first; it stops at fn's first error.
func (r *rawBTF) types(first btf.TypeID, fn func(t rawType) error) error {
	id := first
	for pos := 0; pos < len(r.typeSec); id++ {
		if pos+12 > len(r.typeSec) {
			return errors.New("truncated BTF type")
		}
		nameOff := r.bo.Uint32(r.typeSec[pos:])
		info := r.bo.Uint32(r.typeSec[pos+4:])
		kind, vlen := int(info>>24&0x1f), int(info&0xffff)
		pos += 12
		var data, rec int
		switch kind {
		case btfKindInt, btfKindVar, btfKindDeclTag:
			data = 4
		case btfKindArray:
			data = 12
		case btfKindStruct, btfKindUnion, btfKindDatasec, btfKindEnum64:
			rec = 12
		case btfKindEnum, btfKindFuncProto:
			rec = 8
		default:
			if kind == 0 || kind > btfKindMax {
				return fmt.Errorf("unknown BTF kind %d", kind)
			}
		}
		if rec > 0 {
			data = rec * vlen
		}
		if pos+data > len(r.typeSec) {
			return errors.New("truncated BTF type data")
		}
		if err := fn(rawType{id: id, kind: kind, nameOff: nameOff, vlen: vlen, data: r.typeSec[pos : pos+data]}); err != nil {
			return err
		}
		pos += data
	}
	return nil
}

// scanRawEnumerators reads a raw BTF blob (as in /sys/kernel/btf/vmlinux)
// and returns enumerator name → ID of the enum defining it.
func scanRawEnumerators(raw []byte) (map[string]kernelEnumerator, error) {
	r, err := parseRawBTF(raw)
	if err != nil {
		return nil, err
	}
	out := map[string]kernelEnumerator{}
	err = r.types(1, func(t rawType) error {
		if t.kind != btfKindEnum && t.kind != btfKindEnum64 {
			return nil
		}
		rec := len(t.data) / max(t.vlen, 1)
		for i := 0; i < t.vlen; i++ {
			name, ok := r.str(r.bo.Uint32(t.data[i*rec:]))
			if !ok {
				return errors.New("bad enumerator name offset")
			}
			if _, dup := out[name]; !dup && name != "" {
				out[name] = kernelEnumerator{id: t.id}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanRawTypedefs returns the names of the typedefs of a raw BTF blob
// that start with prefix, without it. base is the raw BTF of the kernel
// when raw is a module's split BTF (nil otherwise): its strings come
// first in the name offsets.
func scanRawTypedefs(raw, base []byte, prefix string) ([]string, error) {
	r, err := parseRawBTF(raw)
	if err != nil {
		return nil, err
	}
	if base != nil {
		b, err := parseRawBTF(base)
		if err != nil {
			return nil, fmt.Errorf("base BTF: %w", err)
		}
		r.strBase = uint32(len(b.strSec))
	}
	var out []string
	err = r.types(1, func(t rawType) error {
		if t.kind != btfKindTypedef {
			return nil
		}
		if name, ok := r.str(t.nameOff); ok && len(name) > len(prefix) && name[:len(prefix)] == prefix {
			out = append(out, name[len(prefix):])
		}
		return nil
	})
	return out, err
}
