package uapi

import "testing"

func TestLookup(t *testing.T) {
	for name, want := range map[string]int64{
		"AF_INET": 2, "AF_INET6": 10, "IPPROTO_TCP": 6, "O_CLOEXEC": 0o2000000,
		"SIGKILL": 9, "ENOENT": 2, "AT_FDCWD": -100, "S_IFDIR": 0o40000, "TCP_LISTEN": 10,
		// UAPI families of classic scripts.
		"ICMP_ECHO": 8, "ICMPV6_ECHO_REQUEST": 128, "IFF_UP": 1, "IFF_LOOPBACK": 8, "ETH_P_IP": 0x800, "ETH_P_IPV6": 0x86dd, "ETH_ALEN": 6,
		// Kernel-internal ones.
		"TASK_RUNNING": 0, "TASK_INTERRUPTIBLE": 1, "TASK_UNINTERRUPTIBLE": 2, "TASK_KILLABLE": 0x102, "TASK_IDLE": 0x402,
		"EXIT_ZOMBIE": 0x20, "PF_KTHREAD": 0x200000, "PF_EXITING": 4, "DT_DIR": 4, "DT_REG": 8, "DT_MAX": 16,
		"NSEC_PER_SEC": 1000000000, "USEC_PER_MSEC": 1000,
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
