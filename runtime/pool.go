//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/cilium/ebpf"

	"github.com/gobpftrace/gobpftrace/codegen"
)

// MapPool holds the user maps several loads share: the maps of an
// interactive session, which outlive the probes that fill them. Load with
// LoadOptions.Pool takes a user map from the pool when one of that name
// exists (its layout must match) and adds the maps it creates once the load
// succeeds. Every Loaded gets its own handle (a duplicate file descriptor),
// so closing a Loaded never closes a pooled map; Close releases the pool's.
type MapPool struct {
	mu   sync.Mutex
	maps map[string]*LoadedMap
}

// NewMapPool returns an empty pool.
func NewMapPool() *MapPool { return &MapPool{maps: map[string]*LoadedMap{}} }

// take returns a handle on the pooled map named def.Name, or nil when the
// pool has none. A map whose layout differs from def is an error.
func (p *MapPool) take(def *codegen.MapDef) (*LoadedMap, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	have, ok := p.maps[def.Name]
	if !ok {
		return nil, nil
	}
	if err := def.Spec.Compatible(have.Map); err != nil {
		return nil, fmt.Errorf("map %s already exists with another layout: %w", def.Name, err)
	}
	m, err := have.Map.Clone()
	if err != nil {
		return nil, err
	}
	return &LoadedMap{MapDef: have.MapDef, Map: m}, nil
}

// add pools duplicates of the given maps.
func (p *MapPool) add(maps []*LoadedMap) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, lm := range maps {
		m, err := lm.Map.Clone()
		if err != nil {
			return err
		}
		p.maps[lm.Name] = &LoadedMap{MapDef: lm.MapDef, Map: m}
	}
	return nil
}

// Names returns the names of the pooled maps, sorted.
func (p *MapPool) Names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(p.maps))
	for n := range p.maps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Def returns the definition of a pooled map.
func (p *MapPool) Def(name string) (*codegen.MapDef, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lm, ok := p.maps[name]
	if !ok {
		return nil, false
	}
	return lm.MapDef, true
}

// View returns a Loaded holding handles on every pooled map and no
// programs, for reading and printing the maps (its Object lists their
// definitions). Closing it leaves the pool intact.
func (p *MapPool) View(strLen int) (*Loaded, error) {
	ncpus, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("counting possible CPUs: %w", err)
	}
	l := &Loaded{Object: &codegen.Object{StrLen: strLen}, maps: map[string]*LoadedMap{}, ncpus: ncpus}
	for _, name := range p.Names() {
		p.mu.Lock()
		def := p.maps[name].MapDef
		p.mu.Unlock()
		lm, err := p.take(def)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.maps[name] = lm
		l.Object.Maps = append(l.Object.Maps, def)
	}
	return l, nil
}

// Close closes the pool's handles; maps still used by a Loaded live on
// until it is closed too.
func (p *MapPool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	for name, lm := range p.maps {
		err = errors.Join(err, lm.Map.Close())
		delete(p.maps, name)
	}
	return err
}
