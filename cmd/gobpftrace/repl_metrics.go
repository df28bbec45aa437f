package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/runtime"
	"github.com/gobpftrace/gobpftrace/runtime/metrics"
	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// :metrics ADDR serves the interactive session's maps to Prometheus, as
// --metrics does for a script. The session's maps outlive the probe
// units that created them and are retyped as units come and go, so each
// scrape reads them through a fresh view of the map pool (poolSource):
// a map added by a new unit appears at the next scrape, and one whose
// type changed is counted as an error rather than exported wrongly.

// poolSource is the metrics.Source of an interactive session.
type poolSource struct {
	pool *runtime.MapPool
	mu   sync.Mutex
	view *runtime.Loaded // the current scrape's
}

// Maps implements metrics.Source: a new view of the pool for this scrape.
func (s *poolSource) Maps() []metrics.MapInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view != nil {
		s.view.Close()
		s.view = nil
	}
	view, err := s.pool.View(strLen())
	if err != nil {
		return nil
	}
	s.view = view
	var out []metrics.MapInfo
	for _, def := range view.Object.Maps {
		if !def.Internal {
			out = append(out, metrics.MapInfo{Name: def.Name, Key: def.Key, Value: def.Value, KeyNames: def.KeyNames})
		}
	}
	return out
}

// ReadMap implements metrics.Source.
func (s *poolSource) ReadMap(name string) (*output.Map, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == nil {
		return nil, errors.New("the session's maps cannot be read")
	}
	return s.view.OutputMap(name)
}

// Resolver implements metrics.Source.
func (s *poolSource) Resolver() output.Resolver {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == nil {
		return nil
	}
	return newResolver(s.view)
}

// close releases the last view.
func (s *poolSource) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view != nil {
		s.view.Close()
		s.view = nil
	}
}

// replMetrics is the session's metrics server.
type replMetrics struct {
	addr string
	srv  *metricsServer
	src  *poolSource
}

// cmdMetrics runs ":metrics ADDR" (serve), ":metrics off" (stop) and
// ":metrics" (say where it serves).
func (r *repl) cmdMetrics(arg string) {
	arg = strings.TrimSpace(arg)
	switch {
	case arg == "" && r.metrics == nil:
		fmt.Fprintln(r.errw, "metrics are not served (:metrics ADDR serves them)")
	case arg == "":
		fmt.Fprintf(r.errw, "metrics at http://%s/metrics\n", r.metrics.addr)
	case arg == "off":
		r.stopMetrics()
	case r.metrics != nil:
		fmt.Fprintf(r.errw, "ERROR: metrics are already served at %s (:metrics off first)\n", r.metrics.addr)
	default:
		ln, err := net.Listen("tcp", arg)
		if err != nil {
			fmt.Fprintf(r.errw, "ERROR: :metrics %s: %v\n", arg, err)
			return
		}
		src := &poolSource{pool: r.pool}
		ms := &metricsServer{ln: ln}
		if err := ms.serveSource(r.s, src, nil); err != nil {
			ln.Close()
			fmt.Fprintf(r.errw, "ERROR: %v\n", err)
			return
		}
		r.metrics = &replMetrics{addr: ln.Addr().String(), srv: ms, src: src}
		fmt.Fprintf(r.errw, "metrics at http://%s/metrics\n", r.metrics.addr)
	}
}

// stopMetrics stops serving the metrics, if they are.
func (r *repl) stopMetrics() {
	if r.metrics == nil {
		return
	}
	r.metrics.srv.close()
	r.metrics.src.close()
	r.metrics = nil
}
