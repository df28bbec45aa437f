package check

import (
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// tseries(n, interval, num_intervals[, reduction]) is an aggregation
// whose value is a ring of num_intervals time intervals (see types.Agg):
// the interval and the count are constants, the reduction a string
// literal. It is an unstable feature of bpftrace: unstable_tseries =
// error refuses it, warn (the default) warns once.

func init() {
	callCheckers[stdlib.Tseries] = (*checker).checkTseries
	aggKinds[stdlib.Tseries] = types.Tseries
}

// tseriesReductions are the reductions tseries accepts, in bpftrace's
// order.
var tseriesReductions = []string{"avg", "sum", "max", "min"}

func (c *checker) checkTseries(call *ast.Call, _ *ast.MapExpr) types.Type {
	if !c.unstable(call, c.info.Config.UnstableTseries, "tseries", "unstable_tseries", &c.warnedTseries) {
		return nil
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !types.IsInt(t) {
		c.errorf(call.Args[0], diag.CodeType, "tseries() expects an integer argument (%s provided)", t)
		return nil
	}
	agg := &types.Agg{Kind: types.Tseries, Signed: !isUnsigned(t)}
	for i, what := range []string{"interval_ns", "num_intervals"} {
		a := call.Args[1+i]
		c.expr(a)
		n, ok := c.tab.Consts[a]
		switch {
		case !ok:
			c.errorf(a, diag.CodeType, "tseries: invalid %s value (must be non-negative literal)", what)
			return nil
		case n <= 0:
			c.errorf(call, diag.CodeType, "tseries() %s must be >= 1 (%d provided)", what, n)
			return nil
		case i == 1 && n > 1000000:
			c.errorf(call, diag.CodeType, "tseries() num_intervals must be < 1000000 (%d provided)", n)
			return nil
		}
		if i == 0 {
			agg.Interval = n
		} else {
			agg.Intervals = n
		}
	}
	if len(call.Args) == 4 {
		lit, ok := call.Args[3].(*ast.StrLit)
		if !ok {
			c.errorf(call.Args[3], diag.CodeType, "tseries() reduction must be a string literal")
			return nil
		}
		found := false
		for _, r := range tseriesReductions {
			found = found || r == lit.Value
		}
		if !found {
			c.errorf(call, diag.CodeType, "tseries() expects one of the following aggregation functions: avg, sum, max, min (\"%s\" provided)", lit.Value)
			return nil
		}
		agg.Reduce = lit.Value
	}
	return agg
}
