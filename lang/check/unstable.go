package check

import (
	"fmt"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// Unstable features (bpftrace's unstable_* config keys: tseries,
// dw_ustack). With the key's value "error" a use is refused at the call;
// with "warn" (the default) the script gets one unpositioned warning, as
// bpftrace warns once for the whole script; "enable" says nothing.

// unstable applies the setting of the unstable feature (named as in
// bpftrace's messages, e.g. "dw_ustack (DWARF stack unwinding)") whose
// config key is key, at its use n; warned is the checker's flag of its
// warning. It reports whether the use may go on.
func (c *checker) unstable(n ast.Node, setting, feature, key string, warned *bool) bool {
	switch setting {
	case "error":
		c.errorf(n, diag.CodeUnsupported, "%s feature is not enabled by default. To enable this unstable feature, set the config flag to enable. %s=enable", feature, key)
		return false
	case "warn":
		if !*warned && c.report {
			*warned = true
			c.info.Warnings = append(c.info.Warnings, fmt.Sprintf("Script is using an unstable feature: %s. To prevent this warning you must explicitly enable it in the config e.g. %s=enable", feature, key))
		}
	}
	return true
}
