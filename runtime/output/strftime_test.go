package output

import (
	"testing"
	"time"
)

func TestAppendStrftime(t *testing.T) {
	tm := time.Date(2026, 11, 2, 7, 5, 9, 189246000, time.UTC)
	for f, want := range map[string]string{
		"%H:%M:%S":          "07:05:09",
		"%H:%M:%S.%f":       "07:05:09.189246",
		"%Y-%m-%d %j":       "2026-11-02 306",
		"%F %T":             "2026-11-02 07:05:09",
		"[%e] %y %D %R":     "[ 2] 26 11/02/26 07:05",
		"%a %A %b %B %p %I": "Mon Monday Nov November AM 07",
		"%% %s %Z %z":       "% 1793603109 UTC +0000",
		"%q literal%":       "%q literal%",
		"tab%tnl%n":         "tab\tnl\n",
	} {
		if got := string(AppendStrftime(nil, f, tm)); got != want {
			t.Errorf("AppendStrftime(%q) = %q, want %q", f, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { AppendStrftime(make([]byte, 0, 64), "%H:%M:%S.%f", tm) }); n > 1 {
		t.Errorf("%v allocations per call", n)
	}
}
