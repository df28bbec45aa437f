package metrics

import (
	"sync"

	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// LockedResolver returns a Resolver that calls r with mu held, for a
// Source whose resolver is also used by the event printer (which holds
// mu while it prints): symbol and stack caches are then never used from
// two goroutines at once. The result is an output.BuildIDResolver when r
// is one. A nil r gives nil.
func LockedResolver(r output.Resolver, mu sync.Locker) output.Resolver {
	if r == nil {
		return nil
	}
	l := &lockedResolver{r: r, mu: mu}
	if b, ok := r.(output.BuildIDResolver); ok {
		return &lockedBuildIDResolver{lockedResolver: l, b: b}
	}
	return l
}

type lockedResolver struct {
	r  output.Resolver
	mu sync.Locker
}

func (l *lockedResolver) ProbeName(id uint64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.ProbeName(id)
}

func (l *lockedResolver) AppendStrftime(dst []byte, fmtID, ns uint64) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.AppendStrftime(dst, fmtID, ns)
}

func (l *lockedResolver) KernelSymbol(addr uint64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.KernelSymbol(addr)
}

func (l *lockedResolver) UserSymbol(pid, addr uint64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.UserSymbol(pid, addr)
}

func (l *lockedResolver) Stack(user bool, stackID, pid uint64) []output.Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Stack(user, stackID, pid)
}

func (l *lockedResolver) CgroupPath(id uint64, filter string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.CgroupPath(id, filter)
}

type lockedBuildIDResolver struct {
	*lockedResolver
	b output.BuildIDResolver
}

func (l *lockedBuildIDResolver) BuildIDStack(stackID uint64) []output.BuildIDFrame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.BuildIDStack(stackID)
}
