package output

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// strftimeZone is the zone of the glibc reference values: TZ=XYZ-5:30.
var strftimeZone = time.FixedZone("XYZ", 5*3600+1800)

// The expected values below were computed by glibc 2.36's strftime(3) in
// the C locale, through Python:
//
//	TZ=XYZ-5:30 python3 -c 'import time; print(time.strftime(F, time.localtime(T)))'

// TestStrftimeEveryConversion checks every conversion glibc knows, at a
// Monday afternoon and at a New Year's night that belongs to the previous
// ISO week-based year.
func TestStrftimeEveryConversion(t *testing.T) {
	for _, tc := range []struct {
		unix  int64
		cases [][2]string
	}{
		{1793603109, [][2]string{
			{"%a", "Mon"},
			{"%A", "Monday"},
			{"%b", "Nov"},
			{"%B", "November"},
			{"%c", "Mon Nov  2 12:35:09 2026"},
			{"%C", "20"},
			{"%d", "02"},
			{"%D", "11/02/26"},
			{"%e", " 2"},
			{"%F", "2026-11-02"},
			{"%g", "26"},
			{"%G", "2026"},
			{"%h", "Nov"},
			{"%H", "12"},
			{"%I", "12"},
			{"%j", "306"},
			{"%m", "11"},
			{"%M", "35"},
			{"%n", "\n"},
			{"%p", "PM"},
			{"%P", "pm"},
			{"%r", "12:35:09 PM"},
			{"%R", "12:35"},
			{"%s", "1793603109"},
			{"%S", "09"},
			{"%t", "\t"},
			{"%T", "12:35:09"},
			{"%u", "1"},
			{"%U", "44"},
			{"%V", "45"},
			{"%w", "1"},
			{"%W", "44"},
			{"%x", "11/02/26"},
			{"%X", "12:35:09"},
			{"%y", "26"},
			{"%Y", "2026"},
			{"%z", "+0530"},
			{"%Z", "XYZ"},
			{"%%", "%"},
		}},
		{1798743599, [][2]string{
			{"%a", "Fri"},
			{"%A", "Friday"},
			{"%b", "Jan"},
			{"%B", "January"},
			{"%c", "Fri Jan  1 00:29:59 2027"},
			{"%C", "20"},
			{"%d", "01"},
			{"%D", "01/01/27"},
			{"%e", " 1"},
			{"%F", "2027-01-01"},
			{"%g", "26"},
			{"%G", "2026"},
			{"%h", "Jan"},
			{"%H", "00"},
			{"%I", "12"},
			{"%j", "001"},
			{"%m", "01"},
			{"%M", "29"},
			{"%n", "\n"},
			{"%p", "AM"},
			{"%P", "am"},
			{"%r", "12:29:59 AM"},
			{"%R", "00:29"},
			{"%s", "1798743599"},
			{"%S", "59"},
			{"%t", "\t"},
			{"%T", "00:29:59"},
			{"%u", "5"},
			{"%U", "00"},
			{"%V", "53"},
			{"%w", "5"},
			{"%W", "00"},
			{"%x", "01/01/27"},
			{"%X", "00:29:59"},
			{"%y", "27"},
			{"%Y", "2027"},
			{"%z", "+0530"},
			{"%Z", "XYZ"},
			{"%%", "%"},
		}},
	} {
		tm := time.Unix(tc.unix, 0).In(strftimeZone)
		for _, c := range tc.cases {
			if got := string(AppendStrftime(nil, c[0], tm)); got != c[1] {
				t.Errorf("at %d: AppendStrftime(%q) = %q, want %q", tc.unix, c[0], got, c[1])
			}
		}
	}
}

