package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// checkText parses and checks text with the fixture host. Parse errors are
// returned as the diagnostics (the checker does not run then).
func checkText(text string, cfg *Config) (*ast.Program, *Info, *diag.List, *diag.Source) {
	if cfg == nil {
		cfg = &Config{}
	}
	if cfg.Host == nil {
		cfg.Host = hosttest.New()
	}
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		return prog, nil, pd, src
	}
	info, cd := Check(src, prog, cfg)
	pd.Items = append(pd.Items, cd.Items...)
	return prog, info, pd, src
}

// mustCheck checks text and fails the test on any diagnostic.
func mustCheck(t *testing.T, text string, cfg *Config) (*ast.Program, *Info) {
	t.Helper()
	prog, info, diags, src := checkText(text, cfg)
	if len(diags.Items) > 0 {
		t.Fatalf("unexpected diagnostics for %q:\n%s", text, src.Render(diags))
	}
	return prog, info
}

// expectation is one `// ERROR "re"` or `// WARNING "re"` annotation. A
// line may carry several.
type expectation struct {
	line int
	sev  diag.Severity
	re   *regexp.Regexp
	raw  string
}

var annotationRE = regexp.MustCompile(`//\s*(ERROR|WARNING)\s+("(?:[^"\\]|\\.)*")`)

// parseExpectations reads the annotations of a testdata script. The
// directives `// UNSAFE` and `// PARAMS: a b c` on lines of their own set
// the checker configuration.
func parseExpectations(t *testing.T, text string) ([]*expectation, *Config) {
	cfg := &Config{}
	var out []*expectation
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "// UNSAFE" {
			cfg.Unsafe = true
		}
		if rest, ok := strings.CutPrefix(trimmed, "// PID:"); ok {
			cfg.Pid, _ = strconv.Atoi(strings.TrimSpace(rest))
		}
		if rest, ok := strings.CutPrefix(trimmed, "// PARAMS:"); ok {
			cfg.Params = strings.Fields(rest)
		}
		for _, m := range annotationRE.FindAllStringSubmatch(line, -1) {
			// The text between the quotes is the regexp as is (\" in it
			// matches a quote).
			pat := m[2][1 : len(m[2])-1]
			re, err := regexp.Compile(pat)
			if err != nil {
				t.Fatalf("line %d: bad regexp %q: %v", i+1, pat, err)
			}
			sev := diag.Error
			if m[1] == "WARNING" {
				sev = diag.Warning
			}
			out = append(out, &expectation{line: i + 1, sev: sev, re: re, raw: pat})
		}
	}
	return out, cfg
}

// diagText is what an annotation's regexp is matched against: the message
// followed by " HINT: hint" for every hint.
func diagText(d *diag.Diagnostic) string {
	s := d.Msg
	for _, h := range d.Hints {
		s += " HINT: " + h
	}
	return s
}

// TestCheckFiles runs every testdata/*.bt script through the parser and the
// checker and compares the diagnostics with the annotations: every
// annotation must be matched by a diagnostic of its severity whose span
// starts on its line, and every diagnostic must be annotated.
func TestCheckFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.bt files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			exps, cfg := parseExpectations(t, text)
			_, _, diags, src := checkText(text, cfg)
			matched := make([]bool, len(exps))
			for _, d := range diags.Items {
				if d.Code == diag.CodeInternal {
					t.Errorf("internal error: %s", src.Format(d))
				}
				if s := d.Span; s.Start < 0 || s.End < s.Start || s.End > len(text) {
					t.Errorf("span %v outside the source: %s", s, d.Msg)
					continue
				}
				line, _ := src.Position(d.Span.Start)
				found := false
				for i, e := range exps {
					if !matched[i] && e.line == line && e.sev == d.Severity && e.re.MatchString(diagText(d)) {
						matched[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("%s:%d: unexpected %s: %s", file, line, d.Severity, strings.TrimSpace(src.Format(d)))
				}
			}
			for i, e := range exps {
				if !matched[i] {
					t.Errorf("%s:%d: missing %s matching %q", file, e.line, e.sev, e.raw)
				}
			}
		})
	}
}

