//go:build linux

package codegen_test

import (
	"fmt"
	"testing"
)

// ntop, pton and bswap reproduce the golden ntop_pton_bswap run exactly:
// the variable keeps the uint32 width of its value, so bswap swaps 4 bytes.
func TestSelfNtopPtonBswap(t *testing.T) {
	expectRun(t, `BEGIN { printf("%s %s %s\n", ntop(0x0100007f), ntop(2, 0x0101a8c0), ntop(pton("::1"))); printf("%s\n", ntop(pton("10.1.2.3"))); $i = (uint32)0x12345678; printf("0x%x ==> 0x%x %x %lx\n", $i, bswap($i), bswap((uint16)0x1234), bswap((uint64)1)); exit(); }`,
		"127.0.0.1 192.168.1.1 ::1\n10.1.2.3\n0x12345678 ==> 0x78563412 3412 100000000000000\n\n\n")
	// Non-constant arguments (the swap instruction), every width, an
	// explicit family, inet values in variables and maps.
	expectRun(t, `BEGIN { $x = 0x1122334455667788; $s = (int16)-2; printf("%lx %x %x %x %lx\n", bswap($x), bswap((uint32)$x), bswap((uint16)$x), bswap((uint8)$x), bswap($s)); $a = ntop(10, pton("fe80::1:2")); print($a); @m[ntop($x)] = ntop(pton("255.0.0.1")); @n = ntop(2, pton("1.2.3.4")); }`,
		"8877665544332211 88776655 8877 88 feff\nfe80::1:2\n\n\n@m[136.119.102.85]: 255.0.0.1\n@n: 1.2.3.4\n")
}

// kaddr is resolved at compile time; ksym is the address, printed as a
// symbol by the resolver (the test resolver resolves nothing, so it prints
// in hex; runtime.KernelSymbol is tested in package runtime).
func TestSelfKaddrKsym(t *testing.T) {
	requireRoot(t)
	addr, err := liveHost.KernelSymbolAddr("vfs_read")
	if err != nil {
		t.Fatal(err)
	}
	expectRun(t, `BEGIN { printf("%s %lx\n", ksym(kaddr("vfs_read")), kaddr("vfs_read")); $p = kaddr("vfs_read") + 4; @k = ksym($p); exit(); }`,
		fmt.Sprintf("0x%x %x\n\n\n@k: 0x%x\n", addr, addr, addr+4))
}
