package metrics

import (
	"testing"

	"github.com/gobpftrace/gobpftrace/runtime/output"
)

// flagLock is a sync.Locker that records whether it is held.
type flagLock struct{ held bool }

func (f *flagLock) Lock()   { f.held = true }
func (f *flagLock) Unlock() { f.held = false }

// heldResolver checks that every call happens with its lock held.
type heldResolver struct {
	t     *testing.T
	lock  *flagLock
	calls int
}

func (h *heldResolver) check() {
	h.calls++
	if !h.lock.held {
		h.t.Error("resolver called without the lock")
	}
}
func (h *heldResolver) ProbeName(uint64) string { h.check(); return "p" }
func (h *heldResolver) AppendStrftime(dst []byte, _, _ uint64) []byte {
	h.check()
	return dst
}
func (h *heldResolver) KernelSymbol(uint64) string                { h.check(); return "" }
func (h *heldResolver) UserSymbol(_, _ uint64) string             { h.check(); return "" }
func (h *heldResolver) Stack(bool, uint64, uint64) []output.Frame { h.check(); return nil }
func (h *heldResolver) CgroupPath(uint64, string) string          { h.check(); return "" }

type heldBuildIDResolver struct{ *heldResolver }

func (h heldBuildIDResolver) BuildIDStack(uint64) []output.BuildIDFrame { h.check(); return nil }

func TestLockedResolver(t *testing.T) {
	lock := &flagLock{}
	inner := &heldResolver{t: t, lock: lock}
	r := LockedResolver(inner, lock)
	r.ProbeName(1)
	r.AppendStrftime(nil, 0, 0)
	r.KernelSymbol(1)
	r.UserSymbol(1, 2)
	r.Stack(true, 1, 2)
	r.CgroupPath(1, "")
	if _, ok := r.(output.BuildIDResolver); ok {
		t.Error("BuildIDResolver without an inner one")
	}
	if lock.held || inner.calls != 6 {
		t.Errorf("held %v after the calls, %d calls", lock.held, inner.calls)
	}
	b, ok := LockedResolver(heldBuildIDResolver{inner}, lock).(output.BuildIDResolver)
	if !ok {
		t.Fatal("no BuildIDResolver around one")
	}
	b.BuildIDStack(1)
	if inner.calls != 7 || lock.held {
		t.Errorf("BuildIDStack: %d calls, held %v", inner.calls, lock.held)
	}
	if LockedResolver(nil, lock) != nil {
		t.Error("nil resolver wrapped")
	}
}
