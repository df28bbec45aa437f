package uapi

import "testing"

func TestLookup(t *testing.T) {
	for name, want := range map[string]int64{
		"AF_INET": 2, "AF_INET6": 10, "IPPROTO_TCP": 6, "O_CLOEXEC": 0o2000000,
		"SIGKILL": 9, "ENOENT": 2, "AT_FDCWD": -100, "S_IFDIR": 0o40000, "TCP_LISTEN": 10,
	} {
		if got, ok := Lookup(name); !ok || got != want {
			t.Errorf("Lookup(%s) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := Lookup("AF_NOPE"); ok {
		t.Error("found AF_NOPE")
	}
	if len(Names()) < 200 {
		t.Errorf("only %d names", len(Names()))
	}
}