// TestCallCheckersComplete: every implemented function has a checker.
func TestCallCheckersComplete(t *testing.T) {
	if len(stdlib.Funcs) != stdlib.NumFuncs {
		t.Fatalf("stdlib.Funcs has %d entries, NumFuncs is %d", len(stdlib.Funcs), stdlib.NumFuncs)
	}
	for id := stdlib.FuncID(1); int(id) < stdlib.NumFuncs; id++ {
		def := &stdlib.Funcs[id]
		if def.Has(stdlib.Implemented) && callCheckers[id] == nil {
			t.Errorf("function %s is implemented but has no callCheckers entry", def.Name)
		}
		if got, ok := stdlib.LookupFunc(def.Name); !ok || got != id {
			t.Errorf("LookupFunc(%q) = %v, %v; want %v", def.Name, got, ok, id)
		}
	}
}

// TestVarsResolve: every implemented builtin variable resolves to its ID.
func TestVarsResolve(t *testing.T) {
	if len(stdlib.Vars) != stdlib.NumVars {
		t.Fatalf("stdlib.Vars has %d entries, NumVars is %d", len(stdlib.Vars), stdlib.NumVars)
	}
	for id := stdlib.VarID(1); int(id) < stdlib.NumVars; id++ {
		def := &stdlib.Vars[id]
		if !def.Implemented {
			continue
		}
		name := def.Name
		if id == stdlib.ArgN {
			name = "arg3"
		}
		got, _, ok := stdlib.LookupVar(name)
		if !ok || got != id {
			t.Errorf("LookupVar(%q) = %v, %v; want %v", name, got, ok, id)
		}
	}
	for n := 0; n <= stdlib.MaxArgN; n++ {
		id, got, ok := stdlib.LookupVar(fmt.Sprintf("arg%d", n))
		if !ok || id != stdlib.ArgN || got != n {
			t.Errorf("LookupVar(arg%d) = %v, %d, %v", n, id, got, ok)
		}
	}
	for _, bad := range []string{"arg", "arg01", "argx", "arg-1"} {
		if _, _, ok := stdlib.LookupVar(bad); ok {
			t.Errorf("LookupVar(%q) resolved", bad)
		}
	}
}

// TestImplementedBuiltinsCheck: every implemented builtin variable with a
// fixed type checks cleanly in a BEGIN probe and gets that type.
func TestImplementedBuiltinsCheck(t *testing.T) {
	for id := stdlib.VarID(1); int(id) < stdlib.NumVars; id++ {
		def := &stdlib.Vars[id]
		if !def.Implemented || def.Type == nil || id == stdlib.ArgN || id == stdlib.Retval {
			continue // argN and retval exist only in function probes
		}
		text := fmt.Sprintf("BEGIN { $v = %s; }", def.Name)
		prog, info := mustCheck(t, text, nil)
		var got types.Type
		ast.Inspect(prog, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == def.Name {
				got = info.Instances[0].Types[id]
			}
			return true
		})
		if got == nil || !types.Identical(got, def.Type) {
			t.Errorf("%s: type %v, want %v", def.Name, got, def.Type)
		}
	}
}

// findExpr returns the first expression of prog whose source text is
// want.
func findExpr(t *testing.T, prog *ast.Program, src string, want string) ast.Expr {
	t.Helper()
	var found ast.Expr
	ast.Inspect(prog, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		if e, ok := n.(ast.Expr); ok {
			s := e.Span()
			if s.Start >= 0 && s.End <= len(src) && src[s.Start:s.End] == want {
				found = e
				return false
			}
		}
		return true
	})
	if found == nil {
		t.Fatalf("no expression %q in %q", want, src)
	}
	return found
}

