package check

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/stdlib"
)

func TestAggKindsComplete(t *testing.T) {
	for id := stdlib.FuncID(1); int(id) < stdlib.NumFuncs; id++ {
		if stdlib.Funcs[id].Has(stdlib.Aggregation) && aggKinds[id] == 0 {
			t.Errorf("aggregation %s has no AggKind", id)
		}
	}
}
