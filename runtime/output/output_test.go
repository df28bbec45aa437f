package output

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib/format"
)

func inet(family uint64, addr ...byte) []byte {
	b := make([]byte, 24)
	copy(b, u64le(family))
	copy(b[8:], addr)
	return b
}

func TestPrintfGoldens(t *testing.T) {
	// golden-0.17/printf_widths through the record path.
	got := printf(t, "[%s] [%10s] [%-10s] [%.3s] [%5d] [%-5d] [%05d] [%c] [%%] [%o] [%p] [%hhu] [%hu] [%8.3s]\n",
		[]types.Type{str64, str64, str64, str64, types.Int64, types.Int64, types.Int64, types.Int64, types.Int64,
			types.Int64, types.Int64, types.Int64, str64},
		"abc", "abc", "abc", "abcdef", 42, 42, 42, 65, 8, 4096, 257, 65537, "abcdef")
	want := "[abc] [       abc] [abc       ] [abc] [   42] [42   ] [00042] [A] [%] [10] [0x1000] [1] [1] [     abc]\n"
	if string(got) != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// golden-0.17/printf_ints, second line, with narrower source types.
	got = printf(t, "[%d] [%u] [%lu] [%x] [%lx] [%ld] [%lld]\n",
		[]types.Type{types.Int32, types.Int8, types.Int16, types.Int64, types.Int32, types.Int64, types.Int8},
		-5, -5, -5, -5, -5, -5, -5)
	want = "[-5] [4294967291] [18446744073709551611] [fffffffb] [fffffffffffffffb] [-5] [-5]\n"
	if string(got) != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// A string that filled its buffer gets the ".." trailer, then %s
	// precision and width apply to the whole.
	s4 := &types.String{Cap: 4}
	got = printf(t, "[%s][%-7s][%.5s]\n", []types.Type{s4, s4, s4}, "abcd", "abcd", "abcd")
	if want := "[abcd..][abcd.. ][abcd.]\n"; string(got) != want {
		t.Errorf("got %q want %q", got, want)
	}
	// Unsigned sources are zero-extended.
	got = printf(t, "%d %lu %u\n", []types.Type{types.Uint8, types.Uint32, &types.Bool{}}, 200, uint64(4000000000), true)
	if want := "200 4000000000 1\n"; string(got) != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestPrintfBufNtopStrerror(t *testing.T) {
	// golden-0.17/buf
	b64 := &types.Buffer{Cap: 64}
	b4 := &types.Buffer{Cap: 4}
	got := printf(t, "%r|%rx|%rh\n", []types.Type{b64, b4, b4}, "AB\n", "AB\n\x00", "AB\n\x00")
	if want := "AB\\x0a|\\x41\\x42\\x0a\\x00|41 42 0a 00\n"; string(got) != want {
		t.Errorf("buf: got %q want %q", got, want)
	}
	// golden-0.17/ntop_pton_bswap: ntop(0x0100007f), ntop(2, 0x0101a8c0), ntop(pton("::1"))
	in := &types.Inet{}
	pieces, _ := format.Parse("%s %s %s|%-12s|\n")
	rec := make([]byte, 8)
	var args []Arg
	for _, v := range [][]byte{
		inet(syscall.AF_INET, 0x7f, 0, 0, 1),
		inet(syscall.AF_INET, 0xc0, 0xa8, 1, 1),
		inet(syscall.AF_INET6, append(make([]byte, 15), 1)...),
		inet(syscall.AF_INET, 10, 1, 2, 3),
	} {
		args = append(args, Arg{Type: in, Offset: len(rec)})
		rec = append(rec, v...)
	}
	if got, want := string(AppendPrintf(nil, pieces, args, rec, nil)), "127.0.0.1 192.168.1.1 ::1|10.1.2.3    |\n"; got != want {
		t.Errorf("ntop: got %q want %q", got, want)
	}
	// golden-0.17/cat_strerror_cgroup: printf("%s|", strerror(2)); print(strerror(13))
	got = printf(t, "%s|", []types.Type{&types.Errno{}}, uint64(2))
	got = AppendValue(got, &types.Errno{}, u64le(13), nil)
	if want := "No such file or directory|Permission denied"; string(got) != want {
		t.Errorf("strerror: got %q want %q", got, want)
	}
	// syscall_name(): the x86-64 names, "Unknown syscall" for the others.
	got = printf(t, "%s|", []types.Type{&types.SyscallName{}}, uint64(257))
	got = AppendValue(got, &types.SyscallName{}, u64le(0), nil)
	if want := "openat|read"; string(got) != want {
		t.Errorf("syscall_name: got %q want %q", got, want)
	}
	for n, want := range map[int64]string{1: "write", 59: "execve", 435: "clone3", 9999: "Unknown syscall", -1: "Unknown syscall"} {
		if got := SyscallName(n); got != want {
			t.Errorf("SyscallName(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "Success", 1: "Operation not permitted", 4095: "Unknown error 4095", -3: "Unknown error -3"} {
		if got := string(AppendStrerror(nil, n)); got != want {
			t.Errorf("strerror(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPrintfEdgeCases(t *testing.T) {
	pieces, _ := format.Parse("a%db%sc%d")
	rec := append(make([]byte, 8), i64le(7)...)
	// Too few args and an out-of-range offset print nothing for the verb.
	got := AppendPrintf(nil, pieces, []Arg{{Type: types.Int64, Offset: 8}, {Type: str64, Offset: 100}}, rec, nil)
	if string(got) != "a7bc" {
		t.Errorf("got %q", got)
	}
	// Symbols, probe names and timestamps via %s, justified.
	r := &fakeResolver{probes: []string{"BEGIN"}, ksyms: map[uint64]string{0x10: "vfs_read"}, strtime: "12:00:00"}
	got = printf(t, "[%-10s][%s][%8s][%s][%s]",
		[]types.Type{&types.Symbol{}, &types.Symbol{}, &types.ProbeName{}, &types.Timestamp{}, &types.Symbol{User: true}},
		uint64(0x10), uint64(0x20), uint64(0), []uint64{0, 5}, []uint64{0x7f00, 1})
	if want := "[0x10      ][0x20][   BEGIN][][0x7f00]"; string(got) != want {
		t.Errorf("testResolver %%s: got %q want %q", got, want)
	}
	pieces, _ = format.Parse("[%-10s][%s][%8s][%s]")
	rec = make([]byte, 8)
	rec = append(rec, u64le(0x10)...)
	rec = append(rec, u64le(0x20)...)
	rec = append(rec, u64le(0)...)
	rec = append(rec, u64le(0)...)
	rec = append(rec, u64le(5)...)
	args := []Arg{{&types.Symbol{}, 8}, {&types.Symbol{}, 16}, {&types.ProbeName{}, 24}, {&types.Timestamp{}, 32}}
	if got, want := string(AppendPrintf(nil, pieces, args, rec, r)), "[vfs_read  ][0x20][   BEGIN][12:00:00]"; got != want {
		t.Errorf("resolver %%s: got %q want %q", got, want)
	}
	// A nil Resolver prints raw numbers: probe id, timestamp ns.
	if got, want := string(AppendPrintf(nil, pieces, args, rec, nil)), "[0x10      ][0x20][       0][5]"; got != want {
		t.Errorf("nil resolver %%s: got %q want %q", got, want)
	}
}

func TestPrintfAllocs(t *testing.T) {
	pieces, _ := format.Parse("pid %d comm %s ret %-5ld\n")
	rec := make([]byte, 8+8+16+8)
	copy(rec[8:], i64le(1234))
	copy(rec[16:], "bash")
	copy(rec[32:], i64le(-2))
	args := []Arg{{types.Int64, 8}, {str16, 16}, {types.Int64, 32}}
	dst := make([]byte, 0, 256)
	if got := string(AppendPrintf(dst, pieces, args, rec, nil)); got != "pid 1234 comm bash ret -2   \n" {
		t.Fatalf("got %q", got)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		dst = AppendPrintf(dst[:0], pieces, args, rec, nil)
	})
	if allocs != 0 {
		t.Errorf("AppendPrintf allocs = %v, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(1000, func() {
		dst = AppendJSONPrintf(dst[:0], pieces, args, rec, nil)
	})
	if allocs != 0 {
		t.Errorf("AppendJSONPrintf allocs = %v, want 0", allocs)
	}
}

func BenchmarkAppendPrintf(b *testing.B) {
	pieces, _ := format.Parse("pid %d comm %s ret %-5ld\n")
	rec := make([]byte, 8+8+16+8)
	copy(rec[8:], i64le(1234))
	copy(rec[16:], "bash")
	copy(rec[32:], i64le(-2))
	args := []Arg{{types.Int64, 8}, {str16, 16}, {types.Int64, 32}}
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = AppendPrintf(dst[:0], pieces, args, rec, nil)
	}
}

func TestValues(t *testing.T) {
	st := &types.Struct{Kind: "struct", Name: "s", Bytes: 16, Fields: []types.Field{
		{Name: "a", Type: types.Int32, Offset: 0},
		{Name: "f", Type: types.Uint32, Offset: 4, BitOffset: 3, BitSize: 4},
		{Name: "g", Type: types.Int32, Offset: 4, BitOffset: 7, BitSize: 2},
		{Name: "c", Type: &types.String{Cap: 8}, Offset: 8},
	}}
	sb := make([]byte, 16)
	copy(sb, i64le(-7)[:4])
	copy(sb[4:], u64le(0b11_1010_000)[:4]) // f = 0b1010, g = 0b11 = 3 (bitfields read zero-extended, as in bpftrace)
	copy(sb[8:], "hi")
	arr := &types.Array{Elem: types.Int16, Len: 3}
	ab := append(append(i64le(1)[:2], i64le(-2)[:2]...), i64le(3)[:2]...)
	cases := []struct {
		t    types.Type
		b    []byte
		want string
	}{
		{types.Int8, []byte{0xff}, "-1"},
		{types.Uint8, []byte{0xff}, "255"},
		{types.Uint64, u64le(math.MaxUint64), "18446744073709551615"},
		{&types.Bool{}, []byte{0}, "false"},
		{&types.Pointer{Elem: &types.Void{}}, u64le(0xffff8880), "0xffff8880"},
		{str16, []byte("abc\x00def"), "abc"},
		{&types.String{Cap: 3}, []byte("abcdef"), "abc.."}, // no NUL: truncated
		{&types.String{Cap: 4}, []byte("abc\x00"), "abc"},
		{&types.Buffer{Cap: 8}, append([]byte{3, 0, 0, 0}, "a\x01b"...), `a\x01b`},
		{&types.Buffer{Cap: 2}, append([]byte{9, 0, 0, 0}, "abcdef"...), `ab`},
		{arr, ab, "[1,-2,3]"},
		{st, sb, "{ .a = -7, .f = 10, .g = 3, .c = hi }"},
		{&types.Struct{Kind: "struct", Name: "e"}, nil, "{}"},
		{&types.Inet{}, inet(syscall.AF_INET6, append([]byte{0x20, 0x01, 0x0d, 0xb8}, append(make([]byte, 11), 1)...)...), "2001:db8::1"},
		{&types.Inet{}, inet(99), ""},
		{&types.MacAddr{}, []byte{0x02, 0xab, 0xcd, 0x0e, 0xf0, 0x81}, "02:AB:CD:0E:F0:81"},
		{&types.ProbeName{}, u64le(1), "END"},
		{&types.Errno{}, u64le(2), "No such file or directory"},
		{&types.Symbol{}, u64le(0xabc), "0xabc"},
		{&types.CgroupPath{Filter: "uni*"}, u64le(7), "unified:/cg7[uni*]"},
		{aggStats, slot2(-30, 4), "{ .count = 4, .average = -7, .total = -30 }"},
		{&types.Agg{Kind: types.Avg}, slot2(30, 4), "7"},
		{types.Int64, []byte{1}, "1"}, // short input is zero-padded
	}
	for _, c := range cases {
		if got := string(AppendValue(nil, c.t, c.b, testResolver)); got != c.want {
			t.Errorf("AppendValue(%s) = %q, want %q", c.t, got, c.want)
		}
	}
	// str_trunc_trailer replaces "..".
	defer func(s string) { TruncTrailer = s }(TruncTrailer)
	TruncTrailer = "_xxx"
	if got := string(AppendValue(nil, &types.String{Cap: 3}, []byte("abcdef"), testResolver)); got != "abc_xxx" {
		t.Errorf("with trailer _xxx: %q", got)
	}
	// A char array that fills its bytes was not cut short.
	if got := string(AppendValue(nil, &types.String{Cap: 5, Array: true}, []byte("hello"), testResolver)); got != "hello" {
		t.Errorf("char array without NUL: %q", got)
	}
}

func TestAggCombining(t *testing.T) {
	// Unset min/max slots are ignored even when their value would win.
	mn := aggMap("@mn", nil, aggMin, []any{nil}, [][][]byte{{slot2(-100, 0), slot2(4, 1), slot2(2, 1)}})
	mx := aggMap("@mx", nil, &types.Agg{Kind: types.Max}, []any{nil}, [][][]byte{{slot2(1000, 0), slot2(-1, 1), slot2(3, 1)}})
	avg := aggMap("@av", nil, &types.Agg{Kind: types.Avg}, []any{nil}, [][][]byte{{slot2(5, 1), slot2(16, 2), slot2(0, 0)}})
	empty := aggMap("@e", nil, aggAvg, []any{nil}, [][][]byte{{slot2(0, 0)}})
	got := string(AppendMapDump(nil, []*Map{mn, mx, avg, empty}, nil))
	// max is unsigned here: -1 is 18446744073709551615.
	want := "@av: 7\n@e: 0\n@mn: 2\n@mx: 18446744073709551615\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestOrdering(t *testing.T) {
	// Equal values are ordered by key; keys of tuples element by element.
	key := types.NewTuple([]types.Type{types.Int32, str16})
	m := keyed("@", key, types.Int64,
		[]any{2, "b"}, 1, []any{-1, "z"}, 1, []any{2, "a"}, 1, []any{1, "a"}, 0)
	got := string(AppendMap(nil, m, 0, 0, nil))
	want := "@[1, a]: 0\n@[-1, z]: 1\n@[2, a]: 1\n@[2, b]: 1\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	// Maps of non-integer values are ordered by key; unsigned keys numerically.
	m = keyed("@s", types.Uint64, str16, uint64(10), "x", uint64(9), "y", uint64(1<<63), "z")
	got = string(AppendMap(nil, m, 0, 0, nil))
	want = "@s[9]: y\n@s[10]: x\n@s[9223372036854775808]: z\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	// top larger than the map keeps everything; div applies to stats averages only.
	st := aggMap("@st", types.Int64, aggStats, []any{1, 2}, [][][]byte{{slot2(100, 2)}, {slot2(30, 1)}})
	got = string(AppendMap(nil, st, 5, 10, nil))
	want = "@st[2]: { .count = 1, .average = 3, .total = 30 }\n@st[1]: { .count = 2, .average = 5, .total = 100 }\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestMapValuesOnePerLine(t *testing.T) {
	// 0.17 glued ksym/ntop map values on one line; we print one per line.
	r := &fakeResolver{ksyms: map[uint64]string{1: "vfs_read", 2: "vfs_write"}}
	m := keyed("@k", types.Int64, &types.Symbol{}, 1, uint64(1), 2, uint64(2))
	n := &Map{Name: "@n", Key: types.Int64, Value: &types.Inet{}, Entries: []MapEntry{
		{Key: i64le(1), Values: [][]byte{inet(syscall.AF_INET, 1, 2, 3, 4)}},
	}}
	s := keyed("@s", types.Int64, &types.Stack{}, 1, uint64(9))
	r.stacks = map[uint64][]Frame{9: {{Addr: 0xffffffff81000010, Sym: "f+1"}}}
	got := string(AppendMapDump(nil, []*Map{m, n, s}, r))
	want := "@k[1]: vfs_read\n@k[2]: vfs_write\n@n[1]: 1.2.3.4\n@s[1]: \n    f+1\n"
	if got != want {
		t.Errorf("got\n%swant\n%s", show([]byte(got)), show([]byte(want)))
	}
}

func TestHistIndexes(t *testing.T) {
	cases := []struct {
		v    int64
		want int
	}{{math.MinInt64, 0}, {-1, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 3}, {4, 4}, {1023, 11}, {1024, 12}, {5000000000, 34}, {math.MaxInt64, 64}}
	for _, c := range cases {
		if got := HistIndex(c.v); got != c.want {
			t.Errorf("HistIndex(%d) = %d, want %d", c.v, got, c.want)
		}
	}
	if got := HistIndexUnsigned(math.MaxUint64); got != HistBuckets-1 {
		t.Errorf("HistIndexUnsigned(max) = %d", got)
	}
	lcases := []struct {
		v, min, max, step int64
		want              int
	}{
		{-1, 0, 100, 10, 0}, {0, 0, 100, 10, 1}, {9, 0, 100, 10, 1}, {10, 0, 100, 10, 2},
		{99, 0, 100, 10, 10}, {100, 0, 100, 10, 11}, {1 << 40, 0, 100, 10, 11},
		{5, 0, 10, 1, 6}, {-3, -5, 5, 5, 1}, {7, 0, 10, 3, 3}, {9, 0, 10, 3, 4}, {10, 0, 10, 3, 4},
	}
	for _, c := range lcases {
		if got := LHistIndex(c.v, c.min, c.max, c.step); got != c.want {
			t.Errorf("LHistIndex(%d, %d, %d, %d) = %d, want %d", c.v, c.min, c.max, c.step, got, c.want)
		}
	}
	if n := LHistBuckets(0, 100, 10); n != 12 {
		t.Errorf("LHistBuckets = %d", n)
	}
}

func TestHistLabelsAndBars(t *testing.T) {
	// Labels extend to P and E; 64-bit values are not truncated.
	m := histMap("@h", nil, &types.Agg{Kind: types.Hist}, sample{nil, 1 << 50}, sample{nil, 1 << 62}, sample{nil, 1 << 62})
	m.Entries = append(m.Entries, MapEntry{Key: append(u64le(0), u64le(65)...), Values: [][]byte{u64le(1)}})
	got := strings.Split(string(AppendMap(nil, m, 0, 0, nil)), "\n")
	wantFirst := "[1P, 2P)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |"
	wantLast := []string{
		"[4E, 8E)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
		"[8E, 16E)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |",
	}
	if got[0] != "@h:" || got[1] != wantFirst || got[len(got)-4] != wantLast[0] || got[len(got)-3] != wantLast[1] || got[len(got)-2] != "" {
		t.Errorf("unexpected hist:\n%s", strings.Join(got, "\n"))
	}
	// Counts wider than the column push the bar; div divides hist counts
	// but not lhist counts; a zero max after division draws no bars.
	h := histMap("@x", nil, &types.Agg{Kind: types.Hist}, sample{nil, 0})
	h.Entries[0].Values = [][]byte{u64le(123456789012)}
	if got := string(AppendMap(nil, h, 0, 1000000000000, nil)); got != "@x:\n[0]                    0 |                                                    |\n\n" {
		t.Errorf("divided hist: %q", got)
	}
	if got := string(AppendMap(nil, h, 0, 0, nil)); !strings.Contains(got, "[0]             123456789012 |@@@@") {
		t.Errorf("wide count: %q", got)
	}
	l := histMap("@l", nil, lhistAgg(-2048, 2048, 1024), sample{nil, -3000}, sample{nil, -1024}, sample{nil, 5000})
	want := "@l:\n" +
		"(..., -2K)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[-2K, -1K)             0 |                                                    |\n" +
		"[-1K, 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[0, 1K)                0 |                                                    |\n" +
		"[1K, 2K)               0 |                                                    |\n" +
		"[2K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	if got := string(AppendMap(nil, l, 0, 2, nil)); got != want {
		t.Errorf("lhist:\n%swant\n%s", got, want)
	}
	// lhist labels without suffix when the step is not a multiple of 1024.
	l = histMap("@n", nil, lhistAgg(0, 8192, 2048+1), sample{nil, 3000})
	if got := string(AppendMap(nil, l, 0, 0, nil)); !strings.HasPrefix(got, "@n:\n[2049, 4098)   ") {
		t.Errorf("lhist no suffix: %q", got)
	}
	// An all-zero hist entry (zero()) prints its header and a blank line.
	z := histMap("@z", nil, &types.Agg{Kind: types.Hist}, sample{nil, 1})
	z.Entries[0].Values = [][]byte{u64le(0)}
	if got := string(AppendMap(nil, z, 0, 0, nil)); got != "@z:\n\n" {
		t.Errorf("zeroed hist: %q", got)
	}
}

func TestJSONMisc(t *testing.T) {
	// golden-0.17/json_misc (the map and printf lines).
	pieces, _ := format.Parse("q\"t\\ \t%s\n")
	rec := append(make([]byte, 8), enc(str64, "x")...)
	var out []byte
	out = AppendJSONPrintf(out, pieces, []Arg{{str64, 8}}, rec, nil)
	out = AppendJSONPrint(out, str16, enc(str16, "bpftrace"), nil)
	r := &fakeResolver{stacks: map[uint64][]Frame{1: {{Sym: "perf_syscall_enter+475"}, {Sym: "syscall_trace_enter+384"}}}}
	out = AppendJSONMap(out, aggMap("@k", &types.Stack{Limit: 2}, aggCount, []any{uint64(1)}, [][][]byte{{u64le(2)}}), 0, 0, r)
	out = AppendJSONMap(out, keyed("@s", str64, types.Int64, "a\"b", 1), 0, 0, r)
	want := `{"type": "printf", "data": "q\"t\\ \tx\n"}
{"type": "value", "data": "bpftrace"}
{"type": "map", "data": {"@k": {"\nperf_syscall_enter+475\nsyscall_trace_enter+384\n": 2}}}
{"type": "map", "data": {"@s": {"a\"b": 1}}}
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Every line is valid JSON.
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("invalid JSON %q: %v", line, err)
		}
	}
}

func TestJSONValuesAndEscapes(t *testing.T) {
	st := &types.Struct{Kind: "struct", Name: "s", Bytes: 16, Fields: []types.Field{
		{Name: "a", Type: types.Int64, Offset: 0},
		{Name: "p", Type: &types.Pointer{Elem: &types.Void{}}, Offset: 8},
	}}
	cases := []struct {
		t    types.Type
		b    []byte
		want string
	}{
		{&types.Bool{}, []byte{1}, "true"},
		{str16, []byte("a\x01\x1f\"\\\r\n\t\xc3\xa9"), `"a\u0001\u001f\"\\\r\n\t` + "\xc3\xa9" + `"`},
		{st, append(i64le(-1), u64le(4096)...), `{"a": -1, "p": 4096}`},
		{&types.Array{Elem: types.Uint8, Len: 2}, []byte{1, 2}, "[1,2]"},
		{aggStats, slot2(30, 2), `{"count": 2, "average": 15, "total": 30}`},
		{&types.Inet{}, inet(syscall.AF_INET, 1, 2, 3, 4), `"1.2.3.4"`},
		{&types.MacAddr{}, []byte{0, 0x1f, 0x44, 0, 0, 0x41}, `"00:1F:44:00:00:41"`},
	}
	for _, c := range cases {
		if got := string(AppendJSONValue(nil, c.t, c.b, nil)); got != c.want {
			t.Errorf("AppendJSONValue(%s) = %s, want %s", c.t, got, c.want)
		}
	}
	// Empty maps are skipped; scalar zeroed hists give an empty array;
	// div applies to hist buckets.
	if got := AppendJSONMap(nil, &Map{Name: "@e", Key: types.Int64, Value: types.Int64}, 0, 0, nil); len(got) != 0 {
		t.Errorf("empty map gave %q", got)
	}
	z := histMap("@z", nil, &types.Agg{Kind: types.Hist}, sample{nil, 1})
	z.Entries[0].Values = [][]byte{u64le(0)}
	if got := string(AppendJSONMap(nil, z, 0, 0, nil)); got != `{"type": "hist", "data": {"@z": []}}`+"\n" {
		t.Errorf("zero hist: %q", got)
	}
	h := histMap("@h", nil, &types.Agg{Kind: types.Hist}, sample{nil, 1 << 62}, sample{nil, 1 << 62})
	want := `{"type": "hist", "data": {"@h": [{"min": 4611686018427387904, "max": "9223372036854775807", "count": 1}]}}` + "\n"
	if got := string(AppendJSONMap(nil, h, 0, 2, nil)); got != want {
		t.Errorf("hist div: %s", got)
	}
}

// BenchmarkPrintCountMap100k sorts and prints a 100k-entry count map with
// string keys, as the end-of-run dump does.
func BenchmarkPrintCountMap100k(b *testing.B) {
	m := &Map{Name: "@", Key: str16, Value: aggCount}
	for i := 0; i < 100000; i++ {
		k := make([]byte, 16)
		copy(k, "comm-")
		copy(k[5:], strconv.Itoa(i * 7)[:min(len(strconv.Itoa(i*7)), 10)])
		m.Entries = append(m.Entries, MapEntry{Key: k, Values: [][]byte{u64le(uint64(i * 7919 % 1000)), u64le(1)}})
	}
	b.ReportAllocs()
	b.ResetTimer()
	var out []byte
	for i := 0; i < b.N; i++ {
		out = AppendMap(out[:0], m, 0, 0, nil)
	}
	b.SetBytes(int64(len(out)))
}

func TestPrintMapArgs(t *testing.T) {
	rec := make([]byte, 24)
	binary.LittleEndian.PutUint64(rec[8:], 5)
	binary.LittleEndian.PutUint64(rec[16:], 1000)
	args := []Arg{{Type: types.Uint64, Offset: 8}, {Type: types.Uint64, Offset: 16}}
	for _, c := range []struct {
		args     []Arg
		rec      []byte
		top, div int
	}{
		{nil, rec, 0, 0},
		{args[:1], rec, 5, 0},
		{args, rec, 5, 1000},
		{args, rec[:20], 5, 0}, // div outside the record
	} {
		if top, div := PrintMapArgs(c.args, c.rec); top != c.top || div != c.div {
			t.Errorf("PrintMapArgs(%d args, %d bytes) = %d, %d; want %d, %d", len(c.args), len(c.rec), top, div, c.top, c.div)
		}
	}
}
