package metrics

import (
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// Collector is a prometheus.Collector of a Source's maps. It is
// unchecked: Describe sends nothing, and each Collect reads every map
// anew. Scrapes are serialized.
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

	truncatedDesc, errorsDesc       *prometheus.Desc
	lostDesc, dropsDesc, probesDesc *prometheus.Desc
	runsDesc, runTimeDesc           *prometheus.Desc
	selfNames                       *namer
}

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
	self := func(name string, k kind, help string, labels ...string) *prometheus.Desc {
		base := metricName(c.prefix + name)
		c.selfNames.reserve(base, k)
		family, _ := names(base, k)
		return prometheus.NewDesc(family, help, labels, nil)
	}
	c.truncatedDesc = self("metrics_truncated", kindGauge, "Entries of a map left out of the metrics (beyond the series limit).", "map")
	c.errorsDesc = self("metrics_errors", kindCounter, "Failures to export a map: unreadable, or changed type.", "map")
	c.lostDesc = self("lost_events", kindCounter, "Events lost because the ring or perf buffer was full.")
	c.dropsDesc = self("map_drops", kindCounter, "Map updates refused because the map was full.", "map")
	c.probesDesc = self("probes_attached", kindGauge, "Probes attached.")
	c.runsDesc = self("program_runs", kindCounter, "Runs of a BPF program (kernel BPF statistics).", "program", "probe")
	c.runTimeDesc = self("program_run_seconds", kindCounter, "Time spent in a BPF program (kernel BPF statistics).", "program", "probe")
	return c
}

// Describe implements prometheus.Collector. It sends nothing: the maps
// are only known when they are collected.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector: it reads every map of the
// Source and sends its metrics, then the self metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps := c.src.Maps()
	sort.Slice(maps, func(i, j int) bool { return maps[i].Name < maps[j].Name })
	nm := &namer{taken: make(map[string]bool, len(c.selfNames.taken))}
	for s := range c.selfNames.taken {
		nm.taken[s] = true
	}
	r := c.src.Resolver()
	for i := range maps {
		mi := &maps[i]
		k := mapKind(mi.Value)
		family := nm.family(mapBase(c.prefix, mi.Name), k)
		c.collectMap(ch, mi, k, family, r)
	}
	send := sender(ch)
	for _, name := range sortedKeys(c.errors) {
		send(prometheus.NewConstMetric(c.errorsDesc, prometheus.CounterValue, float64(c.errors[name]), validUTF8(name)))
	}
	c.collectStats(ch)
}

// collectMap sends the metrics of one map. A map that cannot be read, or
// whose metrics cannot be made, counts as an error.
func (c *Collector) collectMap(ch chan<- prometheus.Metric, mi *MapInfo, k kind, family string, r output.Resolver) {
	m, err := c.src.ReadMap(mi.Name)
	if err != nil || m == nil || !sameType(m.Key, mi.Key) || !sameType(m.Value, mi.Value) {
		c.errors[mi.Name]++
		return
	}
	labels := labelNames(mi.Key, mi.KeyNames, k)
	shape := fmt.Sprintf("%s %d %q %v", family, k, labels, mi.Value)
	if prev, ok := c.shapes[mi.Name]; ok && prev != shape {
		c.errors[mi.Name]++
	}
	c.shapes[mi.Name] = shape
	rows, total := output.Rows(m, c.maxSeries, r)
	if dropped := total - len(rows); dropped > 0 {
		sender(ch)(prometheus.NewConstMetric(c.truncatedDesc, prometheus.GaugeValue, float64(dropped), validUTF8(mi.Name)))
	}
	fam, err := newFamily(family, help(mi), labels, k, mi.Value)
	if err != nil {
		c.errors[mi.Name]++
		return
	}
	for _, m := range fam.series(mergeSeries(rows, mi.Value)) {
		ch <- m
	}
}

// sender returns a function that sends a metric to ch unless making it
// failed (for the metrics of the collector itself, whose names and labels
// are fixed).
func sender(ch chan<- prometheus.Metric) func(prometheus.Metric, error) {
	return func(m prometheus.Metric, err error) {
		if err == nil {
			ch <- m
		}
	}
}

// collectStats sends the self metrics.
func (c *Collector) collectStats(ch chan<- prometheus.Metric) {
	if c.stats == nil {
		return
	}
	send := sender(ch)
	if n, err := c.stats.LostEvents(); err == nil {
		send(prometheus.NewConstMetric(c.lostDesc, prometheus.CounterValue, float64(n)))
	}
	if drops, err := c.stats.MapDrops(); err == nil {
		for _, name := range sortedKeys(drops) {
			send(prometheus.NewConstMetric(c.dropsDesc, prometheus.CounterValue, float64(drops[name]), validUTF8(name)))
		}
	}
	send(prometheus.NewConstMetric(c.probesDesc, prometheus.GaugeValue, float64(c.stats.ProbesAttached())))
	progs, err := c.stats.Programs()
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, p := range progs {
		if seen[p.Name] {
			continue // one series per program
		}
		seen[p.Name] = true
		name, probe := validUTF8(p.Name), validUTF8(p.Probe)
		send(prometheus.NewConstMetric(c.runsDesc, prometheus.CounterValue, float64(p.Runs), name, probe))
		send(prometheus.NewConstMetric(c.runTimeDesc, prometheus.CounterValue, p.RunTime.Seconds(), name, probe))
	}
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

// Handler returns an http.Handler that serves c's metrics in the text
// format, or in OpenMetrics when the scraper asks for it. Errors in a
// scrape leave out what failed rather than failing it.
func Handler(c *Collector) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("registering the metrics collector: %w", err)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorHandling:     promhttp.ContinueOnError,
	}), nil
}
