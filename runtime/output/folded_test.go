package output

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

// foldedResolver holds the stacks of the folded-mode tests, innermost
// frame first as a Resolver returns them.
var foldedResolver = &fakeResolver{stacks: map[uint64][]Frame{
	// A kernel stack.
	7: {
		{Addr: 0xffffffff814c254b, Sym: "perf_syscall_enter+475"},
		{Addr: 0xffffffff81423c90, Sym: "syscall_trace_enter+384"},
		{Addr: 0xffffffff81000000, Sym: "do_syscall_64+1"},
	},
	// A user stack, and the same functions at other offsets.
	3: {
		{Addr: 0x401136, Sym: "readline+12", Module: "/bin/bash"},
		{Addr: 0x401180, Sym: "main+40", Module: "/bin/bash"},
		{Addr: 0x7f0000029d90, Sym: "__libc_start_main+128", Module: "/lib/libc.so.6"},
		{Addr: 0x401050, Sym: "_start+37", Module: "/bin/bash"},
	},
	4: {
		{Addr: 0x401140, Sym: "readline+22", Module: "/bin/bash"},
		{Addr: 0x401184, Sym: "main+44", Module: "/bin/bash"},
		{Addr: 0x7f0000029d90, Sym: "__libc_start_main+128", Module: "/lib/libc.so.6"},
		{Addr: 0x401050, Sym: "_start+37", Module: "/bin/bash"},
	},
	// Names with ';' and spaces, an unresolved frame, an operator whose
	// name ends with '+'.
	5: {
		{Addr: 0x7f00dead},
		{Addr: 0x401200, Sym: "Foo<int;char>::bar(int, long)+8"},
		{Addr: 0x401300, Sym: "operator+"},
		{Addr: 0x401400, Sym: "<T as core::fmt::Debug>::fmt+5"},
	},
	// Source lines and an inlined function (show_debug_info).
	6: {
		{Addr: 0x1166, Sym: "myclock", Line: "a.c:15", Inlined: true},
		{Addr: 0x1166, Sym: "mywrapper+48", Line: "a.c:24", Module: "/bin/a"},
		{Addr: 0x11a8, Sym: "loop+60", Line: "a.c:32", Module: "/bin/a"},
	},
	// 9 has no frames.
}}

var (
	kfolded = &types.Stack{Mode: types.StackFolded, Limit: 127}
	ufolded = &types.Stack{User: true, Mode: types.StackFolded, Limit: 127}
)

// ukey is the key bytes of user stack id of process pid.
func ukey(id, pid uint64) []uint64 { return []uint64{id, pid} }

// foldedMaps are the maps of TestGoldenFolded.
func foldedMaps() []*Map {
	commStack := types.NewTuple([]types.Type{str16, ufolded})
	stackPid := types.NewTuple([]types.Type{ufolded, types.Int32})
	mixed := types.NewTuple([]types.Type{&types.Stack{Limit: 127}, ufolded})
	return []*Map{
		// @[comm, ustack(folded)] = count(): stacks 3 and 4 (two
		// processes) fold to one line; an empty stack is left out; a
		// ';' in a comm becomes ':'.
		aggMap("@", commStack, aggCount,
			[]any{[]any{"bash", ukey(3, 100)}, []any{"bash", ukey(4, 100)}, []any{"bash", ukey(3, 200)}, []any{"zsh", ukey(5, 300)}, []any{"x;y", ukey(9, 400)}, []any{"a", ukey(6, 500)}},
			[][][]byte{{u64le(5), u64le(7)}, {u64le(3)}, {u64le(1)}, {u64le(2)}, {u64le(4)}, {u64le(20)}}),
		// A key that is only a kernel stack; a stack without frames
		// alone prints "[unknown]".
		aggMap("@k", kfolded, aggCount, []any{uint64(7), uint64(9)}, [][][]byte{{u64le(9)}, {u64le(1)}}),
		// An integer component, in decimal; sum values.
		aggMap("@s", stackPid, aggSum, []any{[]any{ukey(3, 1), 42}, []any{ukey(4, 1), -7}}, [][][]byte{{i64le(100)}, {i64le(-30)}}),
		// A stack of another mode in a folded key is folded too (user
		// frames outermost, then kernel frames is the flame graph
		// idiom; this key is the other way round).
		aggMap("@mixed", mixed, aggMax, []any{[]any{uint64(7), ukey(3, 1)}}, [][][]byte{{slot2(12, 1), slot2(30, 1)}}),
		// Min merges to the least.
		aggMap("@mn", ufolded, aggMin, []any{ukey(3, 1), ukey(4, 2)}, [][][]byte{{slot2(8, 1)}, {slot2(-2, 1)}}),
		// Integer values add up.
		keyed("@i", ufolded, types.Int64, ukey(3, 1), 10, ukey(4, 1), 5, ukey(6, 1), 1),
		// Other values keep their format with the folded line as key.
		histMap("@h", ufolded, aggHist, sample{ukey(3, 1), 10}, sample{ukey(4, 1), 12}, sample{ukey(6, 1), 1000}),
		aggMap("@avg", commStack, aggAvg, []any{[]any{"bash", ukey(3, 1)}, []any{"bash", ukey(4, 2)}}, [][][]byte{{slot2(10, 1)}, {slot2(40, 2)}}),
		aggMap("@st", kfolded, aggStats, []any{uint64(7)}, [][][]byte{{slot2(30, 2)}}),
		// A folded stack as a value.
		keyed("@v", types.Int64, ufolded, 1, ukey(6, 1), 2, ukey(9, 1)),
	}
}

