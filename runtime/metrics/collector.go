package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// DefaultPrefix is the usual prefix of metric names (the command's
// default --metrics-prefix).
const DefaultPrefix = "gobpftrace_"

// DefaultMaxSeries is the number of entries a map exports at most unless
// Options.MaxSeries says otherwise.
const DefaultMaxSeries = 10000

// Options configure a Collector. A nil *Options means the defaults.
type Options struct {
	// MaxSeries is the number of entries a map exports at most; 0 or
	// less: DefaultMaxSeries (there is no unlimited setting).
	MaxSeries int
	// Stats supplies the self metrics; nil: none.
	Stats Stats
}

// Collector exposes a Source's maps as metrics (a Server serves them).
// Each scrape reads every map anew; scrapes are serialized.
type Collector struct {
	src       Source
	stats     Stats
	prefix    string
	maxSeries int

	mu sync.Mutex
	// errors counts the failures per map (PREFIXmetrics_errors_total).
	errors map[string]uint64
	// shapes are the metric type and labels each map had at its last
	// scrape, to notice a map that changed.
	shapes map[string]string

	truncated, errs, lost, drops, probes, runs, runTime selfMetric
	selfNames                                           *namer
}

// selfMetric is the description of a metric of the collector itself.
type selfMetric struct {
	name, help string
	kind       kind
	labels     []string
}

// family returns an empty family of m.
func (m *selfMetric) family() *family { return newFamily(m.name, m.help, m.labels, m.kind) }

// NewCollector returns a Collector of src's maps. prefix starts every
// metric name (sanitized; an underscore is added when it does not end with
// one; "" for none).
func NewCollector(src Source, prefix string, opts *Options) *Collector {
	if opts == nil {
		opts = &Options{}
	}
	c := &Collector{
		src:       src,
		stats:     opts.Stats,
		prefix:    normPrefix(prefix),
		maxSeries: opts.MaxSeries,
		errors:    map[string]uint64{},
		shapes:    map[string]string{},
		selfNames: newNamer(),
	}
	if c.maxSeries <= 0 {
		c.maxSeries = DefaultMaxSeries
	}
	self := func(name string, k kind, help string, labels ...string) selfMetric {
		base := metricName(c.prefix + name)
		c.selfNames.reserve(base, k)
		family, _ := names(base, k)
		return selfMetric{name: family, help: help, kind: k, labels: labels}
	}
	c.truncated = self("metrics_truncated", kindGauge, "Entries of a map left out of the metrics (beyond the series limit).", "map")
	c.errs = self("metrics_errors", kindCounter, "Failures to export a map: unreadable, or changed type.", "map")
	c.lost = self("lost_events", kindCounter, "Events lost because the ring or perf buffer was full.")
	c.drops = self("map_drops", kindCounter, "Map updates refused because the map was full.", "map")
	c.probes = self("probes_attached", kindGauge, "Probes attached.")
	c.runs = self("program_runs", kindCounter, "Runs of a BPF program (kernel BPF statistics).", "program", "probe")
	c.runTime = self("program_run_seconds", kindCounter, "Time spent in a BPF program (kernel BPF statistics).", "program", "probe")
	return c
}

// gather reads every map of the Source and returns the families of its
// metrics and of the self metrics, sorted by name, each with its series
// sorted by label values (the order of client_golang's registry).
func (c *Collector) gather() []*family {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps := c.src.Maps()
	sort.Slice(maps, func(i, j int) bool { return maps[i].Name < maps[j].Name })
	nm := &namer{taken: make(map[string]bool, len(c.selfNames.taken))}
	for s := range c.selfNames.taken {
		nm.taken[s] = true
	}
	truncated := c.truncated.family()
	fams := make([]*family, 0, len(maps)+8)
	fams = append(fams, truncated)
	r := c.src.Resolver()
	for i := range maps {
		mi := &maps[i]
		k := mapKind(mi.Value)
		if f := c.mapFamily(mi, k, nm.family(mapBase(c.prefix, mi.Name), k), truncated, r); f != nil {
			fams = append(fams, f)
		}
	}
	errs := c.errs.family()
	for _, name := range sortedKeys(c.errors) {
		errs.add(float64(c.errors[name]), validUTF8(name))
	}
	fams = append(fams, errs)
	fams = c.statsFamilies(fams)
	slices.SortFunc(fams, func(a, b *family) int { return strings.Compare(a.name, b.name) })
	for _, f := range fams {
		f.sort()
	}
	return fams
}

// mapFamily returns the family of one map, and adds to truncated the
// entries it leaves out. A map that cannot be read counts as an error
// and has no family.
func (c *Collector) mapFamily(mi *MapInfo, k kind, name string, truncated *family, r output.Resolver) *family {
	m, err := c.src.ReadMap(mi.Name)
	if err != nil || m == nil || !sameType(m.Key, mi.Key) || !sameType(m.Value, mi.Value) {
		c.errors[mi.Name]++
		return nil
	}
	labels := labelNames(mi.Key, mi.KeyNames, k)
	shape := fmt.Sprintf("%s %d %q %v", name, k, labels, mi.Value)
	if prev, ok := c.shapes[mi.Name]; ok && prev != shape {
		c.errors[mi.Name]++
	}
	c.shapes[mi.Name] = shape
	rows, total := output.Rows(m, c.maxSeries, r)
	if dropped := total - len(rows); dropped > 0 {
		truncated.add(float64(dropped), validUTF8(mi.Name))
	}
	f := newFamily(name, help(mi), labels, k)
	f.setRows(mergeSeries(rows, mi.Value), mi.Value)
	return f
}

// statsFamilies appends the families of the self metrics to fams.
func (c *Collector) statsFamilies(fams []*family) []*family {
	if c.stats == nil {
		return fams
	}
	if n, err := c.stats.LostEvents(); err == nil {
		f := c.lost.family()
		f.add(float64(n))
		fams = append(fams, f)
	}
	if drops, err := c.stats.MapDrops(); err == nil {
		f := c.drops.family()
		for _, name := range sortedKeys(drops) {
			f.add(float64(drops[name]), validUTF8(name))
		}
		fams = append(fams, f)
	}
	probes := c.probes.family()
	probes.add(float64(c.stats.ProbesAttached()))
	fams = append(fams, probes)
	progs, err := c.stats.Programs()
	if err != nil {
		return fams
	}
	runs, runTime := c.runs.family(), c.runTime.family()
	seen := map[string]bool{}
	for _, p := range progs {
		if seen[p.Name] {
			continue // one series per program
		}
		seen[p.Name] = true
		name, probe := validUTF8(p.Name), validUTF8(p.Probe)
		runs.add(float64(p.Runs), name, probe)
		runTime.add(p.RunTime.Seconds(), name, probe)
	}
	return append(fams, runs, runTime)
}

// help is the HELP text of a map's metric.
func help(mi *MapInfo) string {
	if mi.Key == nil {
		return fmt.Sprintf("bpftrace map %s (%s)", mi.Name, mi.Value)
	}
	return fmt.Sprintf("bpftrace map %s[%s] (%s)", mi.Name, mi.Key, mi.Value)
}

// sameType reports whether a map read has the type it was listed with.
func sameType(a, b types.Type) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := a.(*types.Agg); ok {
		y, ok := b.(*types.Agg)
		return ok && *x == *y
	}
	return a.Size() == b.Size() && a.String() == b.String()
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
