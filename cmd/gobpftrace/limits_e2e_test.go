package main

// End-to-end checks of scripts that reach the limits of BPF: long jumps
// the code generator lays out, and verifier limits reported as script
// errors.

import (
	"fmt"
	"strings"
	"testing"
)

// TestLongUnrollRuns runs an unroll(100) of printfs of long str() values,
// whose program is over 32,767 instructions: its predicate's jump to the
// end of the program used to be out of range ("jump out of range" and a
// bug hint). Every iteration must print.
func TestLongUnrollRuns(t *testing.T) {
	needRoot(t)
	t.Parallel()
	script := `BEGIN /pid > 0/ {
  $i = 0;
  unroll(100) {
    printf("%d %s %s\n", $i, str(&curtask->comm), str(&curtask->comm));
    printf("%s\n", str(&curtask->comm));
    $i++;
  }
  exit();
}
`
	r := runTool(t, invocation{args: []string{"-e", script}, env: []string{"BPFTRACE_STRLEN=1024"}})
	checkNoPanic(t, r)
	expectCode(t, r, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) < 200 {
		t.Fatalf("%d lines of output, want 200\n%v", len(lines), r)
	}
	comm := strings.TrimSuffix(lines[1], "\n")
	for i := range 100 {
		if want := fmt.Sprintf("%d %s %s", i, comm, comm); lines[2*i] != want || lines[2*i+1] != comm {
			t.Fatalf("iteration %d printed %q, %q; want %q, %q", i, lines[2*i], lines[2*i+1], want, comm)
		}
	}
}

// TestVerifierLimitsAreScriptErrors checks that scripts the verifier
// rejects for a kernel limit get a script error at the offending line,
// exit status 1 and no "gobpftrace bug" hint.
func TestVerifierLimitsAreScriptErrors(t *testing.T) {
	needRoot(t)
	t.Parallel()
	var maps strings.Builder
	for i := range 70 {
		fmt.Fprintf(&maps, " @m%d = 1;", i)
	}
	for _, tc := range []struct{ name, script, want string }{
		{"endless loop", "BEGIN {\n  $i = 0;\n  while (1) {\n  }\n}\n",
			"^stdin:3:3-14: ERROR: infinite loop: .*\n  while \\(1\\) \\{\n  ~~~~~~~~~~~\nHINT: "},
		{"too many maps", "BEGIN {" + maps.String() + " }\n",
			"^stdin:1:1-6: ERROR: too many maps: a BPF program may use at most 64 maps.*\n(.*\n)+HINT: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runTool(t, invocation{args: []string{"-e", tc.script}})
			checkNoPanic(t, r)
			expectCode(t, r, exitScript)
			matchAll(t, "stderr", r.stderr, tc.want)
			noMatch(t, "stderr", r.stderr, "gobpftrace bug")
		})
	}
}
