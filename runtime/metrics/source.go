package metrics

import (
	"time"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// MapInfo describes one script map to export.
type MapInfo struct {
	// Name is the script name: "@x", or "@" for the anonymous map.
	Name string
	// Key is the key type, nil for a scalar map; Value the value type,
	// an *types.Agg for aggregations (codegen.MapDef's Key and Value).
	Key, Value types.Type
	// KeyNames are the label names of the key's components
	// (codegen.MapDef.KeyNames, from check.MapSym.KeyNames). Missing or
	// invalid names become key0, key1 ….
	KeyNames []string
}

// Source is what a Collector reads at each scrape. The Collector calls
// it from one scrape at a time (never concurrently with itself), but
// from the HTTP server's goroutines: an implementation must be safe
// against the tracer's other users of the same maps and resolver (the
// event printer).
type Source interface {
	// Maps lists the maps to export (script maps, not internal ones).
	Maps() []MapInfo
	// ReadMap reads the entries of map name as they are now.
	ReadMap(name string) (*output.Map, error)
	// Resolver resolves the symbols, stacks, probe names … in keys and
	// values; nil leaves them as numbers. See LockedResolver for one the
	// event printer shares.
	Resolver() output.Resolver
}

// Stats supplies the tracer's own counters (the self metrics). A method
// that fails leaves its metrics out of that scrape.
type Stats interface {
	// LostEvents is the number of events lost so far because the ring
	// or perf buffer was full.
	LostEvents() (uint64, error)
	// MapDrops is, per map name, the number of updates refused so far
	// because the map was full; maps with none may be absent.
	MapDrops() (map[string]uint64, error)
	// ProbesAttached is the number of probes attached ("Attached N
	// probes").
	ProbesAttached() int
	// Programs are the run statistics of the BPF programs; nil when the
	// kernel's BPF statistics are disabled (sysctl
	// kernel.bpf_stats_enabled=0).
	Programs() ([]ProgramStats, error)
}

// ProgramStats are the kernel's run statistics of one BPF program.
type ProgramStats struct {
	// Name is the program's name and Probe the probe it implements.
	Name, Probe string
	// Runs is how often the program ran, RunTime the time it took.
	Runs    uint64
	RunTime time.Duration
}
