package codegen

import "testing"

// TestKprobeOffsetTarget: the offset of kprobe:FUNC+N and kprobe:ADDRESS
// reaches the program's target, where the runtime attaches at it (a
// dropped offset would attach at the function's entry).
func TestKprobeOffsetTarget(t *testing.T) {
	for src, want := range map[string]uint64{
		"kprobe:vfs_read+0x10 { }": 16,
		"kprobe:vfs_read+5 { }":    5,
		"kprobe:vfs_read { }":      0,
	} {
		obj := mustCompile(t, src)
		if tg := obj.Programs[0].Target; tg.Func != "vfs_read" || tg.Offset != want {
			t.Errorf("%s: target %s+%d, want vfs_read+%d", src, tg.Func, tg.Offset, want)
		}
	}
}
