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

// TestStackSourceLines prints source lines and inlined functions as
// bpftrace with show_debug_info: "[inlined] f@file:line" then
// "g+off@file:line" in bpftrace mode, "(inlined)" in perf mode, addresses
// alone in raw mode; a limit counts addresses, not inlined functions.
func TestStackSourceLines(t *testing.T) {
	r := &fakeResolver{stacks: map[uint64][]Frame{3: {
		{Addr: 0x1166, Sym: "myclock", Line: "a.c:15", Inlined: true},
		{Addr: 0x1166, Sym: "mywrapper+48", Line: "a.c:24", Module: "/bin/a"},
		{Addr: 0x11a8, Sym: "loop+60", Line: "a.c:32", Module: "/bin/a"},
	}}}
	rec := append(u64le(3), u64le(42)...)
	st := &types.Stack{User: true, Limit: 127}
	if got, want := string(AppendValue(nil, st, rec, r)), "\n        [inlined] myclock@a.c:15\n        mywrapper+48@a.c:24\n        loop+60@a.c:32\n"; got != want {
		t.Errorf("bpftrace mode: %q, want %q", got, want)
	}
	st.Mode = types.StackPerf
	if got, want := string(AppendValue(nil, st, rec, r)), "\n\t1166 myclock (inlined)\n\t1166 mywrapper+48 (/bin/a)\n\t11a8 loop+60 (/bin/a)\n"; got != want {
		t.Errorf("perf mode: %q, want %q", got, want)
	}
	st.Mode = types.StackRaw
	if got, want := string(AppendValue(nil, st, rec, r)), "\n1166\n11a8\n"; got != want {
		t.Errorf("raw mode: %q, want %q", got, want)
	}
	st.Mode, st.Limit = types.StackBpftrace, 1
	if got, want := string(AppendValue(nil, st, rec, r)), "\n        [inlined] myclock@a.c:15\n        mywrapper+48@a.c:24\n"; got != want {
		t.Errorf("limit 1: %q, want %q", got, want)
	}
}
