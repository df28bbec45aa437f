package main

// End-to-end checks of scripts that reach the limits of BPF: long jumps
// the code generator lays out, and verifier limits reported as script
// errors.

import (
	"fmt"
	"strings"
	"testing"
)

// TestLongUnrollRuns runs unrolled printfs of long str() values in a
// program of over 32,767 instructions: its predicate's jump to the end of
// the program used to be out of range ("jump out of range" and a bug
// hint). Every iteration must print.
func TestLongUnrollRuns(t *testing.T) {
	needRoot(t)
	t.Parallel()
	script := `BEGIN /pid > 0/ {
  $i = 0;
  unroll(100) {
    unroll(6) {
      printf("%d %s %s\n", $i, str(&curtask->comm), str(&curtask->comm));
    }
    $i++;
  }
  exit();
}
`
	env := []string{"BPFTRACE_STRLEN=1024"}
	asm := runTool(t, invocation{args: []string{"-d", "asm", "-e", script}, env: env})
	var n int
	if _, err := fmt.Sscanf(asm.stdout, "begin (begin, %d instructions)", &n); err != nil || n <= 1<<15 {
		t.Fatalf("the test needs a program of more than 32,768 instructions, got %d (%v)", n, err)
	}
	r := runTool(t, invocation{args: []string{"-e", script}, env: env})
	checkNoPanic(t, r)
	expectCode(t, r, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) < 600 {
		t.Fatalf("%d lines of output, want 600\n%v", len(lines), r)
	}
	comm := strings.Fields(lines[0])[1]
	for i := range 600 {
		if want := fmt.Sprintf("%d %s %s", i/6, comm, comm); lines[i] != want {
			t.Fatalf("line %d is %q, want %q", i, lines[i], want)
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
