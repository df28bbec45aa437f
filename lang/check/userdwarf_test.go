package check

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// TestSourceLocationAttach: uprobe:TARGET@FILE:LINE becomes a uprobe at
// the line's address in TARGET, named like bpftrace names a probe at an
// address.
func TestSourceLocationAttach(t *testing.T) {
	_, info := mustCheck(t, `uprobe:/opt/fixture/uprobe_test@uprobe_test.c:22 { }`, nil)
	a := info.Instances[0].Attach
	if a.Kind != stdlib.Uprobe || a.Binary != hosttest.DWARFProgram || a.Addr != hosttest.DWARFProgramLine22 || a.Func != "" {
		t.Errorf("attach %+v, want a uprobe at %#x of %s", a, hosttest.DWARFProgramLine22, hosttest.DWARFProgram)
	}
	if want := "uprobe:/opt/fixture/uprobe_test:4198710"; a.Name != want {
		t.Errorf("name %q, want %q", a.Name, want)
	}
}

// TestCastToProgramType: in a uprobe, a cast to a struct the script does
// not define names the probed program's type (from its DWARF), and the
// instance depends on its attach point; the script's own definition
// comes first.
func TestCastToProgramType(t *testing.T) {
	src := `uprobe:/opt/fixture/uprobe_test:uprobeFunction2 { print(((struct Foo *)arg0)->c); }`
	prog, info := mustCheck(t, src, nil)
	inst := info.Instances[0]
	p, ok := inst.Types[findExpr(t, prog, src, "(struct Foo *)arg0")].(*types.Pointer)
	if !ok || p.Space != types.User {
		t.Fatalf("cast type %v, want a user pointer", inst.Types[findExpr(t, prog, src, "(struct Foo *)arg0")])
	}
	if s, ok := p.Elem.(*types.Struct); !ok || s.Name != "Foo" || s.Bytes != 28 {
		t.Errorf("struct Foo from the DWARF: %+v", p.Elem)
	}
	if !inst.PerAttach {
		t.Error("PerAttach not set")
	}
	// The script's own definition comes first: its field only it has,
	// and its size.
	src = `struct Foo { long only_mine; } uprobe:/opt/fixture/uprobe_test:uprobeFunction2 { print(((struct Foo *)arg0)->only_mine); }`
	prog, info = mustCheck(t, src, nil)
	inst = info.Instances[0]
	if p, ok := inst.Types[findExpr(t, prog, src, "(struct Foo *)arg0")].(*types.Pointer); !ok || p.Elem.Size() != 8 {
		t.Errorf("struct Foo: %v, want the script's 8-byte struct", inst.Types[findExpr(t, prog, src, "(struct Foo *)arg0")])
	}
}
