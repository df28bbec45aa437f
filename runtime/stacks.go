//go:build linux

package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// StackAddrs returns the instruction addresses of a stack value's id,
// innermost first: a stack recorded in the stack trace map
// (codegen.StackMap), or by dw_ustack (codegen.DwStackFlag set: its key
// in codegen.DwStacksMap).
func (l *Loaded) StackAddrs(id uint64) ([]uint64, error) {
	var buf []byte
	var err error
	if id&codegen.DwStackFlag != 0 {
		buf, err = l.stackValue(codegen.DwStacksMap, id)
	} else {
		buf, err = l.stackValue(codegen.StackMap, uint32(id))
	}
	if err != nil {
		return nil, err
	}
	var out []uint64
	for i := 0; i+8 <= len(buf); i += 8 {
		a := binary.NativeEndian.Uint64(buf[i:])
		if a == 0 {
			break
		}
		out = append(out, a)
	}
	return out, nil
}

// BuildIDStack returns the frames of a user stack recorded in build_id
// mode (codegen.BuildIDStackMap), innermost first.
func (l *Loaded) BuildIDStack(id uint32) ([]output.BuildIDFrame, error) {
	buf, err := l.stackValue(codegen.BuildIDStackMap, id)
	if err != nil {
		return nil, err
	}
	return parseBuildIDStack(buf), nil
}

// stackValue reads stack id (a uint32 or a uint64 key) of the stack map
// name.
func (l *Loaded) stackValue(name string, id any) ([]byte, error) {
	m := l.Map(name)
	if m == nil {
		return nil, fmt.Errorf("no stack map %s", name)
	}
	buf := make([]byte, m.ValueSize())
	if err := m.Lookup(id, &buf); err != nil {
		return nil, fmt.Errorf("reading stack %v: %w", id, err)
	}
	return buf, nil
}

// Status values of struct bpf_stack_build_id.
const (
	buildIDEmpty = 0 // no frame: the stack ends
	buildIDValid = 1 // build id and offset
)

// parseBuildIDStack decodes struct bpf_stack_build_id entries: a 4-byte
// status, the 20-byte build id, then the offset or the address.
func parseBuildIDStack(buf []byte) []output.BuildIDFrame {
	var out []output.BuildIDFrame
	for i := 0; i+codegen.BuildIDFrameSize <= len(buf); i += codegen.BuildIDFrameSize {
		e := buf[i : i+codegen.BuildIDFrameSize]
		status := binary.NativeEndian.Uint32(e)
		if status == buildIDEmpty {
			break
		}
		f := output.BuildIDFrame{Valid: status == buildIDValid, Offset: binary.NativeEndian.Uint64(e[24:])}
		copy(f.BuildID[:], e[4:24])
		out = append(out, f)
	}
	return out
}
