package check

import (
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// MaxStrcontainsWork bounds the unrolled search of strcontains() and
// strstr() on kernels without bpf_loop, where a longer search is a compile
// error (codegen/strsearch_loop.go): the product of the capacities of the
// haystack and the needle (a constant needle counts its length plus the
// NUL), twice for a needle in memory, since its bytes are loaded and
// tested for the NUL; this keeps one call well below the 32767-instruction
// reach of a BPF jump.
const MaxStrcontainsWork = 8192

func init() {
	callCheckers[stdlib.Strncmp] = (*checker).checkStrncmp
	callCheckers[stdlib.Strcontains] = (*checker).checkStrcontains
	callCheckers[stdlib.Strstr] = (*checker).checkStrcontains
}

// stringArgs checks that the given arguments of call are strings and
// returns their types (nil after an error).
func (c *checker) stringArgs(call *ast.Call, args []ast.Expr) []*types.String {
	out := make([]*types.String, 0, len(args))
	ok := true
	for _, a := range args {
		t := c.expr(a)
		if t == nil {
			ok = false
			continue
		}
		st, isStr := t.(*types.String)
		if _, isProbe := t.(*types.ProbeName); isProbe && c.attach.Kind != stdlib.ProbeInvalid {
			// probe is a constant of each instance: its name (so
			// the tables are the instance's own).
			c.tab.StrConsts[a] = c.attach.Name
			c.tab.PerAttach = true
			st, isStr = &types.String{Cap: len(c.attach.Name) + 1}, true
		}
		if !isStr {
			c.errorf(a, diag.CodeType, "%s() expects string arguments (%s provided)", call.Name, t)
			ok = false
			continue
		}
		out = append(out, st)
	}
	if !ok {
		return nil
	}
	return out
}

// cString is the C-string value of a constant: the bytes before the first
// NUL.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// checkStrncmp: strncmp(a, b, n) is 0 when the first n bytes of a and b are
// equal (comparison stops at a NUL) and 1 otherwise. n must be a
// non-negative constant.
func (c *checker) checkStrncmp(call *ast.Call, _ *ast.MapExpr) types.Type {
	strs := c.stringArgs(call, call.Args[:2])
	nt := c.expr(call.Args[2])
	if strs == nil || nt == nil {
		return nil
	}
	n, ok := c.tab.Consts[call.Args[2]]
	if !types.IsInt(nt) || !ok {
		c.errorf(call.Args[2], diag.CodeType, "strncmp() expects a constant integer length")
		return nil
	}
	if n < 0 {
		c.errorf(call.Args[2], diag.CodeType, "strncmp() length must be non-negative (%d provided)", n)
		return nil
	}
	a, aok := c.tab.StrConsts[call.Args[0]]
	b, bok := c.tab.StrConsts[call.Args[1]]
	if aok && bok {
		a, b = cString(a), cString(b)
		if int64(len(a)) > n {
			a = a[:n]
		}
		if int64(len(b)) > n {
			b = b[:n]
		}
		v := int64(1)
		if a == b {
			v = 0
		}
		c.tab.Consts[call] = v
	}
	return types.Int64
}

// checkStrcontains: strcontains(hay, needle) is true when needle occurs in
// hay; strstr(hay, needle) is the index where it first occurs, or -1.
func (c *checker) checkStrcontains(call *ast.Call, _ *ast.MapExpr) types.Type {
	strs := c.stringArgs(call, call.Args)
	if strs == nil {
		return nil
	}
	index := c.tab.Calls[call] == stdlib.Strstr
	var result types.Type = &types.Bool{}
	if index {
		result = types.Int64
	}
	hay, hok := c.tab.StrConsts[call.Args[0]]
	needle, nok := c.tab.StrConsts[call.Args[1]]
	switch {
	case hok && nok:
		v := int64(strings.Index(cString(hay), cString(needle)))
		if !index {
			v = 1
			if !strings.Contains(cString(hay), cString(needle)) {
				v = 0
			}
		}
		c.tab.Consts[call] = v
	case nok && cString(needle) == "":
		// Every string contains the empty string, at 0.
		c.tab.Consts[call] = 1
		if index {
			c.tab.Consts[call] = 0
		}
	}
	return result
}
