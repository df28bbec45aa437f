package main

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// hook is a tracepoint and the name of the program attached to it.
type hook struct {
	group, name string
	prog        string
}

// probes are a mode's loaded maps and programs and the links attaching
// them.
type probes struct {
	coll  *ebpf.Collection
	links []link.Link
}

// load creates the maps and programs of spec and attaches each hook. On
// error nothing stays loaded or attached.
func load(spec *ebpf.CollectionSpec, hooks []hook) (*probes, error) {
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	p := &probes{coll: coll}
	for _, h := range hooks {
		l, err := link.Tracepoint(h.group, h.name, coll.Programs[h.prog], nil)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("attaching tracepoint:%s:%s: %w", h.group, h.name, err)
		}
		p.links = append(p.links, l)
	}
	return p, nil
}

// withProbes loads spec, attaches hooks and runs fn; then, whatever fn
// returned, detaches and closes everything.
func withProbes(spec *ebpf.CollectionSpec, hooks []hook, fn func(*probes) error) error {
	p, err := load(spec, hooks)
	if err != nil {
		return err
	}
	return errors.Join(fn(p), p.close())
}

// close detaches every link at once (each close of a perf tracepoint
// waits for the kernel's grace periods, so together they take about as
// long as one), then closes the maps and programs.
func (p *probes) close() error {
	errs := make([]error, len(p.links))
	var wg sync.WaitGroup
	for i, l := range p.links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Close()
		}()
	}
	wg.Wait()
	p.coll.Close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("detaching: %w", err)
	}
	return nil
}

// notifyAttached calls the test hook of o, if any.
func (o options) notifyAttached() {
	if o.attached != nil {
		o.attached()
	}
}
