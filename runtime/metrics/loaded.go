//go:build linux

package metrics

import (
	"bytes"
	"os"

	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// LoadedSource is the Source and Stats of one loaded script.
type LoadedSource struct {
	l *runtime.Loaded
	r output.Resolver
}

// NewLoadedSource returns the Source (and Stats) of the maps of l, whose
// keys and values are resolved with r (nil: not resolved). r is called
// from the scraping goroutine: it must be safe to use alongside the
// event printer's use of it (LockedResolver makes it so).
func NewLoadedSource(l *runtime.Loaded, r output.Resolver) *LoadedSource {
	return &LoadedSource{l: l, r: r}
}

// Maps implements Source: the script maps of the loaded object.
func (s *LoadedSource) Maps() []MapInfo {
	var maps []MapInfo
	for _, def := range s.l.Object.Maps {
		if !def.Internal {
			maps = append(maps, MapInfo{Name: def.Name, Key: def.Key, Value: def.Value, KeyNames: def.KeyNames})
		}
	}
	return maps
}

// ReadMap implements Source (runtime.Loaded.OutputMap).
func (s *LoadedSource) ReadMap(name string) (*output.Map, error) { return s.l.OutputMap(name) }

// Resolver implements Source.
func (s *LoadedSource) Resolver() output.Resolver { return s.r }

// LostEvents implements Stats (runtime.Loaded.Lost).
func (s *LoadedSource) LostEvents() (uint64, error) { return s.l.Lost() }

// MapDrops implements Stats (runtime.Loaded.Drops).
func (s *LoadedSource) MapDrops() (map[string]uint64, error) { return s.l.Drops() }

// ProbesAttached implements Stats: the attach points of the object, as
// "Attached N probes" counts them.
func (s *LoadedSource) ProbesAttached() int { return s.l.Object.AttachPoints() }

// bpfStatsFile is the sysctl that turns the kernel's BPF run statistics on.
var bpfStatsFile = "/proc/sys/kernel/bpf_stats_enabled"

// Programs implements Stats: the run count and time of every program,
// when the kernel collects them (the sysctl kernel.bpf_stats_enabled, or
// a BPF_ENABLE_STATS holder, which shows as a non-zero run time).
func (s *LoadedSource) Programs() ([]ProgramStats, error) {
	enabled := false
	if b, err := os.ReadFile(bpfStatsFile); err == nil {
		enabled = string(bytes.TrimSpace(b)) == "1"
	}
	var out []ProgramStats
	for _, p := range s.l.Programs {
		st, err := p.Prog.Stats()
		if err != nil {
			return nil, err
		}
		if st.Runtime > 0 {
			enabled = true
		}
		out = append(out, ProgramStats{Name: p.Name, Probe: p.Probe, Runs: st.RunCount, RunTime: st.Runtime})
	}
	if !enabled {
		return nil, nil
	}
	return out, nil
}

var (
	_ Source = (*LoadedSource)(nil)
	_ Stats  = (*LoadedSource)(nil)
)
