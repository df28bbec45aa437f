//go:build linux

package runtime

import "sync/atomic"

// Progress counts how far a long operation on many probes has got
// (attaching or detaching hundreds of tracepoints takes seconds), for a
// front end to report while it runs. It is safe for concurrent use.
type Progress struct{ done, total atomic.Int64 }

// Counts returns how many items are done out of how many.
func (p *Progress) Counts() (done, total int) { return int(p.done.Load()), int(p.total.Load()) }

func (p *Progress) start(total int) { p.done.Store(0); p.total.Store(int64(total)) }
func (p *Progress) step()           { p.done.Add(1) }