// TestExprTypes checks the type recorded for expressions.
func TestExprTypes(t *testing.T) {
	cases := []struct {
		src, expr, typ string
	}{
		{`BEGIN { $x = 1; print($x); }`, `1`, "int8"},
		{`BEGIN { $x = 1; print($x); }`, `$x`, "int8"},
		{`BEGIN { $x = 1000; print(-1); }`, `-1`, "int8"},
		{`BEGIN { $x = 1000; print(100 * 100); }`, `100 * 100`, "int16"},
		{`BEGIN { $x = 1000; print($x * 100); }`, `$x * 100`, "int64"},
		{`BEGIN { $x = 1000; print(0x8000000000000000); }`, `0x8000000000000000`, "uint64"},
		{`BEGIN { print(0xffffffffffffffff); }`, `0xffffffffffffffff`, "uint64"},
		{`BEGIN { $c = comm; print($c); }`, `comm`, "string[16]"},
		{`BEGIN { print(pid); }`, `pid`, "uint32"},
		{`BEGIN { print(nsecs); }`, `nsecs`, "uint64"},
		{`BEGIN { print(pid + 1); }`, `pid + 1`, "int64"},
		{`BEGIN { print(pid + nsecs); }`, `pid + nsecs`, "uint64"},
		{`BEGIN { print(-pid); }`, `-pid`, "int64"},
		{`BEGIN { print(pid == 1); }`, `pid == 1`, "bool"},
		{`BEGIN { print(!pid); }`, `!pid`, "bool"},
		{`BEGIN { print((uint8)pid); }`, `(uint8)pid`, "uint8"},
		{`BEGIN { print((int16)pid); }`, `(int16)pid`, "int16"},
		{`BEGIN { print("abc"); }`, `"abc"`, "string[4]"},
		{`BEGIN { print(pid > 1 ? "a" : "bcd"); }`, `pid > 1 ? "a" : "bcd"`, "string[4]"},
		{`BEGIN { print(pid > 1 ? 1 : 2); }`, `pid > 1 ? 1 : 2`, "int64"},
		{`BEGIN { $t = (1, "ab", comm); print($t); }`, `(1, "ab", comm)`, "(int8,string[3],string[16])"},
		{`BEGIN { $t = (1, "ab"); print($t.1); }`, `$t.1`, "string[3]"},
		{`BEGIN { print(sizeof(uint32)); }`, `sizeof(uint32)`, "uint64"},
		{`BEGIN { print(probe); }`, `probe`, "probe"},
		{`BEGIN { print(strftime("%H", nsecs)); }`, `strftime("%H", nsecs)`, "timestamp"},
		{`BEGIN { print(str(0)); }`, `str(0)`, "string[1024]"},
		{`BEGIN { print(str("abc")); }`, `str("abc")`, "string[4]"},
		{`BEGIN { print($1); }`, `$1`, "int64"},
		{`BEGIN { print(str($2)); }`, `str($2)`, "string[6]"},
		{`BEGIN { print($#); }`, `$#`, "int64"},
		{`tracepoint:syscalls:sys_enter_openat { print(args.filename); }`, `args.filename`, "int8 *"},
		{`tracepoint:syscalls:sys_enter_openat { print(args.dfd); }`, `args.dfd`, "int64"},
		{`tracepoint:syscalls:sys_enter_openat { print(args.mode); }`, `args.mode`, "uint64"},
		{`tracepoint:syscalls:sys_enter_openat { print(args->flags); }`, `args->flags`, "int64"},
		{`tracepoint:syscalls:sys_enter_openat { print(args.__syscall_nr); }`, `args.__syscall_nr`, "int32"},
		{`tracepoint:syscalls:sys_enter_openat { print(str(args.filename)); }`, `str(args.filename)`, "string[1024]"},
		{`tracepoint:syscalls:sys_enter_openat { print(str(args.filename, 10)); }`, `str(args.filename, 10)`, "string[10]"},
		{`tracepoint:sched:sched_switch { print(args.prev_comm); }`, `args.prev_comm`, "string[16]"},
		{`tracepoint:sched:sched_switch { print(args.next_pid); }`, `args.next_pid`, "int32"},
		{`tracepoint:sched:sched_process_exec { print(args.filename); }`, `args.filename`, "string[64]"},
	}
	for _, c := range cases {
		prog, info := mustCheck(t, c.src, &Config{Params: []string{"42", "hello"}})
		e := findExpr(t, prog, c.src, c.expr)
		got := info.Instances[0].Types[e]
		if got == nil || got.String() != c.typ {
			t.Errorf("%s: type of %s is %v, want %s", c.src, c.expr, got, c.typ)
		}
	}
	// args itself is the context of the tracepoint.
	src := `tracepoint:syscalls:sys_enter_openat { print(args.dfd); }`
	prog, info := mustCheck(t, src, nil)
	if ctx, ok := info.Instances[0].Types[findExpr(t, prog, src, "args")].(*types.Ctx); !ok || ctx.Struct.Name != "_tracepoint_syscalls_sys_enter_openat" {
		t.Errorf("args has type %v", info.Instances[0].Types[findExpr(t, prog, src, "args")])
	}
	if !info.Instances[0].PerAttach {
		t.Error("PerAttach not set")
	}
	fe := findExpr(t, prog, src, "args.dfd").(*ast.FieldExpr)
	if f := info.Instances[0].Fields[fe]; f.Name != "dfd" || f.Offset != 16 {
		t.Errorf("field of args.dfd = %+v", f)
	}
}

