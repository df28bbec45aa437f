package check

import "github.com/gobpftrace/gobpftrace/lang/types"

// aggReadType is the type of reading an aggregation map's value in a
// probe, where codegen combines the per-CPU slots in the kernel: count is
// a uint64; sum, min, max and avg are 64-bit integers signed like the
// values they aggregate. It is nil for the kinds that cannot be read yet:
// stats (bpftrace does not read it as a scalar either) and hist/lhist,
// whose values are whole histograms.
func aggReadType(a *types.Agg) types.Type {
	switch a.Kind {
	case types.Count:
		return types.Uint64
	case types.Sum, types.Min, types.Max, types.Avg:
		if a.Signed {
			return types.Int64
		}
		return types.Uint64
	}
	return nil
}
