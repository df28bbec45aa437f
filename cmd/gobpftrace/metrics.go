package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/metrics"
)

// --metrics: the script's maps as Prometheus metrics (runtime/metrics),
// served while tracing. The address is bound before anything is loaded,
// so that an address in use is an error before tracing starts (status
// 1); the server runs from the end of loading until the maps have been
// printed at the end, and every scrape reads the maps as they are then.
// --metrics-only makes the metrics the output: the tracing output (events
// and the map dump) is discarded, diagnostics still go to stderr.

// metricsOptions are the --metrics flags.
type metricsOptions struct {
	addr      string
	prefix    string
	prefixSet bool
	series    int
	only      bool
}

// defaultMetricsPrefix starts every metric name unless --metrics-prefix
// says otherwise.
const defaultMetricsPrefix = "gobpftrace_"

// metricsServer is the running --metrics server.
type metricsServer struct {
	ln  net.Listener
	srv *metrics.Server
}

// metricsShutdownGrace bounds the wait for scrapes in progress when
// tracing ends.
const metricsShutdownGrace = 2 * time.Second

// listenMetrics binds the --metrics address (nil without --metrics).
func (s *Session) listenMetrics() (*metricsServer, error) {
	if s.opts.metrics.addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", s.opts.metrics.addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", s.opts.metrics.addr, err)
	}
	return &metricsServer{ln: ln}, nil
}

// serve starts serving the maps of l, resolved with the printer's
// resolver under the printer's lock (its caches serve one goroutine).
func (m *metricsServer) serve(s *Session, l *runtime.Loaded, p *printer) error {
	src := metrics.NewLoadedSource(l, metrics.LockedResolver(p.res, &p.mu))
	return m.serveSource(s, src, src)
}

// serveSource starts serving the maps of src, with the self metrics of
// stats (nil: none).
func (m *metricsServer) serveSource(s *Session, src metrics.Source, stats metrics.Stats) error {
	prefix := defaultMetricsPrefix
	if s.opts.metrics.prefixSet {
		prefix = s.opts.metrics.prefix
	}
	srv, err := metrics.NewServer(metrics.NewCollector(src, prefix, &metrics.Options{MaxSeries: s.opts.metrics.series, Stats: stats}), "/metrics")
	if err != nil {
		return err
	}
	m.srv = srv
	go func() {
		if err := srv.Serve(m.ln); err != nil && !errors.Is(err, metrics.ErrServerClosed) {
			fmt.Fprintf(s.Stderr, "ERROR: --metrics: %v\n", err)
		}
	}()
	return nil
}

// close stops the server (and the listener when it never served),
// letting scrapes in progress finish for a moment.
func (m *metricsServer) close() {
	if m == nil {
		return
	}
	if m.srv == nil {
		m.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), metricsShutdownGrace)
	defer cancel()
	m.srv.Shutdown(ctx)
}
