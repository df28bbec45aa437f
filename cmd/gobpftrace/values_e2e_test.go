package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestValuesOfEveryShape runs structs from BTF, records, tuples and
// arrays as values through the built binary, in text and JSON.
func TestValuesOfEveryShape(t *testing.T) {
	needRoot(t)
	prog := `BEGIN {
	$t = *curtask;
	$l = curtask->se.load;
	@l[$l] = ($l, pton("10.0.0.1"));
	$r = (tid=$t.pid, load=$l);
	print(($r.tid == tid, $r.load == curtask->se.load, $l != $l));
	print((a=1, b="x", c=(2, (d=3))));
	exit();
}`
	r := gbt(t, "-q", "-e", prog)
	expectCode(t, r, 0)
	want := "(true, true, false)\n{ .a = 1, .b = x, .c = (2, { .d = 3 }) }\n\n\n@l[{ .weight = "
	if !strings.HasPrefix(r.stdout, want) || !strings.HasSuffix(r.stdout, "[10,0,0,1])\n") {
		t.Errorf("stdout %q, want it to start with %q and end with the pton array", r.stdout, want)
	}
	r = gbt(t, "-q", "-f", "json", "-e", `BEGIN { @a = (a=0, c="str", d=(5, 6), e=(x=1, y=2)); print((1, (k="v"))); exit(); }`)
	expectRun(t, r, 0, `{"type": "value", "data": [1,{"k": "v"}]}`+"\n"+
		`{"type": "map", "data": {"@a": {"a": 0, "c": "str", "d": [5,6], "e": {"x": 1, "y": 2}}}}`+"\n", "")
}

// TestValueMisuse: a record field that does not exist and a struct
// compared with an integer give one positioned error each, exit 1.
func TestValueMisuse(t *testing.T) {
	r := gbt(t, "-e", `BEGIN { $r = (a=1); print($r.b); }`)
	expectRun(t, r, 1, "", `stdin:1:27-31: ERROR: Record does not contain a field named 'b'
BEGIN { $r = (a=1); print($r.b); }
                          ~~~~
`)
	r = gbt(t, "-e", `BEGIN { print(*curtask == 1); }`)
	expectRun(t, r, 1, "", `stdin:1:15-28: ERROR: Type mismatch for '==': comparing 'struct task_struct' with 'int8'
BEGIN { print(*curtask == 1); }
              ~~~~~~~~~~~~~
`)
}

// TestBigStringKey: a string longer than the BPF stack is a map key
// (bpftrace's call.str_big): the -c command's path is 600 bytes long.
func TestBigStringKey(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	for len(dir) < 600 {
		dir = filepath.Join(dir, strings.Repeat("d", 100))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := filepath.Join(dir, "true")
	if err := os.Symlink("/bin/true", cmd); err != nil {
		t.Fatal(err)
	}
	r := runTool(t, invocation{
		args: []string{"-e", `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { @[str(args.filename)] = count(); }`, "-c", cmd},
		env:  []string{"BPFTRACE_MAX_STRLEN=2000"},
	})
	expectCode(t, r, 0)
	matchAll(t, "stdout", r.stdout, `^@\[`+regexp.QuoteMeta(cmd)+`\]: 1$`)
}
