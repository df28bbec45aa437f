package format

import (
	"fmt"
	"strings"
)

// PrintkFormat rewrites parsed printf pieces as the kernel's
// bpf_trace_printk format (debugf): integers are passed as 64 bits, so
// every integer conversion gets the "ll" length; '%' in literal text is
// doubled. Conversions the kernel lacks (%o, %r) are an error.
func PrintkFormat(pieces []Piece) (string, error) {
	var b strings.Builder
	for _, p := range pieces {
		if p.Verb == nil {
			b.WriteString(strings.ReplaceAll(p.Lit, "%", "%%"))
			continue
		}
		v := p.Verb
		b.WriteByte('%')
		b.WriteString(v.Flags)
		if v.Width >= 0 {
			fmt.Fprintf(&b, "%d", v.Width)
		}
		switch v.Conv {
		case 'd', 'i', 'u', 'x', 'X':
			b.WriteString("ll")
			b.WriteByte(v.Conv)
		case 'p':
			b.WriteString("llx")
		case 'c', 's':
			b.WriteByte(v.Conv)
		default:
			return "", fmt.Errorf("%%%c is not supported by the kernel's bpf_trace_printk", v.Conv)
		}
	}
	return b.String(), nil
}
