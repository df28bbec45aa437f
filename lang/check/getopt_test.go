package check

import (
	"testing"
)

// TestGetoptValues: each getopt call is the command line's value, or the
// default, typed by the default.
func TestGetoptValues(t *testing.T) {
	const script = `BEGIN { @ = (getopt("u", 20), getopt("i", -1), getopt("b", true), getopt("f"), getopt("s", "hello")); }`
	for _, tc := range []struct {
		named []string
		want  []string // u i b f s as Int or Str
	}{
		{nil, []string{"20", "-1", "1", "0", "hello"}},
		{[]string{"f", "u=0xffffffffffffffff", "i=-10", "b=False", "s=bye"}, []string{"-1", "-10", "0", "1", "bye"}},
		{[]string{"u=1_000", "i=0b101", "b=on", "f=yes", "s="}, []string{"1000", "5", "1", "1", ""}},
		{[]string{"i=010", "f=0", "u=7", "u=8"}, []string{"8", "8", "1", "0", "hello"}},
	} {
		_, info := mustCheck(t, script, &Config{NamedParams: tc.named})
		if info.OptionError != nil {
			t.Fatalf("%v: unexpected option error %+v", tc.named, info.OptionError)
		}
		var got []string
		for _, o := range info.Options {
			if o.Kind == OptionString {
				got = append(got, o.Str)
			} else {
				got = append(got, itoa(int(o.Int)))
			}
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%v: options %v, want %v", tc.named, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: option %s = %s, want %s", tc.named, info.Options[i].Name, got[i], tc.want[i])
			}
		}
	}
}

// TestGetoptErrors: command-line problems are reported in OptionError,
// with bpftrace's texts.
func TestGetoptErrors(t *testing.T) {
	for _, tc := range []struct {
		script    string
		named     []string
		msg, hint string
	}{
		{`BEGIN { print(getopt("aa", 10)); }`, []string{"aa=False"}, "program command line option --aa invalid integer (value: False)", ""},
		{`BEGIN { print(getopt("aa", 10)); }`, []string{"aa"}, "program command line option --aa expects an integer (value: true)", ""},
		{`BEGIN { print(getopt("aa", 10)); }`, []string{"aa=99999999999999999999"}, "program command line option --aa value is out of range (value: 99999999999999999999)", ""},
		{`BEGIN { print(getopt("aa", -1)); }`, []string{"aa=9223372036854775808"}, "program command line option --aa value is out of range (value: 9223372036854775808)", ""},
		{`BEGIN { print(getopt("aa", "s")); }`, []string{"aa"}, "program command line option --aa expects a string (value: true)", ""},
		{`BEGIN { print(getopt("aa")); }`, []string{"aa=maybe"}, "program command line option --aa expects a boolean (e.g. 'true') (value: maybe)", ""},
		{`BEGIN { print(getopt("aa", 10)); }`, []string{"bb", "cc=1"}, "unexpected program command line options: --bb, --cc", "expected program options: --aa"},
		{`BEGIN { print((getopt("bb", 1), getopt("aa", 10))); }`, []string{"x"}, "unexpected program command line options: --x", "expected program options: --aa: --bb"},
		{`BEGIN { }`, []string{"x"}, "unexpected program command line options: --x", "no custom program options defined."},
		{`BEGIN { print((getopt("bb", 1), getopt("aa", 10, "the aa"), getopt("cc"))); }`, []string{"help"}, "", "expected program options:\n--aa: the aa\n--bb\n--cc"},
	} {
		_, info := mustCheck(t, tc.script, &Config{NamedParams: tc.named})
		e := info.OptionError
		if e == nil {
			t.Errorf("%s %v: no option error", tc.script, tc.named)
			continue
		}
		if e.Msg != tc.msg || e.Hint != tc.hint {
			t.Errorf("%s %v:\ngot  %q / %q\nwant %q / %q", tc.script, tc.named, e.Msg, e.Hint, tc.msg, tc.hint)
		}
	}
}
