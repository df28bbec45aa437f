package check

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/ast"
)

// TestUaddr checks the type and resolution of uaddr().
func TestUaddr(t *testing.T) {
	for _, tc := range []struct {
		src, expr, want string
		relocate        bool
		addr, vmaF      uint64
	}{
		// A relocatable library: relative address plus the mapping walk.
		{`uprobe:libc:getpid { $p = uaddr("GLOBAL_A"); }`, `uaddr("GLOBAL_A")`, "uint32 *", true, 0x4010, 160},
		// A fixed-address executable: the symbol's value.
		{`uprobe:/usr/bin/fixed:getpid { $p = uaddr("BIG"); }`, `uaddr("BIG")`, "uint64 *", false, 0x4020, 0},
	} {
		prog, info := mustCheck(t, tc.src, nil)
		call := findExpr(t, prog, tc.src, tc.expr).(*ast.Call)
		inst := info.Instances[0]
		if got := inst.Types[call].String(); got != tc.want {
			t.Errorf("%s: type %s, want %s", tc.src, got, tc.want)
		}
		ua := inst.UserAddrs[call]
		if ua.Relocate != tc.relocate || ua.Addr != tc.addr || uint64(ua.VMA.VMFile) != tc.vmaF {
			t.Errorf("%s: resolved %+v", tc.src, ua)
		}
		if !inst.PerAttach {
			t.Errorf("%s: uaddr must make the body per attach point", tc.src)
		}
	}
}
