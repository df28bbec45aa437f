//go:build linux

package runtime

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// TestMapPoolShares: two loads with one pool share a user map: counts
// from both land in it, it survives closing both, and the pool's view
// reads it; internal maps stay per load; a map of another layout under
// the same name is refused.
func TestMapPoolShares(t *testing.T) {
	requireRoot(t)
	pool := NewMapPool()
	defer pool.Close()
	obj := func() *codegen.Object {
		return &codegen.Object{
			Maps:     []*codegen.MapDef{counterDef("@n"), stateDef()},
			Programs: []*codegen.Program{beginProgram("begin", counterInsns("@n"))},
		}
	}
	a := load(t, obj(), &LoadOptions{Pool: pool})
	b := load(t, obj(), &LoadOptions{Pool: pool})
	for _, l := range []*Loaded{a, b, a} {
		if err := l.RunOnce(l.Programs[0]); err != nil {
			t.Fatal(err)
		}
	}
	if got := readCounter(t, b, "@n"); got != 3 {
		t.Fatalf("shared counter = %d, want 3", got)
	}
	if a.Map(codegen.StateMap) == b.Map(codegen.StateMap) {
		t.Error("internal maps shared")
	}
	if got := pool.Names(); len(got) != 1 || got[0] != "@n" {
		t.Errorf("pool holds %v, want [@n]", got)
	}
	a.Close()
	b.Close()
	view, err := pool.View(64)
	if err != nil {
		t.Fatal(err)
	}
	defer view.Close()
	if got := readCounter(t, view, "@n"); got != 3 {
		t.Errorf("after closing the loads the pooled counter = %d, want 3", got)
	}
	if len(view.Object.Maps) != 1 || view.Object.Maps[0].Name != "@n" {
		t.Errorf("view lists %v", view.Object.Maps)
	}

	bad := obj()
	bad.Maps[0] = &codegen.MapDef{Name: "@n", Spec: &ebpf.MapSpec{Name: "counter", Type: ebpf.Hash, KeySize: 8, ValueSize: 8, MaxEntries: 16}}
	if _, err := Load(bad, &LoadOptions{Pool: pool}); err == nil || !strings.Contains(err.Error(), "already exists with another layout") {
		t.Errorf("incompatible map: err = %v", err)
	}
}
