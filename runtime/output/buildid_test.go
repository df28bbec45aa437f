package output

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// TestBuildIDStack prints build_id stacks as bpftrace: the build id in hex
// and the offset (two digits at least) per frame, the address alone for a
// frame whose build id could not be read, at most the stack's limit.
func TestBuildIDStack(t *testing.T) {
	id := [20]byte{0xde, 0xad, 0xbe, 0xef, 19: 0x01}
	r := &fakeResolver{buildIDs: map[uint64][]BuildIDFrame{
		7: {{Valid: true, BuildID: id, Offset: 0x5}, {Valid: true, BuildID: id, Offset: 0x1234}, {Offset: 0x7f0012345678}},
	}}
	st := &types.Stack{User: true, Mode: types.StackBuildID, Limit: 127}
	rec := append(u64le(7), u64le(42)...)
	want := "\ndeadbeef00000000000000000000000000000001 0x05\ndeadbeef00000000000000000000000000000001 0x1234\n7f0012345678\n"
	if got := string(AppendValue(nil, st, rec, r)); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	st.Limit = 1
	if got := string(AppendValue(nil, st, rec, r)); got != "\ndeadbeef00000000000000000000000000000001 0x05\n" {
		t.Errorf("limit 1: %q", got)
	}
	// A resolver without build_id stacks prints none.
	if got := string(AppendValue(nil, st, rec, testResolver)); got != "\n" {
		t.Errorf("no resolver: %q", got)
	}
}
