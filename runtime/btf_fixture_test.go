//go:build linux

package runtime

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// The fixture is a small raw BTF blob built in the test, so nothing depends
// on the machine's kernel BTF; it is loaded through BPFTRACE_BTF. Its main
// type, struct fixture_task (120 bytes), has: a typedef'd pid (0), an enum
// member (8), bitfields in a u32 unit at 12, char comm[16] (16), a pointer
// to itself (32), an anonymous union holding an anonymous struct (40), a
// pointer to struct fixture_sock through a forward declaration (48), one to
// a never-defined struct (56), a function pointer (64), u64 bitfields (72),
// u16 ports[4] (80), _Bool/u8/s16 (88..90), a const volatile u32 (92), an
// __int128 (96) and a struct fixture_task ** (112). Beside it: struct
// fixture_sock with an embedded struct, union fixture_u, a minimal
// task_struct (for curtask, ppid, pcomm), typedefs u8 s16 u32 s64
// fixture_pid_t fixture_cv_u32 fixture_task_t, a function fixture_fn, and
// enums fixture_state (0, 1, 7), fixture_signed (-5, 3), fixture_wide
// (ENUM64: 1<<40, ~0), an anonymous one and fixture_dup (FIXTURE_DUP is
// defined twice).
func fixtureBTF(t *testing.T) []byte {
	t.Helper()
	num := func(name string, size uint32, enc btf.IntEncoding) *btf.Int {
		return &btf.Int{Name: name, Size: size, Encoding: enc}
	}
	td := func(name string, typ btf.Type) *btf.Typedef { return &btf.Typedef{Name: name, Type: typ} }
	charT, ucharT := num("char", 1, 0), num("unsigned char", 1, btf.Unsigned) // char has no encoding, as in vmlinux
	intT, uintT := num("int", 4, btf.Signed), num("unsigned int", 4, btf.Unsigned)
	u8, s16, u16 := td("u8", ucharT), td("s16", num("short", 2, btf.Signed)), td("u16", num("unsigned short", 2, btf.Unsigned))
	u32, s64, u64 := td("u32", uintT), td("s64", num("long long", 8, btf.Signed)), td("u64", num("unsigned long long", 8, btf.Unsigned))
	pidT := td("fixture_pid_t", td("__fixture_pid_t", intT))
	cvU32 := td("fixture_cv_u32", &btf.Const{Type: &btf.Volatile{Type: u32}})
	bits := func(bytes int) btf.Bits { return btf.Bits(bytes * 8) }

	state := &btf.Enum{Name: "fixture_state", Size: 4, Values: []btf.EnumValue{
		{Name: "FIXTURE_STATE_A", Value: 0}, {Name: "FIXTURE_STATE_B", Value: 1}, {Name: "FIXTURE_STATE_C", Value: 7}}}
	signed := &btf.Enum{Name: "fixture_signed", Size: 4, Signed: true, Values: []btf.EnumValue{
		{Name: "FIXTURE_NEG", Value: uint64(0xfffffffffffffffb)}, {Name: "FIXTURE_POS", Value: 3}}}
	wide := &btf.Enum{Name: "fixture_wide", Size: 8, Values: []btf.EnumValue{
		{Name: "FIXTURE_WIDE_BIG", Value: 1 << 40}, {Name: "FIXTURE_WIDE_MAX", Value: ^uint64(0)}}}
	anon := &btf.Enum{Size: 4, Values: []btf.EnumValue{{Name: "FIXTURE_ANON_X", Value: 42}, {Name: "FIXTURE_DUP", Value: 1}}}
	dup := &btf.Enum{Name: "fixture_dup", Size: 4, Values: []btf.EnumValue{{Name: "FIXTURE_DUP", Value: 2}}}

	common := &btf.Struct{Name: "fixture_sock_common", Size: 8, Members: []btf.Member{
		{Name: "skc_family", Type: u16},
		{Name: "skc_state", Type: &btf.Volatile{Type: ucharT}, Offset: bits(2)},
		{Name: "skc_bound_dev_if", Type: intT, Offset: bits(4)},
	}}
	sock := &btf.Struct{Name: "fixture_sock", Size: 16, Members: []btf.Member{
		{Name: "__sk_common", Type: common},
		{Name: "sk_mark", Type: u32, Offset: bits(8)},
		{Name: "sk_type", Type: u16, Offset: bits(12)},
	}}
	anonUnion := &btf.Union{Size: 8, Members: []btf.Member{
		{Name: "flags_word", Type: u64},
		{Type: &btf.Struct{Size: 8, Members: []btf.Member{
			{Name: "lo", Type: u32}, {Name: "hi", Type: u32, Offset: bits(4)}}}},
	}}
	task := &btf.Struct{Name: "fixture_task", Size: 120}
	proto := &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Type: intT}}}
	task.Members = []btf.Member{
		{Name: "pid", Type: pidT},
		{Name: "tgid", Type: intT, Offset: bits(4)},
		{Name: "state", Type: state, Offset: bits(8)},
		{Name: "in_exec", Type: uintT, Offset: 96, BitfieldSize: 1},
		{Name: "prio", Type: uintT, Offset: 97, BitfieldSize: 7},
		{Name: "nice", Type: intT, Offset: 104, BitfieldSize: 5},
		{Name: "comm", Type: &btf.Array{Index: intT, Type: charT, Nelems: 16}, Offset: bits(16)},
		{Name: "real_parent", Type: &btf.Pointer{Target: task}, Offset: bits(32)},
		{Type: anonUnion, Offset: bits(40)},
		{Name: "sk", Type: &btf.Pointer{Target: &btf.Fwd{Name: "fixture_sock", Kind: btf.FwdStruct}}, Offset: bits(48)},
		{Name: "opaque", Type: &btf.Pointer{Target: &btf.Fwd{Name: "fixture_opaque", Kind: btf.FwdStruct}}, Offset: bits(56)},
		{Name: "callback", Type: &btf.Pointer{Target: proto}, Offset: bits(64)},
		{Name: "big", Type: u64, Offset: bits(72), BitfieldSize: 40},
		{Name: "small", Type: u64, Offset: bits(72) + 40, BitfieldSize: 24},
		{Name: "ports", Type: &btf.Array{Index: intT, Type: u16, Nelems: 4}, Offset: bits(80)},
		{Name: "on_cpu", Type: num("_Bool", 1, btf.Bool), Offset: bits(88)},
		{Name: "cpu", Type: u8, Offset: bits(89)},
		{Name: "delta", Type: s16, Offset: bits(90)},
		{Name: "cv", Type: cvU32, Offset: bits(92)},
		{Name: "wide", Type: num("__int128", 16, btf.Signed), Offset: bits(96)},
		{Name: "children", Type: &btf.Pointer{Target: &btf.Pointer{Target: task}}, Offset: bits(112)},
	}
	union := &btf.Union{Name: "fixture_u", Size: 8, Members: []btf.Member{{Name: "a", Type: u64}, {Name: "b", Type: s16}}}
	kTask := &btf.Struct{Name: "task_struct", Size: 32}
	kTask.Members = []btf.Member{{Name: "pid", Type: intT}, {Name: "tgid", Type: intT, Offset: bits(4)},
		{Name: "comm", Type: &btf.Array{Index: intT, Type: charT, Nelems: 16}, Offset: bits(8)},
		{Name: "real_parent", Type: &btf.Pointer{Target: kTask}, Offset: bits(24)}}
	fn := &btf.Func{Name: "fixture_fn", Type: &btf.FuncProto{Return: intT, Params: []btf.FuncParam{{Name: "x", Type: intT}}}, Linkage: btf.GlobalFunc}

	b, _ := btf.NewBuilder(nil, nil)
	// Enums first, in this order, so FIXTURE_DUP's first definition is
	// the anonymous enum's.
	for _, typ := range []btf.Type{state, signed, wide, anon, dup, task, sock, union, kTask, u8, s16, u32, s64, cvU32,
		&btf.Typedef{Name: "fixture_task_t", Type: task}, fn} {
		if _, err := b.Add(typ); err != nil {
			t.Fatalf("add %v: %v", typ, err)
		}
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// btfFixtureHost writes the fixture BTF to a file, points BPFTRACE_BTF at it
// and returns a fresh Host and the blob.
func btfFixtureHost(t *testing.T) (*Host, []byte) {
	t.Helper()
	raw := fixtureBTF(t)
	path := filepath.Join(t.TempDir(), "vmlinux.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BTFEnv, path)
	return NewHost(nil), raw
}

func TestFixtureKernelType(t *testing.T) {
	h, _ := btfFixtureHost(t)
	cases := []struct{ name, want, err string }{
		{name: "struct fixture_task", want: "struct fixture_task"},
		{name: "  struct \t fixture_sock ", want: "struct fixture_sock"},
		{name: "union fixture_u", want: "union fixture_u"},
		{name: "enum fixture_state", want: "enum fixture_state"},
		{name: "fixture_task_t", want: "struct fixture_task"},
		{name: "u8", want: "uint8"},
		{name: "s16", want: "int16"},
		{name: "u32", want: "uint32"},
		{name: "s64", want: "int64"},
		{name: "fixture_pid_t", want: "int32"},
		{name: "fixture_cv_u32", want: "uint32"},
		{name: "unsigned int", want: "uint32"},
		{name: "char", want: "int8"},
		{name: "_Bool", want: "bool"},
		{name: "__int128", want: "uint8[16]"},
		{name: "struct fixture_nope", err: "kernel type struct fixture_nope not found in BTF"},
		{name: "union fixture_task", err: "kernel type union fixture_task not found"},
		{name: "enum fixture_task", err: "kernel type enum fixture_task not found"},
		{name: "struct fixture_u", err: "kernel type struct fixture_u not found"},
		{name: "struct fixture_opaque", err: "not found"}, // only a forward declaration
		{name: "fixture_fn", err: "not found"},            // a function is not a type
		{name: "", err: "empty kernel type name"},
	}
	for _, c := range cases {
		typ, err := h.KernelType(c.name)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("KernelType(%q) = %v, %v; want error containing %q", c.name, typ, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("KernelType(%q): %v", c.name, err)
			continue
		}
		if typ.String() != c.want {
			t.Errorf("KernelType(%q) = %v, want %s", c.name, typ, c.want)
		}
		if again, _ := h.KernelType(c.name); again != typ {
			t.Errorf("KernelType(%q) is not cached", c.name)
		}
	}
	if a, _ := h.KernelType("struct fixture_task"); a != mustType(h, "fixture_task_t") {
		t.Error("the typedef and the struct converted to different *types.Struct")
	}
	if e, ok := mustType(h, "enum fixture_state").(*types.Enum); !ok || len(e.Names) != 3 || e.Names[7] != "FIXTURE_STATE_C" {
		t.Errorf("enum fixture_state is %#v, want a *types.Enum naming its 3 values", e)
	}
}

// mustType returns a kernel type, or nil.
func mustType(h *Host, name string) types.Type {
	typ, _ := h.KernelType(name)
	return typ
}

func TestFixtureStructLayout(t *testing.T) {
	h, _ := btfFixtureHost(t)
	typ, err := h.KernelType("struct fixture_task")
	if err != nil {
		t.Fatal(err)
	}
	ts := typ.(*types.Struct)
	if ts.Kind != "struct" || ts.Bytes != 120 || ts.Align() != 8 || len(ts.Fields) != 21 {
		t.Errorf("fixture_task: kind %s, %d bytes, align %d, %d fields", ts.Kind, ts.Bytes, ts.Align(), len(ts.Fields))
	}
	cases := []struct {
		field, typ           string
		off, bitOff, bitSize int
	}{
		{"pid", "int32", 0, 0, 0},
		{"tgid", "int32", 4, 0, 0},
		{"state", "uint32", 8, 0, 0}, // enum members are plain integers
		{"in_exec", "uint32", 12, 0, 1},
		{"prio", "uint32", 12, 1, 7},
		{"nice", "int32", 12, 8, 5},
		{"comm", "int8[16]", 16, 0, 0},
		{"real_parent", "struct fixture_task *", 32, 0, 0},
		{"flags_word", "uint64", 40, 0, 0}, // anonymous union
		{"lo", "uint32", 40, 0, 0},         // anonymous struct in it
		{"hi", "uint32", 44, 0, 0},
		{"sk", "struct fixture_sock *", 48, 0, 0},
		{"opaque", "struct fixture_opaque *", 56, 0, 0},
		{"callback", "void *", 64, 0, 0},
		{"big", "uint64", 72, 0, 40},
		{"small", "uint64", 72, 40, 24},
		{"ports", "uint16[4]", 80, 0, 0},
		{"on_cpu", "bool", 88, 0, 0},
		{"cpu", "uint8", 89, 0, 0},
		{"delta", "int16", 90, 0, 0},
		{"cv", "uint32", 92, 0, 0},
		{"wide", "uint8[16]", 96, 0, 0},
		{"children", "struct fixture_task * *", 112, 0, 0},
	}
	for _, c := range cases {
		f, ok := ts.Field(c.field)
		if !ok {
			t.Errorf("no field %s", c.field)
			continue
		}
		if f.Type.String() != c.typ || f.Offset != c.off || f.BitOffset != c.bitOff || f.BitSize != c.bitSize {
			t.Errorf("%s: %s at %d bit %d size %d; want %s at %d bit %d size %d",
				c.field, f.Type, f.Offset, f.BitOffset, f.BitSize, c.typ, c.off, c.bitOff, c.bitSize)
		}
	}

	elem := func(name string) types.Type { f, _ := ts.Field(name); return f.Type.(*types.Pointer).Elem }
	// Self references terminate and share the one *types.Struct.
	if elem("real_parent") != ts || elem("children").(*types.Pointer).Elem != ts {
		t.Error("real_parent or children do not point back to the same *types.Struct")
	}
	// A forward declaration resolves to the full definition; one without
	// a definition becomes an empty struct.
	if sock, err := h.KernelType("struct fixture_sock"); err != nil || elem("sk") != sock || len(sock.(*types.Struct).Fields) != 3 {
		t.Errorf("struct fixture_sock via its forward declaration: %v, definition %v (%v)", elem("sk"), sock, err)
	}
	if s := elem("opaque").(*types.Struct); s.Kind != "struct" || s.Bytes != 0 || len(s.Fields) != 0 {
		t.Errorf("opaque: %+v", s)
	}
	if _, ok := elem("callback").(*types.Void); !ok {
		t.Errorf("callback points to %T, want void", elem("callback"))
	}
	// The anonymous union is a nameless field of union type.
	if f := ts.Fields[8]; f.Name != "" || f.Type.String() != "union " || f.Type.Size() != 8 || len(f.Type.(*types.Struct).Fields) != 2 {
		t.Errorf("anonymous member: %+v", f)
	}
}

func TestFixtureBitfieldField(t *testing.T) {
	cases := []struct {
		name             string
		ft               types.Type
		bitOff, bits     int
		typ              string
		off, at, wantLen int
	}{
		{"aligned in unit", types.Uint32, 97, 7, "uint32", 12, 1, 7},
		{"signed", types.Int32, 104, 5, "int32", 12, 8, 5},
		{"u8 unit", types.Uint8, 21, 3, "uint8", 2, 5, 3},
		{"u64 unit", types.Uint64, 616, 24, "uint64", 72, 40, 24},
		{"bool", &types.Bool{}, 9, 1, "uint8", 1, 1, 1},
		{"straddles its u32 unit", types.Uint32, 30, 4, "uint16", 3, 6, 4},
		{"straddles, needs 4 bytes", types.Uint16, 14, 12, "uint32", 1, 6, 12},
	}
	for _, c := range cases {
		f := bitfieldField(btf.Member{Name: "f", Offset: btf.Bits(c.bitOff), BitfieldSize: btf.Bits(c.bits)}, c.ft)
		if f.Type.String() != c.typ || f.Offset != c.off || f.BitOffset != c.at || f.BitSize != c.wantLen {
			t.Errorf("%s: %s at %d bit %d size %d; want %s at %d bit %d size %d",
				c.name, f.Type, f.Offset, f.BitOffset, f.BitSize, c.typ, c.off, c.at, c.wantLen)
		}
		// The storage unit covers the bits, starting at the field.
		if end := f.BitOffset + f.BitSize; end > f.Type.Size()*8 || f.Offset*8+f.BitOffset != c.bitOff {
			t.Errorf("%s: unit %s at %d does not hold bits [%d,%d)", c.name, f.Type, f.Offset, c.bitOff, c.bitOff+c.bits)
		}
	}
}

func TestFixtureKernelEnumValue(t *testing.T) {
	h, _ := btfFixtureHost(t)
	cases := []struct {
		name, enum string
		val        int64
	}{
		{"FIXTURE_STATE_A", "fixture_state", 0},
		{"FIXTURE_STATE_B", "fixture_state", 1},
		{"FIXTURE_STATE_C", "fixture_state", 7},
		{"FIXTURE_NEG", "fixture_signed", -5},
		{"FIXTURE_POS", "fixture_signed", 3},
		{"FIXTURE_WIDE_BIG", "fixture_wide", 1 << 40},
		{"FIXTURE_WIDE_MAX", "fixture_wide", -1},
		{"FIXTURE_ANON_X", "", 42},
		{"FIXTURE_DUP", "", 1}, // the first definition wins
	}
	for _, c := range cases {
		v, e, ok := h.KernelEnumValue(c.name)
		if !ok || v != c.val || e == nil || e.Name != c.enum || e.Names[v] != c.name {
			t.Errorf("KernelEnumValue(%s) = %d, %+v, %v; want %d in enum %q", c.name, v, e, ok, c.val, c.enum)
		}
	}
	for _, name := range []string{"FIXTURE_NOPE", "fixture_state", "pid", ""} {
		if v, e, ok := h.KernelEnumValue(name); ok {
			t.Errorf("KernelEnumValue(%q) = %d, %v, true", name, v, e)
		}
	}
	// The enumerator's enum and the named enum type are one *types.Enum.
	_, e, _ := h.KernelEnumValue("FIXTURE_STATE_C")
	if typ, err := h.KernelType("enum fixture_state"); err != nil || typ != e {
		t.Errorf("KernelType(enum fixture_state) = %p, %v; enumerator's enum %p", typ, err, e)
	}
}

// TestFixtureEnumIndex: the raw scan and the spec walk (used when the file
// is not raw BTF) index the same enumerators with the same values.
func TestFixtureEnumIndex(t *testing.T) {
	h, raw := btfFixtureHost(t)
	spec, err := h.kernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	scanned, err := scanRawEnumerators(raw)
	if err != nil {
		t.Fatal(err)
	}
	walked, err := indexEnumerators(spec, filepath.Join(t.TempDir(), "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scanned) != 9 || len(walked) != len(scanned) {
		t.Errorf("raw scan found %d enumerators, spec walk %d; want 9", len(scanned), len(walked))
	}
	for name, s := range scanned {
		typ, err := spec.TypeByID(s.id)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		enum, ok := typ.(*btf.Enum)
		w, found := walked[name]
		if v, _, _ := h.KernelEnumValue(name); !ok || !found || w.enum != enum || w.value != v {
			t.Errorf("%s: raw scan names %v, spec walk %v = %d, KernelEnumValue %d", name, typ, w.enum, w.value, v)
		}
	}
	if idx, err := indexEnumerators(spec, os.Getenv(BTFEnv)); err != nil || idx["FIXTURE_NEG"].id == 0 {
		t.Errorf("indexEnumerators on the raw file did not use the raw scan: %v", err)
	}

	for name, b := range map[string][]byte{"short": raw[:10], "not BTF": append([]byte("\x7fELF"), raw[4:]...), "truncated": raw[:len(raw)/2]} {
		if _, err := scanRawEnumerators(b); err == nil {
			t.Errorf("%s: scanRawEnumerators succeeded", name)
		}
	}
}

// fixtureCheck parses and checks text against h, failing on parse errors.
func fixtureCheck(t *testing.T, h *Host, text string) (*ast.Program, *check.Info, *diag.List, *diag.Source) {
	t.Helper()
	src := diag.NewSource("stdin", text)
	prog, pd := parser.Parse(src)
	if pd.HasErrors() {
		t.Fatalf("parse %q:\n%s", text, src.Render(pd))
	}
	info, cd := check.Check(src, prog, &check.Config{Host: h})
	return prog, info, cd, src
}

// fixtureExpr returns the first expression of prog whose text is want.
func fixtureExpr(t *testing.T, prog *ast.Program, text, want string) ast.Expr {
	t.Helper()
	var found ast.Expr
	ast.Inspect(prog, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && found == nil {
			if s := e.Span(); s.Start >= 0 && s.End <= len(text) && text[s.Start:s.End] == want {
				found = e
			}
		}
		return found == nil
	})
	if found == nil {
		t.Fatalf("no expression %q in %q", want, text)
	}
	return found
}

const fixturePrelude = `BEGIN { $t = (struct fixture_task *)0; $s = (struct fixture_sock *)0; `

func TestFixtureCheckTypes(t *testing.T) {
	h, _ := btfFixtureHost(t)
	noConst := int64(-1 << 62)
	cases := []struct {
		stmt, expr, typ string
		val             int64 // constant value, noConst when none
	}{
		{`printf("%d\n", $t->pid);`, `$t->pid`, "int32", noConst},
		{`print($t->real_parent->real_parent->tgid);`, `$t->real_parent->real_parent`, "struct fixture_task *", noConst},
		{`print($t->real_parent->real_parent->tgid);`, `$t->real_parent->real_parent->tgid`, "int32", noConst},
		{`print((*$t).pid);`, `(*$t).pid`, "int32", noConst},
		{`print($t.pid);`, `$t.pid`, "int32", noConst},
		{`print($t->comm);`, `$t->comm`, "string[16]", noConst},
		{`print($t->state);`, `$t->state`, "enum fixture_state", noConst},
		{`print($t->prio);`, `$t->prio`, "uint32", noConst},
		{`print($t->nice);`, `$t->nice`, "int32", noConst},
		{`print($t->big);`, `$t->big`, "uint64", noConst},
		{`print($t->on_cpu);`, `$t->on_cpu`, "bool", noConst},
		{`print($t->cpu + $t->delta);`, `$t->delta`, "int16", noConst},
		{`print($t->cv);`, `$t->cv`, "uint32", noConst},
		{`print($t->hi);`, `$t->hi`, "uint32", noConst},
		{`print($t->flags_word);`, `$t->flags_word`, "uint64", noConst},
		{`print($t->ports[3]);`, `$t->ports[3]`, "uint16", noConst},
		{`print($t->wide[15]);`, `$t->wide[15]`, "uint8", noConst},
		{`print($t->sk->__sk_common.skc_state);`, `$t->sk->__sk_common.skc_state`, "uint8", noConst},
		{`print($s->__sk_common.skc_bound_dev_if);`, `$s->__sk_common`, "struct fixture_sock_common", noConst},
		{`print($t->opaque);`, `$t->opaque`, "struct fixture_opaque *", noConst},
		{`print($t->callback);`, `$t->callback`, "void *", noConst},
		{`$c = (fixture_task_t *)$t->children; print($c->pid);`, `$c->pid`, "int32", noConst},
		{`print((fixture_pid_t)70000);`, `(fixture_pid_t)70000`, "int32", 70000},
		{`printf("%d\n", FIXTURE_STATE_B);`, `FIXTURE_STATE_B`, "enum fixture_state", 1},
		{`print(FIXTURE_NEG);`, `FIXTURE_NEG`, "enum fixture_signed", -5},
		{`print(FIXTURE_WIDE_BIG);`, `FIXTURE_WIDE_BIG`, "enum fixture_wide", 1 << 40},
		{`print(FIXTURE_ANON_X);`, `FIXTURE_ANON_X`, "enum", 42},
		{`if ($t->state == FIXTURE_STATE_C) { print(1); }`, `$t->state == FIXTURE_STATE_C`, "bool", noConst},
		{`print(sizeof(struct fixture_task));`, `sizeof(struct fixture_task)`, "uint64", 120},
		{`print(sizeof(union fixture_u));`, `sizeof(union fixture_u)`, "uint64", 8},
		{`print(sizeof(fixture_pid_t));`, `sizeof(fixture_pid_t)`, "uint64", 4},
		{`print(sizeof($t->comm));`, `sizeof($t->comm)`, "uint64", 16},
		{`print(offsetof(struct fixture_task, comm));`, `offsetof(struct fixture_task, comm)`, "uint64", 16},
		{`print(offsetof(struct fixture_task, hi));`, `offsetof(struct fixture_task, hi)`, "uint64", 44},
		{`print(offsetof(struct fixture_sock, __sk_common.skc_state));`, `offsetof(struct fixture_sock, __sk_common.skc_state)`, "uint64", 2},
		{`print(curtask->real_parent->comm);`, `curtask->real_parent->comm`, "string[16]", noConst},
		{`print(ppid);`, `ppid`, "int32", noConst},
		{`print(pcomm);`, `pcomm`, "string[16]", noConst},
	}
	for _, c := range cases {
		text := fixturePrelude + c.stmt + " }"
		prog, info, diags, src := fixtureCheck(t, h, text)
		if len(diags.Items) > 0 {
			t.Errorf("%s: unexpected diagnostics:\n%s", c.stmt, src.Render(diags))
			continue
		}
		e := fixtureExpr(t, prog, text, c.expr)
		tab := info.Instances[0].Tables
		if got := tab.Types[e]; got == nil || got.String() != c.typ {
			t.Errorf("%s: type %v, want %s", c.expr, got, c.typ)
		}
		v, isConst := tab.Consts[e]
		if c.val != noConst && (!isConst || v != c.val) {
			t.Errorf("%s: constant %d (%v), want %d", c.expr, v, isConst, c.val)
		}
		if fe, ok := e.(*ast.FieldExpr); ok {
			if f, ok := tab.Fields[fe]; !ok || f.Name != fe.Name {
				t.Errorf("%s: field not recorded: %+v", c.expr, f)
			}
		}
	}

	// Bitfield members keep their bit placement for codegen.
	text := fixturePrelude + `print($t->nice); }`
	prog, info, diags, _ := fixtureCheck(t, h, text)
	if !diags.HasErrors() {
		fe := fixtureExpr(t, prog, text, `$t->nice`).(*ast.FieldExpr)
		if f := info.Instances[0].Fields[fe]; f.Offset != 12 || f.BitOffset != 8 || f.BitSize != 5 {
			t.Errorf("$t->nice recorded as %+v", f)
		}
	}
}

func TestFixtureCheckErrors(t *testing.T) {
	h, _ := btfFixtureHost(t)
	cases := []struct {
		stmt, at, msg string // at: the source text the error spans
	}{
		{`print($t->nope);`, `$t->nope`, `^Struct/union of type 'struct fixture_task' does not contain a field named 'nope'`},
		{`print($t->comn);`, `$t->comn`, `^Struct/union of type 'struct fixture_task' does not contain a field named 'comn' HINT: did you mean 'comm'\?$`},
		{`print($s->__sk_common.skc_stat);`, `$s->__sk_common.skc_stat`, `'struct fixture_sock_common' does not contain a field named 'skc_stat' HINT: did you mean 'skc_state'\?`},
		{`print($t->opaque->x);`, `$t->opaque->x`, `'struct fixture_opaque' is not defined, neither in the script nor in the kernel's BTF`},
		{`print(offsetof(struct fixture_task, nope));`, `offsetof(struct fixture_task, nope)`, `does not contain a field named 'nope'`},
		{`print(offsetof(struct fixture_task, prio));`, `offsetof(struct fixture_task, prio)`, `^offsetof\(\) cannot take the offset of bitfield 'prio'$`},
		{`print((struct fixture_nope *)0);`, `struct fixture_nope *`, `^unknown type 'struct fixture_nope'`},
		{`print(sizeof(union fixture_task));`, `union fixture_task`, `^unknown type 'union fixture_task'`},
		// -> on a non-pointer.
		{`print((*$t)->pid);`, `(*$t)->pid`, `^Can not access field 'pid' on type 'struct fixture_task'. Try dereferencing it first, or using '.'$`},
		{`print($s->__sk_common->skc_state);`, `$s->__sk_common->skc_state`, `^Can not access field 'skc_state' on type 'struct fixture_sock_common'`},
		{`$x = 1; print($x->pid);`, `$x->pid`, `^Can not access field 'pid' on expression of type 'int8'$`},
		{`print($t->pid->x);`, `$t->pid->x`, `^Can not access field 'x' on expression of type 'int32'$`},
		{`print($t->callback->x);`, `$t->callback->x`, `^Can not access field 'x' on expression of type 'void \*'$`},
		{`print($t->ports[4]);`, `4`, `^the index 4 is out of bounds for array of size 4$`},
		{`print(FIXTURE_NOPE);`, `FIXTURE_NOPE`, `^Unknown identifier: 'FIXTURE_NOPE'`},
	}
	for _, c := range cases {
		text := fixturePrelude + c.stmt + " }"
		_, _, diags, src := fixtureCheck(t, h, text)
		if len(diags.Items) != 1 || diags.Items[0].Severity != diag.Error {
			t.Errorf("%s: want one error, got:\n%s", c.stmt, src.Render(diags))
			continue
		}
		d := diags.Items[0]
		msg := d.Msg
		for _, hint := range d.Hints {
			msg += " HINT: " + hint
		}
		if !regexp.MustCompile(c.msg).MatchString(msg) {
			t.Errorf("%s: error %q does not match %q", c.stmt, msg, c.msg)
		}
		if got := text[d.Span.Start:d.Span.End]; got != c.at {
			t.Errorf("%s: error spans %q, want %q", c.stmt, got, c.at)
		}
	}
}
