package codegen

import (
	"slices"
	"testing"
)

func TestMapDefKeyNames(t *testing.T) {
	// The checker's key names reach the map definitions the runtime
	// exports; scalar and internal maps have none.
	obj := mustCompile(t, `kprobe:vfs_read { @c[comm, pid] = count(); @s = sum(1); }`)
	if got := obj.Map("@c").KeyNames; !slices.Equal(got, []string{"comm", "pid"}) {
		t.Errorf("@c KeyNames %q", got)
	}
	for _, def := range obj.Maps {
		if def.Name != "@c" && def.KeyNames != nil {
			t.Errorf("%s KeyNames %q", def.Name, def.KeyNames)
		}
	}
}
