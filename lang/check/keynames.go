package check

import (
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Key names (MapSym.KeyNames) label the components of a map's keys where
// the keys are exported (runtime/metrics turns them into Prometheus
// labels). They come from the expressions of the map's first keyed use in
// source order, one name per key component:
//
//	builtin variable        its name: comm, pid, cpu, probe, func, kstack …
//	field access            the field: args.ret → ret, $t->pid → pid
//	scratch variable        the name without '$': $x → x
//	str(e)                  e's name when e is a builtin, field or variable,
//	                        else str
//	other call              the function: ustack, kstack, usym, ksym …
//	anything else           keyN, N the component's index
//
// A key component is one key expression, or one element of a tuple key
// given as a single expression: a tuple literal names each element as
// above; another tuple-valued expression names element i NAME_i (keyN when
// the expression has no name). Names are made valid Prometheus label
// names ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") and unique (pid,
// pid_1, pid_2 …).

// keyUse records the key expressions of a keyed use of sym at offset pos
// in the source, when it comes before the use the names were taken from.
// keys are the key expressions (one per bracketed key, or the single key
// argument of has_key, delete and find) and kt their unified type. Maps
// from Config.Maps keep the names they were created with.
func (c *checker) keyUse(sym *MapSym, pos int, keys []ast.Expr, kt types.Type) {
	if kt == nil || len(keys) == 0 || (sym.KeyNames != nil && (sym.fixed || pos >= sym.keyNamesAt)) {
		return
	}
	sym.KeyNames = c.keyNames(keys, kt)
	sym.keyNamesAt = pos
}

// keyNames names the components of keys, whose unified type is kt.
func (c *checker) keyNames(keys []ast.Expr, kt types.Type) []string {
	var names []string
	if tt, ok := kt.(*types.Tuple); ok && len(keys) == 1 {
		// One expression holding the whole tuple.
		if lit, ok := keys[0].(*ast.Tuple); ok && len(lit.Elems) == len(tt.Elems) {
			for i, e := range lit.Elems {
				names = append(names, c.keyName(e, i))
			}
		} else {
			base := c.keyName(keys[0], -1)
			for i := range tt.Elems {
				if base == "" {
					names = append(names, "key"+strconv.Itoa(i))
				} else {
					names = append(names, base+"_"+strconv.Itoa(i))
				}
			}
		}
	} else {
		for i, e := range keys {
			names = append(names, c.keyName(e, i))
		}
	}
	return uniqueLabels(names)
}

// keyName is the label name of key expression e at index i; for i < 0
// it is "" when e has no name of its own.
func (c *checker) keyName(e ast.Expr, i int) string {
	name := ""
	switch e := e.(type) {
	case *ast.Ident:
		if _, ok := c.tab.Builtins[e]; ok {
			name = e.Name
		}
	case *ast.FieldExpr:
		name = e.Name
	case *ast.Var:
		name = strings.TrimPrefix(e.Name, "$")
	case *ast.Call:
		name = e.Name
		if e.Name == "str" && len(e.Args) > 0 {
			if inner := c.keyName(e.Args[0], -1); inner != "" {
				name = inner
			}
		}
	}
	name = labelName(name)
	if name == "" && i >= 0 {
		name = "key" + strconv.Itoa(i)
	}
	return name
}

// labelName makes s a valid Prometheus label name: characters outside
// [a-zA-Z0-9_] become '_', a leading digit gets a '_' before it, and a
// run of leading underscores is shortened to one ("__" is reserved). An
// empty s stays empty.
func labelName(s string) string {
	if s == "" {
		return ""
	}
	b := []byte(s)
	for i, ch := range b {
		if !(ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			b[i] = '_'
		}
	}
	if b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	for len(b) > 1 && b[0] == '_' && b[1] == '_' {
		b = b[1:]
	}
	return string(b)
}

// uniqueLabels renames repeated names in place: the second "pid" becomes
// "pid_1", the third "pid_2", skipping names already taken.
func uniqueLabels(names []string) []string {
	taken := make(map[string]bool, len(names))
	for _, n := range names {
		taken[n] = true
	}
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if !seen[n] {
			seen[n] = true
			continue
		}
		for k := 1; ; k++ {
			alt := n + "_" + strconv.Itoa(k)
			if !taken[alt] {
				names[i] = alt
				taken[alt] = true
				seen[alt] = true
				break
			}
		}
	}
	return names
}

// finishKeyNames makes every keyed map's KeyNames match its key's
// components: names are kept when their count matches and replaced by
// key0, key1 … otherwise (a map whose keyed uses all had errors).
func finishKeyNames(maps map[string]*MapSym) {
	for _, sym := range maps {
		n := types.KeyComponents(sym.Key)
		if len(sym.KeyNames) == n {
			continue
		}
		sym.KeyNames = nil
		for i := 0; i < n; i++ {
			sym.KeyNames = append(sym.KeyNames, "key"+strconv.Itoa(i))
		}
	}
}