// TestVarTypes checks the VarSym types of scratch variables.
func TestVarTypes(t *testing.T) {
	src := `BEGIN { $i = 1; $u = nsecs; $s = comm; $b = pid == 1; $t = (1, "x"); $n = (int8)3; $p = probe; }`
	_, info := mustCheck(t, src, nil)
	want := map[string]string{
		"$i": "int8", "$u": "uint64", "$s": "string[16]", "$b": "bool",
		"$t": "(int8,string[2])", "$n": "int8", "$p": "probe",
	}
	got := map[string]string{}
	for _, sym := range info.Instances[0].Vars {
		got[sym.Name] = sym.Type.String()
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: type %q, want %q", name, got[name], w)
		}
	}
	// Integers promote as values of other types are stored (read back
	// in the first uses too, by the second pass); a declared type stays.
	_, info = mustCheck(t, `BEGIN { $a = 1; print($a); $a = 1000; $b = 0; print($b); $b++; $c = 1; $c += 2;
		$d = 1; $d = (uint32)5; $e = -1; $e = (uint8)1; let $f: uint8 = 1; $f++; $g = (uint64)1; $g = -1; }`, nil)
	promoted := map[string]string{"$a": "int16", "$b": "int64", "$c": "int64", "$d": "uint32", "$e": "int16", "$f": "uint8", "$g": "int64"}
	for _, sym := range info.Instances[0].Vars {
		if w := promoted[sym.Name]; sym.Type.String() != w {
			t.Errorf("%s: %s, want %s", sym.Name, sym.Type, w)
		}
	}
	for e, ty := range info.Instances[0].Types {
		if v, ok := e.(*ast.Var); ok && v.Name == "$b" && ty.String() != "int64" {
			t.Errorf("a use of $b has type %s, want int64 (the type it is promoted to later)", ty)
		}
	}
	// Strings widen to the longest value assigned.
	_, info = mustCheck(t, `BEGIN { $s = "a"; $s = "abcdef"; print($s); }`, nil)
	for _, sym := range info.Instances[0].Vars {
		if sym.Type.String() != "string[7]" {
			t.Errorf("%s: %s, want string[7]", sym.Name, sym.Type)
		}
	}
	// Every use of one variable resolves to one symbol.
	prog, info := mustCheck(t, `BEGIN { $x = 1; $x = $x + 1; print($x); }`, nil)
	syms := map[*VarSym]bool{}
	ast.Inspect(prog, func(n ast.Node) bool {
		if v, ok := n.(*ast.Var); ok {
			syms[info.Instances[0].Vars[v]] = true
		}
		return true
	})
	if len(syms) != 1 {
		t.Errorf("$x resolves to %d symbols", len(syms))
	}
}

