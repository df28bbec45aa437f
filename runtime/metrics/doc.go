// Package metrics exports the maps of a running script as Prometheus
// metrics, read live from the kernel at each scrape (gobpftrace
// --metrics ADDR).
//
// # Design
//
// A Collector knows no map up front: the set of maps is only known at
// scrape time (the maps of an interactive session come and go), so each
// scrape builds the metric families from a fresh snapshot (series.go:
// series that point into the snapshot's rows). It reads through a Source, an
// interface of three methods (the maps and their types, one map's raw
// entries as an output.Map, a Resolver), so it has no kernel dependency:
// tests drive it with synthetic maps, and LoadedSource is the Source of a
// *runtime.Loaded. The tracer's own counters come through a second
// interface, Stats.
//
// Map entries are combined, grouped and ordered by runtime/output (Rows),
// the code print() uses, so a metric shows exactly the keys and values
// print(@m) would, split into labels. A Server serves them in the
// Prometheus text format or in OpenMetrics as the scraper asks (Accept
// header), gzip-compressed when it accepts that, as client_golang's
// promhttp would serve a registry holding them. The Server is a minimal
// HTTP/1.1 server of its own on package net (server.go), not net/http,
// for the same reason as below.
//
// The exposition is written by this package (expo.go), byte for byte as
// client_golang writes it, rather than by client_golang: its packages and
// their dependencies (protobuf, procfs) would double the size of the
// binary and add their init work and memory to every run, with or without
// --metrics. Only the tests use client_golang, as the oracle.
//
// The package lives under runtime, beside output, because it is another
// view of a running session's maps; it is its own package so that output
// stays a formatter of bytes with no exporter state (series caps, error
// counters, the types a map had at the last scrape).
//
// # Mapping
//
// Every metric name starts with the prefix given to NewCollector (the
// command's --metrics-prefix, DefaultPrefix "gobpftrace_" by default; an
// underscore is added when the prefix does not end with one). A map's base name is the prefix and the map's name without '@';
// the anonymous map @ is named "map". Names are sanitized to
// [a-zA-Z_:][a-zA-Z0-9_:]*, and a map whose names would collide with
// another map's or a self metric's (lat_count of a gauge @lat_count and of
// a histogram @lat) gets "_2", "_3" … after its base name, maps taken in
// name order.
//
//	map value                 metric                         series
//	count()                   counter                        BASE_total
//	sum() min() max()         gauge                          BASE
//	avg()                     gauge: total/count as a float  BASE
//	                          (print() truncates it)
//	stats()                   summary without quantiles      BASE_count, BASE_sum
//	hist() lhist()            histogram                      BASE_bucket{le}, BASE_count, BASE_sum
//	tseries()                 gauge: the newest interval     BASE
//	integer                   gauge                          BASE
//	any other value           info-style gauge, always 1     BASE_info{value="text"}
//	(string, stack, symbol,
//	tuple, record, bool …)
//
// stats() is a summary rather than two gauges because a gauge may not be
// named _count or _sum (promtool check metrics reports them), and because
// rate(BASE_sum)/rate(BASE_count) is the mean over time.
//
// Histogram buckets are bpftrace's, with the largest integer a bucket
// holds as le: hist's [0] [1] [2, 4) [4, 8) … give le="0" "1" "3" "7" …
// (the bucket of negative values le="-1"); lhist(v, 0, 100, 10) gives
// le="-1" "9" "19" … "99", its bucket of values from 100 on being the
// implicit +Inf. Values are integers, so le="7" is exactly "below 8". The
// buckets exposed are those print() shows, from the lowest to the highest
// one any key of the map has a count in, and the one below them (a
// cumulative 0 that anchors histogram_quantile); all series of a map share
// that set of bounds, which only grows as long as the map is not cleared. bpftrace
// keeps no sum of a histogram's values: BASE_sum is the sum over buckets
// of count × the bucket's lower bound (its upper bound for the bucket of
// values below the first bound), a lower estimate that is exact when
// every value is a bucket's lower bound; it is never NaN, so
// rate(BASE_sum)/rate(BASE_count) stays usable.
//
// Keys become labels named by the map's key names (check.MapSym.KeyNames
// through codegen.MapDef): a tuple key gives one label per element, any
// other key one label; a scalar map has no label. A key name that would
// clash with a label the metric type needs (le for histograms, quantile
// for summaries, value for info metrics) or that is not a valid label
// name becomes keyN (N its position). Label values are the text print()
// shows (strings as is, integers in decimal, stacks with their newlines
// and indentation, symbols and tuples as printed); the exposition escapes
// quotes, backslashes and newlines, and bytes that are not UTF-8 are
// replaced with U+FFFD. Entries whose labels are equal (two addresses in
// one function under ksym(), say) are one series: counts, sums, buckets
// and the samples of avg and stats add up, min and max keep the smallest
// and largest, other values the first in print order.
//
// A map exports at most Options.MaxSeries entries (DefaultMaxSeries): the
// last ones in print order, which are what print(@m, N) shows (the
// largest values of integer and aggregation maps). How many entries were
// left out is the gauge PREFIXmetrics_truncated{map="@x"}. A map that
// cannot be read, whose type is not the one listed, or whose metric type
// or labels changed since the previous scrape (a map redefined in an
// interactive session) counts in the counter
// PREFIXmetrics_errors_total{map="@x"}; a map that cannot be read is left
// out of that scrape, which still succeeds.
//
// Self metrics, when Options.Stats is set:
//
//	PREFIXlost_events_total                         events the ring or perf buffer could not take
//	PREFIXmap_drops_total{map}                      map updates refused because the map was full
//	PREFIXprobes_attached                           probes attached
//	PREFIXprogram_runs_total{program,probe}         runs of each BPF program
//	PREFIXprogram_run_seconds_total{program,probe}  time spent in each BPF program
//
// The program metrics are there only while the kernel keeps BPF run
// statistics (sysctl kernel.bpf_stats_enabled=1).
package metrics
