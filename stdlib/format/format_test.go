package format

import (
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// render formats pieces with test arguments: int64 and uint64 go through
// AppendInt, string through AppendString, []byte through AppendBuffer.
func render(t *testing.T, format string, args ...any) string {
	t.Helper()
	pieces, err := Parse(format)
	if err != nil {
		t.Fatalf("Parse(%q): %v", format, err)
	}
	if n := Count(pieces); n != len(args) {
		t.Fatalf("Count(%q) = %d, want %d", format, n, len(args))
	}
	var out []byte
	i := 0
	for _, p := range pieces {
		if p.Verb == nil {
			out = append(out, p.Lit...)
			continue
		}
		switch a := args[i].(type) {
		case int64:
			out = AppendInt(out, p.Verb, uint64(a), true)
		case int:
			out = AppendInt(out, p.Verb, uint64(a), true)
		case uint64:
			out = AppendInt(out, p.Verb, a, false)
		case string:
			out = AppendString(out, p.Verb, []byte(a))
		case []byte:
			out = AppendBuffer(out, p.Verb, a)
		default:
			t.Fatalf("bad test arg %T", a)
		}
		i++
	}
	return string(out)
}

// The golden lines below are the byte-exact outputs of bpftrace 0.17 in
// /work/shared/reference/golden-0.17 (the .cmd files hold the scripts).
func TestGoldenPrintfInts(t *testing.T) {
	big := uint64(0x123456789a)
	got := render(t, "[%x] [%lx] [%llx] [%X] [%d] [%ld] [%u] [%lu]\n", big, big, big, big, big, big, big, big)
	want := "[3456789a] [123456789a] [123456789a] [3456789A] [878082202] [78187493530] [878082202] [78187493530]\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	neg := int64(-5)
	got = render(t, "[%d] [%u] [%lu] [%x] [%lx] [%ld] [%lld]\n", neg, neg, neg, neg, neg, neg, neg)
	want = "[-5] [4294967291] [18446744073709551611] [fffffffb] [fffffffffffffffb] [-5] [-5]\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestGoldenPrintfWidths(t *testing.T) {
	got := render(t, "[%s] [%10s] [%-10s] [%.3s] [%5d] [%-5d] [%05d] [%c] [%%] [%o] [%p] [%hhu] [%hu] [%8.3s]\n",
		"abc", "abc", "abc", "abcdef", 42, 42, 42, 65, 8, 4096, 257, 65537, "abcdef")
	want := "[abc] [       abc] [abc       ] [abc] [   42] [42   ] [00042] [A] [%] [10] [0x1000] [1] [1] [     abc]\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestGoldenPrintfLiterals(t *testing.T) {
	got := render(t, "%lu %lu %lu %d %d %d\n", 1000000, 1000000, 1000000, 0x10, 010, -5)
	if want := "1000000 1000000 1000000 16 8 -5\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	got = render(t, "%d %c\n", uint64(100), 65)
	if want := "100 A\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestGoldenPrintfIntTrunc(t *testing.T) {
	// -7 / 2 is an unsigned 64-bit division in 0.17: 0x7ffffffffffffffc.
	got := render(t, "%d %ld %d %d\n", int64(1)<<40, int64(1)<<40, uint64(0x7ffffffffffffffc), 1)
	if want := "0 1099511627776 -4 1\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestGoldenPrintfNoArgsPercent(t *testing.T) {
	// Modern bpftrace: "%%" prints "%" even without arguments (0.17 printed
	// "100%% done").
	if got, want := render(t, "100%% done\n"), "100% done\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got := render(t, "no newline") + render(t, " - continued\n"); got != "no newline - continued\n" {
		t.Errorf("got %q", got)
	}
}

func TestGoldenPrintfEscapes(t *testing.T) {
	// Escapes are decoded by the parser; the format sees the raw bytes.
	in := "tab[\t] quote[\"] backslash[\\] octal[A] hex[B] cr[\r]\n"
	if got := render(t, in); got != in {
		t.Errorf("got %q want %q", got, in)
	}
}

