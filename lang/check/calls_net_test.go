package check

import (
	"fmt"
	"strings"
	"testing"
)

// TestNetCallTypes checks the types and constants of bswap, ntop, pton,
// kaddr and ksym.
func TestNetCallTypes(t *testing.T) {
	cases := []struct{ expr, typ string }{
		{`bswap((uint32)pid)`, "uint32"},
		{`bswap((int16)pid)`, "uint16"},
		{`bswap((uint8)pid)`, "uint8"},
		{`bswap(pid + 1)`, "uint64"},
		{`ntop(pid)`, "inet"},
		{`ntop(2, pid)`, "inet"},
		{`ntop(pton("::1"))`, "inet"},
		{`ntop(10, pton("fe80::1"))`, "inet"},
		{`pton("10.1.2.3")`, "uint8[4]"},
		{`pton("::ffff:1.2.3.4")`, "uint8[16]"},
		{`kaddr("vfs_read")`, "uint64"},
		{`ksym(kaddr("vfs_read"))`, "ksym"},
		{`ksym(pid)`, "ksym"},
		{`macaddr((uint8 *)pid)`, "macaddr"},
	}
	for _, c := range cases {
		src := fmt.Sprintf(`BEGIN { $x = %s; }`, c.expr)
		if strings.HasPrefix(c.expr, "pton") {
			src = fmt.Sprintf(`BEGIN { $x = ntop(%s); }`, c.expr)
		}
		prog, info := mustCheck(t, src, nil)
		e := findExpr(t, prog, src, c.expr)
		if got := info.Instances[0].Types[e]; got == nil || got.String() != c.typ {
			t.Errorf("%s: type %v, want %s", c.expr, got, c.typ)
		}
	}
	consts := []struct {
		expr string
		want int64
	}{
		{`bswap((uint32)0x12345678)`, 0x78563412},
		{`bswap((uint16)0x1234)`, 0x3412},
		{`bswap((uint8)0xab)`, 0xab},
		{`bswap((uint64)1)`, 1 << 56},
		{`bswap((int16)-2)`, 0xfeff},
		{`kaddr("vfs_read")`, -0x7e945490}, // 0xffffffff816bab70
	}
	// A string parameter, also read with str(), is a literal.
	for _, expr := range []string{`kaddr($1)`, `kaddr(str($1))`} {
		src := fmt.Sprintf(`BEGIN { print(%s); }`, expr)
		prog, info := mustCheck(t, src, &Config{Params: []string{"vfs_read"}})
		e := findExpr(t, prog, src, expr)
		if got, ok := info.Instances[0].Consts[e]; !ok || got != -0x7e945490 {
			t.Errorf("%s with $1 = vfs_read: %#x (constant: %v)", expr, got, ok)
		}
	}
	for _, c := range consts {
		src := fmt.Sprintf(`BEGIN { print(%s); }`, c.expr)
		prog, info := mustCheck(t, src, nil)
		e := findExpr(t, prog, src, c.expr)
		if got, ok := info.Instances[0].Consts[e]; !ok || got != c.want {
			t.Errorf("%s = %#x (constant: %v), want %#x", c.expr, got, ok, c.want)
		}
	}
}

// TestNetCallErrors checks the diagnostics of bad arguments.
func TestNetCallErrors(t *testing.T) {
	cases := []struct{ stmt, want string }{
		{`print(bswap("ab"));`, `bswap() only supports integer arguments (string[3] provided)`},
		{`print(bswap());`, `bswap() requires one argument (0 provided)`},
		{`print(ntop("ab"));`, `ntop() expects an integer, a char[4] or char[16] array or a struct in_addr/in6_addr (string[3] provided)`},
		{`print(ntop(3, 1));`, `ntop() address family must be AF_INET (2) or AF_INET6 (10) (3 provided)`},
		{`print(ntop("a", 1));`, `ntop() address family must be an integer`},
		{`print(ntop(1, 2, 3));`, `ntop() requires 1 to 2 arguments (3 provided)`},
		{`print(ntop(pton(comm)));`, `pton() expects a string literal`},
		{`print(ntop(pton("1.2.3")));`, `pton() expects a valid IPv4 or IPv6 address ("1.2.3" provided)`},
		{`print(kaddr(comm));`, `kaddr() expects a string literal`},
		{`print(kaddr("no_such_symbol"));`, `Failed to resolve kernel symbol: no_such_symbol`},
		{`print(ksym("x"));`, `ksym() expects an integer or a pointer argument (string[2] provided)`},
		{`print(macaddr(pton("1.2.3.4")));`, `macaddr() argument must be 6 bytes in size (uint8[4] provided)`},
		{`print(macaddr(pid));`, `macaddr() only supports array or pointer arguments (uint32 provided)`},
		{`print(macaddr("abcde"));`, `macaddr() only supports array or pointer arguments (string[6] provided)`},
	}
	for _, c := range cases {
		expectBeginDiag(t, c.stmt, c.want)
	}
}