// TestGoldenFolded: folded stacks in printf, print(), map keys and
// values, text and JSON (the format is described in folded.go).
func TestGoldenFolded(t *testing.T) {
	r := foldedResolver
	var ev []byte
	pieces, _ := format.Parse("[%s]\n")
	for _, c := range []struct {
		t   *types.Stack
		rec []byte
	}{
		{kfolded, u64le(7)},
		{ufolded, append(u64le(3), u64le(1)...)},
		{&types.Stack{User: true, Mode: types.StackFolded, Limit: 2}, append(u64le(3), u64le(1)...)},
		{ufolded, append(u64le(5), u64le(1)...)},
		{ufolded, append(u64le(6), u64le(1)...)},
		{ufolded, append(u64le(9), u64le(1)...)},
	} {
		rec := append(make([]byte, 8), c.rec...)
		ev = AppendPrintf(ev, pieces, []Arg{{Type: c.t, Offset: 8}}, rec, r)
	}
	ev = append(AppendValue(ev, kfolded, u64le(7), r), '\n')
	pair := types.NewTuple([]types.Type{types.Int64, ufolded})
	ev = append(AppendValue(ev, pair, enc(pair, []any{1, ukey(6, 1)}), r), '\n')
	maps := foldedMaps()
	ev = AppendMap(ev, maps[0], 2, 0, r)  // print(@, 2)
	ev = AppendMap(ev, maps[0], 0, 10, r) // print(@, 0, 10)
	out := AppendMapDump(AppendExitPreamble(ev), maps, r)
	out = AppendJSONPrint(out, ufolded, append(u64le(5), u64le(1)...), r)
	out = AppendJSONMapDump(out, maps, r)
	checkGolden(t, "folded", out)
}

// TestFoldedLines: every line that a folded count map prints is one
// flamegraph.pl reads — frames without a trailing space, one space, a
// count — and carries the expected frames.
func TestFoldedLines(t *testing.T) {
	out := string(AppendMap(nil, foldedMaps()[0], 0, 0, foldedResolver))
	line := regexp.MustCompile(`^[^ ]+( [^ ]+)* \d+$`)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("line %q is not folded", l)
		}
	}
	want := []string{
		"zsh;<T as core::fmt::Debug>::fmt;operator+;Foo<int:char>::bar(int, long);0x7f00dead 2",
		"x:y 4",
		"bash;_start;__libc_start_main;main;readline 16", // three entries merged
		"a;loop;mywrapper;myclock 20",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestTrimOffset: only a "+digits" suffix is a frame's offset.
func TestTrimOffset(t *testing.T) {
	for in, want := range map[string]string{
		"vfs_read+12": "vfs_read",
		"vfs_read+0":  "vfs_read",
		"vfs_read":    "vfs_read",
		"operator+":   "operator+",
		"operator++0": "operator+",
		"f+1x":        "f+1x",
		"+12":         "+12",
		"":            "",
	} {
		if got := trimOffset(in); got != want {
			t.Errorf("trimOffset(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFoldedBuildID: a build_id stack in a folded key prints its frames
// outermost first as "BUILDID+0xOFFSET", or the address alone.
func TestFoldedBuildID(t *testing.T) {
	id := [20]byte{0xde, 0xad, 0xbe, 0xef, 19: 0x01}
	r := &fakeResolver{
		buildIDs: map[uint64][]BuildIDFrame{7: {{Valid: true, BuildID: id, Offset: 0x5}, {Offset: 0x7f0012345678}}},
		stacks:   foldedResolver.stacks,
	}
	bid := &types.Stack{User: true, Mode: types.StackBuildID, Limit: 127}
	key := types.NewTuple([]types.Type{bid, ufolded})
	m := aggMap("@", key, aggCount, []any{[]any{ukey(7, 1), ukey(6, 1)}}, [][][]byte{{u64le(3)}})
	want := "0x7f0012345678;deadbeef00000000000000000000000000000001+0x5;loop;mywrapper;myclock 3\n"
	if got := string(AppendMap(nil, m, 0, 0, r)); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// BenchmarkFoldedMap renders a map of 10 000 (comm, ustack) keys of 10
// frames, every two stacks folding to the same line, in folded and in
// bpftrace mode.
func BenchmarkFoldedMap(b *testing.B) {
	stacks := map[uint64][]Frame{}
	for id := uint64(0); id < 10000; id++ {
		var frames []Frame
		for d := uint64(0); d < 10; d++ {
			frames = append(frames, Frame{Addr: 0x400000 + d, Sym: "func" + strings.Repeat("x", int(d)) + "_" + string(rune('a'+id/2%26)) + string(rune('a'+id/52%26)) + "+" + "12"})
		}
		stacks[id] = frames
	}
	r := &fakeResolver{stacks: stacks}
	for _, mode := range []types.StackMode{types.StackFolded, types.StackBpftrace} {
		st := &types.Stack{User: true, Mode: mode, Limit: 127}
		key := types.NewTuple([]types.Type{str16, st})
		m := &Map{Name: "@", Key: key, Value: aggCount}
		for id := uint64(0); id < 10000; id++ {
			m.Entries = append(m.Entries, MapEntry{Key: enc(key, []any{"bash", ukey(id, 1)}), Values: [][]byte{u64le(id)}})
		}
		b.Run(mode.String(), func(b *testing.B) {
			var out []byte
			for b.Loop() {
				out = AppendMap(out[:0], m, 0, 0, r)
			}
			b.SetBytes(int64(len(out)))
		})
	}
}