func TestGoldenBuf(t *testing.T) {
	got := render(t, "%r|%rx|%rh\n", []byte("AB\n"), []byte("AB\n\x00"), []byte("AB\n\x00"))
	if want := "AB\\x0a|\\x41\\x42\\x0a\\x00|41 42 0a 00\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestIntConversions(t *testing.T) {
	cases := []struct {
		format string
		arg    any
		want   string
	}{
		{"%d", int64(1) << 40, "0"},
		{"%u", int64(-5), "4294967291"},
		{"%lu", int64(-5), "18446744073709551611"},
		{"%x", int64(-5), "fffffffb"},
		{"%hhu", 257, "1"},
		{"%hhd", 255, "-1"},
		{"%hu", 65537, "1"},
		{"%hd", 0xffff, "-1"},
		{"%c", 65, "A"},
		{"%3c", 65, "  A"},
		{"%-3c|", 65, "A  |"},
		{"%p", 4096, "0x1000"},
		{"%p", 0, "(nil)"},
		{"%p", int64(-1), "0xffffffffffffffff"},
		{"%o", 8, "10"},
		{"%#o", 8, "010"},
		{"%#o", 0, "0"},
		{"%#x", 255, "0xff"},
		{"%#X", 255, "0XFF"},
		{"%#x", 0, "0"},
		{"%05d", 42, "00042"},
		{"%05d", -42, "-0042"},
		{"%-5d|", 42, "42   |"},
		{"%-05d|", 42, "42   |"},
		{"%+d", 42, "+42"},
		{"% d", 42, " 42"},
		{"%+d", -42, "-42"},
		{"%+u", 42, "42"},
		{"%.5d", 42, "00042"},
		{"%8.5d", -42, "  -00042"},
		{"%08.5d", 42, "   00042"},
		{"%.0d", 0, ""},
		{"%5.0d|", 0, "     |"},
		{"%ld", int64(-9223372036854775808), "-9223372036854775808"},
		{"%lld", uint64(1<<63 + 5), "-9223372036854775803"},
		{"%llu", uint64(1<<64 - 1), "18446744073709551615"},
		{"%zu", int64(-1), "18446744073709551615"},
		{"%jd", int64(-1), "-1"},
		{"%td", int64(-1), "-1"},
		{"%i", 7, "7"},
		{"%lX", uint64(0xabcdef0123), "ABCDEF0123"},
		{"%010p", 4096, "0x00001000"},
		{"%-8p|", 4096, "0x1000  |"},
		// Not integer conversions: decimal text, signedness from the source.
		{"%5s", int64(-5), "   -5"},
		{"%s", uint64(1<<64 - 1), "18446744073709551615"},
		// Cross-checked against glibc printf.
		{"%#.0o", 0, "0"},
		{"%+.0d", 0, "+"},
		{"% 05d", 42, " 0042"},
		{"%#5x", 255, " 0xff"},
		{"%#05x", 255, "0x0ff"},
		{"%5p", 0, "(nil)"},
		{"%-8p|", 0, "(nil)   |"},
	}
	for _, c := range cases {
		if got := render(t, c.format, c.arg); got != c.want {
			t.Errorf("%s of %v = %q, want %q", c.format, c.arg, got, c.want)
		}
	}
}

func TestStringConversions(t *testing.T) {
	cases := []struct{ format, arg, want string }{
		{"%s", "", ""},
		{"%5s", "", "     "},
		{"%.0s", "abc", ""},
		{"%.s", "abc", ""},
		{"%-8.3s|", "abcdef", "abc     |"},
		{"%2s", "abcdef", "abcdef"},
		{"%05s", "ab", "   ab"}, // glibc pads strings with spaces
	}
	for _, c := range cases {
		if got := render(t, c.format, c.arg); got != c.want {
			t.Errorf("%s of %q = %q, want %q", c.format, c.arg, got, c.want)
		}
	}
}

