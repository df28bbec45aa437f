package check

import (
	"testing"
)

// TestOffsetof folds offsetof() of members and nested members of kernel
// structs to constants, and reports bad member paths.
func TestOffsetof(t *testing.T) {
	for expr, want := range map[string]int64{
		`offsetof(struct sock, __sk_common)`:           0,
		`offsetof(struct sock, __sk_common.skc_state)`: 18,
		`offsetof(struct task_struct, comm)`:           16,
	} {
		src := "BEGIN { print(" + expr + "); }"
		prog, info := mustCheck(t, src, nil)
		e := findExpr(t, prog, src, expr)
		if got, ok := info.Instances[0].Consts[e]; !ok {
			t.Errorf("%s is not a constant", expr)
		} else if got != want {
			t.Errorf("%s = %d, want %d", expr, got, want)
		}
	}
	for stmt, want := range map[string]string{
		`print(offsetof(struct sock, nope));`:                    `Struct/union of type 'struct sock' does not contain a field named 'nope'`,
		`print(offsetof(struct sock, __sk_common.skc_state.x));`: `offsetof() requires a struct or union type (uint8 provided)`,
	} {
		expectBeginDiag(t, stmt, want)
	}
}