// TestStrftimeFlags checks glibc's flags, widths and modifiers, and the
// verbatim copy of what it does not know, at 2027-01-01 00:29:59 +0530.
func TestStrftimeFlags(t *testing.T) {
	tm := time.Unix(1798743599, 0).In(strftimeZone)
	for _, c := range [][2]string{
		{"%_k", " 0"},
		{"%-l", "12"},
		{"%0e", "01"},
		{"%-d", "1"},
		{"%_m", " 1"},
		{"%5d", "00001"},
		{"%_5Y", " 2027"},
		{"%-5Y", " 2027"},
		{"%^a", "FRI"},
		{"%#A", "FRIDAY"},
		{"%#b", "JAN"},
		{"%^B", "JANUARY"},
		{"%#p", "am"},
		{"%^P", "am"},
		{"%#Z", "xyz"},
		{"%^c", "FRI JAN  1 00:29:59 2027"},
		{"%20c", "Fri Jan  1 00:29:59 2027"},
		{"%012T", "000000:29:59"},
		{"%3z", "  +0530"},
		{"%_7z", "      +    530"},
		{"%Ey", "27"},
		{"%Od", "01"},
		{"%Oc", "%Oc"},
		{"%Ea", "%Ea"},
		{"%10q", "      %10q"},
		{"%", "%"},
		{"%5", "   %5"},
		{"%^q", "%^Q"},
		{"%5%", "    %"},
		{"%-s", "1798743599"},
		{"%12s", "  1798743599"},
	} {
		if got := string(AppendStrftime(nil, c[0], tm)); got != c[1] {
			t.Errorf("AppendStrftime(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

// TestStrftimeExtensions checks bpftrace's %f, %k and %l, which it
// substitutes before calling strftime: a flag or width in between makes
// them glibc's conversions again (%_k is the hour).
func TestStrftimeExtensions(t *testing.T) {
	tm := time.Date(2026, 11, 2, 7, 5, 9, 89246001, time.UTC)
	for f, want := range map[string]string{
		"%H:%M:%S.%f": "07:05:09.089246",
		"%T.%l":       "07:05:09.089",
		"%s.%k":       "1793603109.089246001",
		"%_k|%-l":     " 7|7",
		"%%f %%k":     "%f %k",
		"%5f":         "  %5f",
	} {
		if got := string(AppendStrftime(nil, f, tm)); got != want {
			t.Errorf("AppendStrftime(%q) = %q, want %q", f, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { AppendStrftime(make([]byte, 0, 64), "%c %H:%M:%S.%f %10z", tm) }); n > 1 {
		t.Errorf("%v allocations per call", n)
	}
}

// TestStrftimeMatchesGlibc compares every combination of flag, width,
// modifier and conversion character with the C library through Python,
// when python3 is installed.
func TestStrftimeMatchesGlibc(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to ask glibc")
	}
	var formats []string
	for c := byte(' '); c < 0x7f; c++ {
		for _, flags := range []string{"", "_", "-", "0", "^", "#", "0^", "#_"} {
			for _, width := range []string{"", "1", "4", "12"} {
				for _, mod := range []string{"", "E", "O"} {
					f := "%" + flags + width + mod + string(c)
					if f != "%f" && f != "%k" && f != "%l" {
						formats = append(formats, f)
					}
				}
			}
		}
	}
	stamps := []int64{1793603109, 1798743599, 951782400 + 13*3600, 1609459200 - 1}
	script := `import sys, time
stamps = [int(s) for s in sys.argv[1:]]
for line in sys.stdin.read().split("\x00"):
    for s in stamps:
        sys.stdout.write(time.strftime(line, time.localtime(s)) + "\x00")
`
	args := []string{"-c", script}
	for _, s := range stamps {
		args = append(args, strconv.FormatInt(s, 10))
	}
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "TZ=XYZ-5:30", "LC_ALL=C")
	cmd.Stdin = strings.NewReader(strings.Join(formats, "\x00"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	want := strings.Split(string(out), "\x00")
	if len(want) != len(formats)*len(stamps)+1 {
		t.Fatalf("python3 returned %d values for %d formats", len(want)-1, len(formats)*len(stamps))
	}
	bad := 0
	for i, f := range formats {
		for j, s := range stamps {
			got := string(AppendStrftime(nil, f, time.Unix(s, 0).In(strftimeZone)))
			if w := want[i*len(stamps)+j]; got != w && bad < 20 {
				bad++
				t.Errorf("at %d: AppendStrftime(%q) = %q, glibc says %q", s, f, got, w)
			}
		}
	}
}
