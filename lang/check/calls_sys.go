package check

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
	"github.com/gobpftrace/gobpftrace/stdlib/uapi"
)

func init() {
	callCheckers[stdlib.Cat] = formatChecker("cat")
	callCheckers[stdlib.System] = formatChecker("system")
	callCheckers[stdlib.Signal] = (*checker).checkSignal
	callCheckers[stdlib.SignalThread] = (*checker).checkSignal
}

// maxSignal is the highest Linux signal number (SIGRTMAX).
const maxSignal = 64

// checkSignal: signal(sig) sends sig to the current process,
// signal_thread(sig) to the current thread. sig is a
// name ("SIGKILL" or "KILL") or a number from 1 to 64; a constant folds
// into Consts[call].
func (c *checker) checkSignal(call *ast.Call, _ *ast.MapExpr) types.Type {
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	if k := c.attach.Kind; k != stdlib.ProbeInvalid && !stdlib.Probes[k].InTask {
		c.errorf(call, diag.CodeProbe, "%s() can not be used with \"%s\" probes", call.Name, stdlib.Probes[k].Name)
		return nil
	}
	if name, ok := c.tab.StrConsts[arg]; ok {
		n, ok := signalNumber(name)
		if !ok {
			c.errorf(arg, diag.CodeType, "Invalid signal: %s", name)
			return nil
		}
		c.tab.Consts[call] = n
		return void
	}
	if !types.IsInt(t) {
		c.errorf(arg, diag.CodeType, "%s() accepts a string literal or an integer (%s provided)", call.Name, t)
		return nil
	}
	if n, ok := c.tab.Consts[arg]; ok {
		if n < 1 || n > maxSignal {
			c.errorf(arg, diag.CodeType, "%s() accepts a string literal or an integer between 1 and %d (inclusive) (%d provided)", call.Name, maxSignal, n)
			return nil
		}
		c.tab.Consts[call] = n
	}
	return void
}

// signalNumber resolves a signal name with or without its SIG prefix.
func signalNumber(name string) (int64, bool) {
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if strings.HasPrefix(name, "SIG_") {
		return 0, false // SIG_BLOCK, SIG_DFL … are not signals
	}
	n, ok := uapi.Lookup(name)
	return n, ok && n >= 1 && n <= maxSignal
}