func TestJustify(t *testing.T) {
	mk := func(f string) *Verb {
		p, err := Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		return p[0].Verb
	}
	cases := []struct{ format, text, want string }{
		{"%8s", "abc", "xx     abc"},
		{"%-8s", "abc", "xxabc     "},
		{"%.2s", "abc", "xxab"},
		{"%6.2s", "abc", "xx    ab"},
		{"%s", "abc", "xxabc"},
	}
	for _, c := range cases {
		dst := append([]byte("xx"), c.text...)
		if got := string(Justify(dst, 2, mk(c.format))); got != c.want {
			t.Errorf("Justify(%s, %q) = %q, want %q", c.format, c.text, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	pieces, err := Parse("a %-10.3lld b %% c %rx%rh%r|%5s")
	if err != nil {
		t.Fatal(err)
	}
	var desc []string
	for _, p := range pieces {
		if p.Verb == nil {
			desc = append(desc, "L("+p.Lit+")")
			continue
		}
		v := p.Verb
		desc = append(desc, v.String())
	}
	want := "L(a ) %-10.3lld L( b % c ) %rx %rh %r L(|) %5s"
	if got := strings.Join(desc, " "); got != want {
		t.Errorf("pieces = %s\nwant     %s", got, want)
	}
	v := pieces[1].Verb
	if v.Flags != "-" || v.Width != 10 || v.Prec != 3 || v.Length != "ll" || v.Conv != 'd' || v.Start != 2 || v.End != 11 {
		t.Errorf("verb = %+v", *v)
	}
	if pieces[3].Verb.RawMode != 'x' || pieces[4].Verb.RawMode != 'h' || pieces[5].Verb.RawMode != 0 {
		t.Errorf("raw modes wrong")
	}
	if n := Count(pieces); n != 5 {
		t.Errorf("Count = %d", n)
	}
	if p, _ := Parse("%s"); p[0].Verb.Width != -1 || p[0].Verb.Prec != -1 {
		t.Errorf("absent width/prec not -1: %+v", *p[0].Verb)
	}
	if p, _ := Parse(""); len(p) != 0 {
		t.Errorf("empty format gave %d pieces", len(p))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ format, token string }{
		{"%k", "%k"},
		{"x %-5k y", "%-5k"},
		{"%", "%"},
		{"abc %5", "%5"},
		{"%lq", "%lq"},
		{"%lr", "%lr"},
		{"%f", "%f"},
		{"%99999999999999999999d", "%99999999999999999999"},
	}
	for _, c := range cases {
		_, err := Parse(c.format)
		pe, ok := err.(*ParseError)
		if !ok {
			t.Errorf("Parse(%q) err = %v, want *ParseError", c.format, err)
			continue
		}
		if pe.Token != c.token {
			t.Errorf("Parse(%q) token = %q, want %q", c.format, pe.Token, c.token)
		}
		if want := "Unknown format string token: " + c.token; pe.Error() != want {
			t.Errorf("Error() = %q, want %q", pe.Error(), want)
		}
	}
}

func TestAccepts(t *testing.T) {
	verb := func(f string) *Verb { p, _ := Parse(f); return p[0].Verb }
	str := &types.String{Cap: 64}
	buf := &types.Buffer{Cap: 8}
	checks := []struct {
		format string
		t      types.Type
		ok     bool
	}{
		{"%d", types.Int64, true},
		{"%d", &types.Bool{}, true},
		{"%p", &types.Pointer{Elem: &types.Void{}}, true},
		{"%d", str, false},
		{"%s", types.Int64, false},
		{"%s", str, true},
		{"%s", &types.Symbol{}, true},
		{"%s", &types.Inet{}, true},
		{"%s", &types.ProbeName{}, true},
		{"%s", &types.Timestamp{}, true},
		{"%s", &types.Errno{}, true},
		{"%s", &types.Stack{}, true},
		{"%s", buf, true},
		{"%r", buf, true},
		{"%rx", buf, true},
		{"%rh", str, false},
		{"%c", types.Uint8, true},
	}
	for _, c := range checks {
		if got := verb(c.format).Accepts(c.t); got != c.ok {
			t.Errorf("%s accepts %s = %v, want %v", c.format, c.t, got, c.ok)
		}
	}
	// golden-0.17/err_printf_type.err
	want := "printf: %d specifier expects a value of type integer (string supplied)"
	if got := verb("%d").TypeError("printf", str); got != want {
		t.Errorf("TypeError = %q\nwant       %q", got, want)
	}
	want = "printf: %s specifier expects a value of type string (integer supplied)"
	if got := verb("%s").TypeError("printf", types.Int32); got != want {
		t.Errorf("TypeError = %q", got)
	}
	// golden-0.17/err_printf_count.err (there %i was not a verb in 0.17).
	want = "printf: Too many arguments for format string (1 supplied, 0 expected)"
	if got := CountError("printf", 1, 0); got != want {
		t.Errorf("CountError = %q", got)
	}
	if got := CountError("printf", 0, 2); got != "printf: Not enough arguments for format string (0 supplied, 2 expected)" {
		t.Errorf("CountError = %q", got)
	}
	if CountError("printf", 2, 2) != "" {
		t.Errorf("CountError of equal counts not empty")
	}
}

func TestAppendIntAllocs(t *testing.T) {
	pieces, _ := Parse("%-8d|%#x|%s")
	buf := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendInt(buf[:0], pieces[0].Verb, 12345, true)
		b = AppendInt(b, pieces[2].Verb, 255, false)
		_ = AppendString(b, pieces[4].Verb, []byte("hello"))
	})
	if allocs != 0 {
		t.Errorf("allocs = %v, want 0", allocs)
	}
}

func BenchmarkAppendInt(b *testing.B) {
	pieces, _ := Parse("%-8lu")
	v := pieces[0].Verb
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendInt(buf[:0], v, uint64(i), false)
	}
}
