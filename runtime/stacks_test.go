//go:build linux

package runtime

import (
	"encoding/binary"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// TestParseBuildIDStack decodes struct bpf_stack_build_id entries up to the
// first empty one.
func TestParseBuildIDStack(t *testing.T) {
	buf := make([]byte, 4*codegen.BuildIDFrameSize)
	binary.NativeEndian.PutUint32(buf, buildIDValid)
	buf[4], buf[23] = 0xab, 0xcd
	binary.NativeEndian.PutUint64(buf[24:], 0x1126)
	e := buf[codegen.BuildIDFrameSize:]
	binary.NativeEndian.PutUint32(e, 2) // BPF_STACK_BUILD_ID_IP
	binary.NativeEndian.PutUint64(e[24:], 0x7fff0000)
	frames := parseBuildIDStack(buf)
	if len(frames) != 2 {
		t.Fatalf("%d frames, want 2", len(frames))
	}
	if f := frames[0]; !f.Valid || f.BuildID[0] != 0xab || f.BuildID[19] != 0xcd || f.Offset != 0x1126 {
		t.Errorf("frame 0: %+v", f)
	}
	if f := frames[1]; f.Valid || f.Offset != 0x7fff0000 {
		t.Errorf("frame 1: %+v", f)
	}
}
