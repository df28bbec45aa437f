package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Builtin variables may be written as calls without arguments (`pid()`,
// `username()`), as in bpftrace HEAD where they are stdlib macros; a few
// take an argument and are functions of their own (nsecs(clock)).

func init() {
	callCheckers[stdlib.NsecsFn] = (*checker).checkNsecs
	callCheckers[stdlib.PidFn] = (*checker).checkPidNS
	callCheckers[stdlib.TidFn] = (*checker).checkPidNS
}

// builtinCall checks `name()` for the builtin variable name: the call is
// the variable (Desugared).
func (c *checker) builtinCall(call *ast.Call) types.Type {
	id := &ast.Ident{Pos: call.Pos, Name: call.Name}
	t := c.expr(id)
	if t != nil {
		c.tab.Desugared[call] = id
		c.tab.Types[call] = t
	}
	return t
}

// TimestampModes are the clocks nsecs() reads, by the name its argument
// gives; boot is the default.
var TimestampModes = map[string]TimestampMode{
	"boot": ClockBoot, "monotonic": ClockMonotonic, "tai": ClockTAI, "sw_tai": ClockSwTAI,
}

// TimestampMode is a clock nsecs() reads.
type TimestampMode int64

// Clocks of nsecs().
const (
	ClockBoot      TimestampMode = iota // CLOCK_BOOTTIME (bpf_ktime_get_boot_ns)
	ClockMonotonic                      // CLOCK_MONOTONIC (bpf_ktime_get_ns)
	ClockTAI                            // CLOCK_TAI (bpf_ktime_get_tai_ns, Linux 6.1)
	ClockSwTAI                          // boot clock plus the TAI offset measured when tracing starts
)

// PidNamespace is the PID namespace pid() and tid() see ids in.
type PidNamespace int64

// PID namespaces of pid() and tid().
const (
	// PidCurrNS is the namespace gobpftrace runs in (the default).
	PidCurrNS PidNamespace = iota
	// PidInit is the initial namespace.
	PidInit
)

// PidNamespaces are the namespaces pid() and tid() name.
var PidNamespaces = map[string]PidNamespace{"curr_ns": PidCurrNS, "init": PidInit}

// checkPidNS: pid([curr_ns|init]) and tid([curr_ns|init]) name the PID
// namespace (an identifier), recorded as the constant of the argument.
func (c *checker) checkPidNS(call *ast.Call, _ *ast.MapExpr) types.Type {
	if len(call.Args) == 1 {
		id, ok := call.Args[0].(*ast.Ident)
		ns, known := PidNamespace(0), false
		if ok {
			ns, known = PidNamespaces[id.Name]
		}
		if !known {
			c.errorf(call.Args[0], diag.CodeType, "%s() expects a PID namespace: curr_ns or init", call.Name)
			return nil
		}
		c.tab.Consts[id] = int64(ns)
	}
	return types.Uint32
}

// checkNsecs: nsecs([mode]) reads the clock mode names (an identifier,
// not an expression); the mode is recorded as the constant of the
// argument.
func (c *checker) checkNsecs(call *ast.Call, _ *ast.MapExpr) types.Type {
	if len(call.Args) == 1 {
		id, ok := call.Args[0].(*ast.Ident)
		if !ok {
			c.errorf(call.Args[0], diag.CodeType, "nsecs() expects a timestamp mode: boot, monotonic, tai or sw_tai")
			return nil
		}
		mode, ok := TimestampModes[id.Name]
		if !ok {
			c.errorf(id, diag.CodeType, "Invalid timestamp mode: %s", id.Name).Hint("use boot, monotonic, tai or sw_tai")
			return nil
		}
		c.tab.Consts[id] = int64(mode)
	}
	return types.Uint64
}
