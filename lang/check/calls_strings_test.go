package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

func TestStrncmpStrcontainsTypes(t *testing.T) {
	src := `BEGIN { $s = "abc"; print(strncmp($s, comm, 2)); print(strcontains(comm, $s)); print(strcontains(str($1), "x")); }`
	prog, info := mustCheck(t, src, &Config{Params: []string{"xyz"}})
	inst := info.Instances[0]
	for e, want := range map[string]string{
		`strncmp($s, comm, 2)`:      "int64",
		`strcontains(comm, $s)`:     "bool",
		`strcontains(str($1), "x")`: "bool",
	} {
		x := findExpr(t, prog, src, e)
		got := inst.Types[x]
		if got == nil || got.String() != want {
			t.Errorf("type of %s = %v, want %s", e, got, want)
		}
		if e != `strcontains(str($1), "x")` {
			if n, ok := inst.Consts[x]; ok {
				t.Errorf("%s folded to %d", e, n)
			}
		}
	}
	if _, ok := inst.Types[findExpr(t, prog, src, `strncmp($s, comm, 2)`)].(*types.Int); !ok {
		t.Errorf("strncmp is not an integer")
	}
}

func TestStrncmpStrcontainsFold(t *testing.T) {
	cases := []struct {
		expr string
		want int64
	}{
		{`strncmp("hello", "help", 3)`, 0},
		{`strncmp("hello", "help", 4)`, 1},
		{`strncmp("hello", "help", 0)`, 0},
		{`strncmp("abc", "abc", 100)`, 0},
		{`strncmp("abc", "abcd", 100)`, 1},
		{`strncmp("abc", "abcd", 3)`, 0},
		{`strncmp("", "", 5)`, 0},
		{`strncmp($1, "hello", 5)`, 0},
		{`strncmp(str($1 + 1), "ell", 3)`, 0},
		{`strcontains("hello world", "o w")`, 1},
		{`strcontains("abc", "d")`, 0},
		{`strcontains("abc", "")`, 1},
		{`strcontains("", "")`, 1},
		{`strcontains("", "a")`, 0},
		{`strcontains("abc", "abcd")`, 0},
		{`strcontains($1, "ll")`, 1},
		{`strcontains(comm, "")`, 1},
	}
	for _, c := range cases {
		src := fmt.Sprintf("BEGIN { print(%s); }", c.expr)
		prog, info := mustCheck(t, src, &Config{Params: []string{"hello"}})
		got, ok := info.Instances[0].Consts[findExpr(t, prog, src, c.expr)]
		if !ok || got != c.want {
			t.Errorf("%s = %d (constant: %v), want %d", c.expr, got, ok, c.want)
		}
	}
}

func TestStrncmpStrcontainsErrors(t *testing.T) {
	cases := []struct {
		src, at, msg string
	}{
		{`BEGIN { print(strncmp(1, "a", 1)); }`, `1`, `strncmp() expects string arguments (int8 provided)`},
		{`BEGIN { print(strncmp("a", pid, 1)); }`, `pid`, `strncmp() expects string arguments`},
		{`BEGIN { $n = 2; print(strncmp("a", comm, $n)); }`, `$n)`, `strncmp() expects a constant integer length`},
		{`BEGIN { print(strncmp("a", comm, "x")); }`, `"x"`, `strncmp() expects a constant integer length`},
		{`BEGIN { print(strncmp("a", comm, -1)); }`, `-1`, `strncmp() length must be non-negative`},
		{`BEGIN { print(strncmp("a", comm)); }`, `strncmp("a", comm)`, `strncmp() requires 3 arguments (2 provided)`},
		{`BEGIN { print(strcontains(comm)); }`, `strcontains(comm)`, `strcontains() requires 2 arguments (1 provided)`},
		{`BEGIN { print(strcontains(comm, 5)); }`, `5`, `strcontains() expects string arguments (int8 provided)`},
	}
	long := `BEGIN { $h = "` + strings.Repeat("h", 100) + `"; $n = "` + strings.Repeat("n", 50) + `"; `
	for _, c := range cases {
		_, _, diags, _ := checkText(c.src, nil)
		if len(diags.Items) == 0 {
			t.Errorf("%s: no error, want %q", c.src, c.msg)
			continue
		}
		d := diags.Items[0]
		if !strings.Contains(d.Msg, strings.ReplaceAll(c.msg, `\`, ``)) {
			t.Errorf("%s: error %q, want %q", c.src, d.Msg, c.msg)
		}
		at := strings.Index(c.src, c.at)
		if c.at == `1` {
			at = strings.Index(c.src, "(1") + 1
		}
		if d.Span.Start != at {
			t.Errorf("%s: error at %d, want %d (%q)", c.src, d.Span.Start, at, c.at)
		}
	}
	// Long searches are not the checker's concern (they run in a
	// bpf_loop, or are refused by codegen on kernels without it).
	mustCheck(t, long+`print(strcontains($h, "`+strings.Repeat("n", 50)+`")); print(strcontains("`+strings.Repeat("h", 50)+`", $n)); }`, nil)
	mustCheck(t, `tracepoint:syscalls:sys_enter_openat { print(strcontains(str(args.filename), "`+strings.Repeat("x", 100)+`")); print(strcontains(str(args.filename), str(args.filename))); }`, nil)
	mustCheck(t, `tracepoint:sched:sched_switch { print(strcontains(args.prev_comm, "x")); print(strncmp(args.next_comm, args.prev_comm, 16)); }`, nil)
}

// TestStringFuncsOfProbe: probe in a string function is each instance's
// name, a constant of its own tables (bpftrace's
// probe_builtin_string_compare: strcontains(probe, "…") picks one
// function of a wildcard).
func TestStringFuncsOfProbe(t *testing.T) {
	src := `uprobe:/opt/fixture/uprobe_test:uprobeFunction* { if (strcontains(probe, "Function2")) { print(probe); } }`
	prog, info := mustCheck(t, src, nil)
	x := findExpr(t, prog, src, "probe")
	if len(info.Instances) < 2 {
		t.Fatalf("%d instances, want the wildcard's several", len(info.Instances))
	}
	seen := map[string]bool{}
	for _, inst := range info.Instances {
		if !inst.PerAttach || inst.StrConsts[x] != inst.Attach.Name {
			t.Errorf("%s: probe is %q (PerAttach %v)", inst.Attach.Name, inst.StrConsts[x], inst.PerAttach)
		}
		seen[inst.StrConsts[x]] = true
	}
	if len(seen) != len(info.Instances) {
		t.Errorf("instances share their probe constant: %v", seen)
	}
}
