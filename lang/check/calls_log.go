package check

import "github.com/gobpftrace/gobpftrace/stdlib"

// errorf and warnf format their arguments like printf; the runtime prints
// the text as an error or a warning located at the call.
func init() {
	callCheckers[stdlib.Errorf] = formatChecker("errorf")
	callCheckers[stdlib.Warnf] = formatChecker("warnf")
}
