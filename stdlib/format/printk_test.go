package format

import "testing"

func TestPrintkFormat(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"debugf %s %d %x\n", "debugf %s %lld %llx\n", ""},
		{"%hhx %-5u %05i 100%% %c %p", "%llx %-5llu %05lli 100%% %c %llx", ""},
		{"%o", "", "%o is not supported by the kernel's bpf_trace_printk"},
		{"%r", "", "%r is not supported by the kernel's bpf_trace_printk"},
	} {
		pieces, err := Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		got, err := PrintkFormat(pieces)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("PrintkFormat(%q) error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("PrintkFormat(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