// TestMapTypes checks map key and value types, including aggregations.
func TestMapTypes(t *testing.T) {
	src := `BEGIN {
	@scalar = 1;
	@str["k"] = "value";
	@multi[1, "ab"] = 2;
	@tup[1] = (1, "a");
	@c = count();
	@s[comm] = sum(5);
	@us = sum(nsecs);
	@a = avg(-1);
	@mn = min(1);
	@mx = max(2);
	@st = stats(3);
	@h[pid] = hist(4);
	@l = lhist(5, 0, 100, 10);
	@widen["a"] = 1;
	@widen["longer"] = 2;
	@inc++;
}`
	_, info := mustCheck(t, src, nil)
	want := map[string][2]string{
		"@scalar": {"", "int8"},
		"@str":    {"string[2]", "string[6]"},
		"@multi":  {"(int8,string[3])", "int8"},
		"@tup":    {"int8", "(int8,string[2])"},
		"@c":      {"", "count"},
		"@s":      {"string[16]", "sum"},
		"@us":     {"", "sum"},
		"@a":      {"", "avg"},
		"@mn":     {"", "min"},
		"@mx":     {"", "max"},
		"@st":     {"", "stats"},
		"@h":      {"uint32", "hist"},
		"@l":      {"", "lhist(0,100,10)"},
		"@widen":  {"string[7]", "int8"},
		"@inc":    {"", "int64"},
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(info.MapNames, " ") != strings.Join(names, " ") {
		t.Errorf("MapNames = %v, want %v", info.MapNames, names)
	}
	for name, w := range want {
		m := info.Maps[name]
		if m == nil {
			t.Errorf("map %s missing", name)
			continue
		}
		key := ""
		if m.Key != nil {
			key = m.Key.String()
		}
		if key != w[0] || m.Value.String() != w[1] {
			t.Errorf("%s: key %q value %q, want key %q value %q", name, key, m.Value, w[0], w[1])
		}
	}
	agg := func(name string) *types.Agg {
		a, ok := info.Maps[name].Value.(*types.Agg)
		if !ok {
			t.Fatalf("%s is not an aggregation: %v", name, info.Maps[name].Value)
		}
		return a
	}
	if a := agg("@a"); a.Kind != types.Avg || !a.Signed {
		t.Errorf("@a = %+v, want signed avg", a)
	}
	if a := agg("@us"); a.Kind != types.Sum || a.Signed {
		t.Errorf("@us = %+v, want unsigned sum", a)
	}
	if a := agg("@l"); a.Kind != types.LHist || a.Min != 0 || a.Max != 100 || a.Step != 10 {
		t.Errorf("@l = %+v", a)
	}
	if a := agg("@h"); a.Kind != types.Hist {
		t.Errorf("@h = %+v", a)
	}
	if a := agg("@c"); a.Kind != types.Count {
		t.Errorf("@c = %+v", a)
	}
	// A map used in a probe before the probe that assigns it.
	_, info = mustCheck(t, `BEGIN { print(@late[1]); } END { @late[2] = "x"; }`, nil)
	if m := info.Maps["@late"]; m == nil || m.Value.String() != "string[2]" || m.Key.String() != "int8" {
		t.Errorf("@late = %+v", info.Maps["@late"])
	}
}

// TestConsts checks constant folding.
func TestConsts(t *testing.T) {
	cases := []struct {
		expr string
		want int64
	}{
		{"1+2*3", 7},
		{"(1+2)*3", 9},
		{"-5", -5},
		{"-(-5)", 5},
		{"~0", -1},
		{"(uint8)300", 44},
		{"(int8)255", -1},
		{"(uint8)-1", 255},
		{"(uint16)(1<<16)", 0},
		{"(int16)0x18000", -32768},
		{"(uint32)-1", 4294967295},
		{"(int32)0xffffffff", -1},
		{"-7/2", -3},
		{"-7%2", -1},
		{"7/-2", -3},
		{"7%-2", 1},
		{"1<<40", 1 << 40},
		{"-16>>2", -4},
		{"0xff & 0x0f | 0x100", 0x10f},
		{"6 ^ 3", 5},
		{"sizeof(uint32)", 4},
		{"sizeof(int8)", 1},
		{"sizeof(comm)", 16},
		{"sizeof(1)", 1},
		{"sizeof(1000)", 2},
		{"$#", 2},
		{"$1", 42},
		{"$1 * 2", 84},
		{"$3", 0},
		{"true", 1},
		{"false", 0},
	}
	for _, c := range cases {
		src := fmt.Sprintf("BEGIN { print(%s); }", c.expr)
		prog, info := mustCheck(t, src, &Config{Params: []string{"42", "hello"}})
		e := findExpr(t, prog, src, c.expr)
		got, ok := info.Instances[0].Consts[e]
		if !ok || got != c.want {
			t.Errorf("%s = %d (constant: %v), want %d", c.expr, got, ok, c.want)
		}
	}
	// Non-constants are not folded.
	src := `BEGIN { $x = 1; print($x + 1); print(pid * 2); }`
	prog, info := mustCheck(t, src, nil)
	for _, e := range []string{"$x + 1", "pid * 2"} {
		if n, ok := info.Instances[0].Consts[findExpr(t, prog, src, e)]; ok {
			t.Errorf("%s folded to %d", e, n)
		}
	}
	// String constants.
	src = `BEGIN { print("lit"); print(str($2)); print(str($2 + 2)); print(str("abcdef", 3)); }`
	prog, info = mustCheck(t, src, &Config{Params: []string{"42", "hello"}})
	for e, want := range map[string]string{`"lit"`: "lit", `str($2)`: "hello", `str($2 + 2)`: "llo", `str("abcdef", 3)`: "ab"} {
		if got, ok := info.Instances[0].StrConsts[findExpr(t, prog, src, e)]; !ok || got != want {
			t.Errorf("%s = %q (%v), want %q", e, got, ok, want)
		}
	}
}

// TestDefinesAndEnums: #define and enum constants fold.
func TestDefinesAndEnums(t *testing.T) {
	src := "#define FOO 42\n#define BAR \"bar\"\nenum Color { RED = 1, GREEN, BLUE = 10 };\nBEGIN { print(FOO); print(BAR); print(GREEN); print(BLUE + 1); }"
	prog, info := mustCheck(t, src, nil)
	consts := info.Instances[0].Consts
	for e, want := range map[string]int64{"FOO": 42, "GREEN": 2, "BLUE + 1": 11} {
		if got, ok := consts[findExpr(t, prog, src, e)]; !ok || got != want {
			t.Errorf("%s = %d (%v), want %d", e, got, ok, want)
		}
	}
	if got := info.Instances[0].StrConsts[findExpr(t, prog, src, "BAR")]; got != "bar" {
		t.Errorf("BAR = %q", got)
	}
}

// TestResolution checks the Builtins and Calls side tables.
func TestResolution(t *testing.T) {
	src := `tracepoint:syscalls:sys_enter_openat { @[comm] = count(); printf("%d %s\n", pid, str(args.filename)); }`
	prog, info := mustCheck(t, src, nil)
	inst := info.Instances[0]
	wantVars := map[string]stdlib.VarID{"comm": stdlib.Comm, "pid": stdlib.Pid, "args": stdlib.Args}
	for name, id := range wantVars {
		b, ok := inst.Builtins[findExpr(t, prog, src, name).(*ast.Ident)]
		if !ok || b.ID != id {
			t.Errorf("%s resolves to %v (%v), want %v", name, b.ID, ok, id)
		}
	}
	wantCalls := map[string]stdlib.FuncID{`count()`: stdlib.Count, `str(args.filename)`: stdlib.Str}
	for text, id := range wantCalls {
		if got := inst.Calls[findExpr(t, prog, src, text).(*ast.Call)]; got != id {
			t.Errorf("%s resolves to %v, want %v", text, got, id)
		}
	}
	var printf *ast.Call
	ast.Inspect(prog, func(n ast.Node) bool {
		if c, ok := n.(*ast.Call); ok && c.Name == "printf" {
			printf = c
		}
		return true
	})
	if inst.Calls[printf] != stdlib.Printf {
		t.Errorf("printf resolves to %v", inst.Calls[printf])
	}
}

// TestInstances checks probe expansion: names, kinds, attach details, and
// table sharing for wildcard and multi-attach-point probes.
func TestInstances(t *testing.T) {
	t.Run("names", func(t *testing.T) {
		src := `BEGIN { } END { } interval:s:2 { } interval:100ms { } profile:hz:99 { } tracepoint:sched:sched_switch { } t:syscalls:sys_exit_read { } i:us:5 { } begin { }`
		_, info := mustCheck(t, src, nil)
		var got []string
		for _, in := range info.Instances {
			got = append(got, fmt.Sprintf("%s/%s/%d/%d", in.Attach.Name, in.Attach.Kind, in.Attach.PeriodNs, in.Attach.Freq))
		}
		want := []string{
			"begin/begin/0/0",
			"end/end/0/0",
			"interval:s:2/interval/2000000000/0",
			"interval:100ms/interval/100000000/0",
			"profile:hz:99/profile/0/99",
			"tracepoint:sched:sched_switch/tracepoint/0/0",
			"tracepoint:syscalls:sys_exit_read/tracepoint/0/0",
			"interval:us:5/interval/5000/0",
			"begin/begin/0/0",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("instances:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for _, in := range info.Instances {
			if in.Attach.Kind == stdlib.Tracepoint && (in.Attach.Args == nil || in.Attach.Category == "" || in.Attach.Event == "") {
				t.Errorf("%s: tracepoint details missing: %+v", in.Attach.Name, in.Attach)
			}
		}
	})
	t.Run("wildcard without args shares tables", func(t *testing.T) {
		_, info := mustCheck(t, `tracepoint:syscalls:sys_e*_[or]* { @[probe] = count(); }`, nil)
		var names []string
		for _, in := range info.Instances {
			names = append(names, in.Attach.Name)
			if in.Tables != info.Instances[0].Tables {
				t.Errorf("%s has its own tables", in.Attach.Name)
			}
			if in.Probe != info.Instances[0].Probe {
				t.Errorf("%s has another probe", in.Attach.Name)
			}
		}
		want := "tracepoint:syscalls:sys_enter_openat tracepoint:syscalls:sys_enter_read tracepoint:syscalls:sys_exit_read"
		if strings.Join(names, " ") != want {
			t.Errorf("instances %q, want %q", strings.Join(names, " "), want)
		}
	})
	t.Run("wildcard with args has tables per tracepoint", func(t *testing.T) {
		_, info := mustCheck(t, `tracepoint:syscalls:sys_enter_[or]* { @[args.__syscall_nr] = count(); }`, nil)
		if len(info.Instances) != 2 {
			t.Fatalf("%d instances, want 2", len(info.Instances))
		}
		a, b := info.Instances[0], info.Instances[1]
		if a.Tables == b.Tables {
			t.Error("instances using args share their tables")
		}
		if !a.PerAttach || !b.PerAttach {
			t.Error("PerAttach not set")
		}
		if a.Attach.Args.Name != "_tracepoint_syscalls_sys_enter_openat" || b.Attach.Args.Name != "_tracepoint_syscalls_sys_enter_read" {
			t.Errorf("args layouts %s, %s", a.Attach.Args.Name, b.Attach.Args.Name)
		}
	})
	t.Run("several attach points", func(t *testing.T) {
		_, info := mustCheck(t, `tracepoint:sched:sched_switch, tracepoint:syscalls:sys_exit_read, interval:s:1 { @[probe] = count(); }`, nil)
		if len(info.Instances) != 3 {
			t.Fatalf("%d instances, want 3", len(info.Instances))
		}
		if info.Instances[0].Tables != info.Instances[1].Tables {
			t.Error("tracepoints not using args should share tables")
		}
		if info.Instances[2].Attach.Kind != stdlib.Interval {
			t.Errorf("third instance is %s", info.Instances[2].Attach.Kind)
		}
	})
	t.Run("different layouts", func(t *testing.T) {
		// The same field name at different offsets in two tracepoints.
		src := `tracepoint:syscalls:sys_exit_read, tracepoint:sched:sched_process_exec { @[args.common_pid] = count(); }`
		_, info := mustCheck(t, src, nil)
		if len(info.Instances) != 2 || info.Instances[0].Tables == info.Instances[1].Tables {
			t.Fatal("want two instances with their own tables")
		}
	})
}

// TestStrLen: max_strlen from the config and Config.StrLen.
func TestStrLen(t *testing.T) {
	_, info := mustCheck(t, `BEGIN { print(1); }`, nil)
	if info.StrLen != stdlib.DefaultMaxStrlen {
		t.Errorf("default StrLen %d, want %d", info.StrLen, stdlib.DefaultMaxStrlen)
	}
	_, info = mustCheck(t, `BEGIN { print(1); }`, &Config{StrLen: 16})
	if info.StrLen != 16 {
		t.Errorf("StrLen %d, want 16", info.StrLen)
	}
	src := `config = { max_strlen = 32 } BEGIN { print(str(0)); }`
	prog, info := mustCheck(t, src, nil)
	if info.StrLen != 32 {
		t.Errorf("StrLen %d, want 32", info.StrLen)
	}
	if got := info.Instances[0].Types[findExpr(t, prog, src, "str(0)")]; got.String() != "string[32]" {
		t.Errorf("str(0) is %s", got)
	}
}

// TestNoHost: without a host, tracepoints are a positioned error, not an
// internal one.
func TestNoHost(t *testing.T) {
	src := diag.NewSource("stdin", `tracepoint:sched:sched_switch { print(args.prev_pid); } BEGIN { print(1); }`)
	prog, _ := parser.Parse(src)
	_, diags := Check(src, prog, &Config{})
	if !diags.HasErrors() {
		t.Fatal("no error without a host")
	}
	for _, d := range diags.Items {
		if d.Code == diag.CodeInternal {
			t.Errorf("internal error: %s", d.Msg)
		}
	}
}

// expectBeginDiag checks stmt inside a BEGIN block and expects a
// diagnostic whose message contains want.
func expectBeginDiag(t *testing.T, stmt, want string) {
	t.Helper()
	_, _, diags, rs := checkText("BEGIN { "+stmt+" }", nil)
	for _, d := range diags.Items {
		if strings.Contains(d.Msg, want) {
			return
		}
	}
	t.Errorf("%s: no diagnostic %q in:\n%s", stmt, want, rs.Render(diags))
}
