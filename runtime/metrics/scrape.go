package metrics

import (
	"compress/gzip"
	"io"
	"sync"
)

// expos are reused, with their buffers.
var expos = sync.Pool{New: func() any { return &expo{b: make([]byte, 0, flushSize+4<<10)} }}

// gzipWriters are reused: each holds the compressor's tables.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// writeScrape gathers c's metrics and writes them to w in format fm,
// gzip-compressed when gz is set; only the families named in only when
// only is not nil (promhttp's name[] filter). The metrics are gathered
// with the collector locked and written out after, so that a slow client
// does not hold up other scrapes. The error is the first write error.
func (c *Collector) writeScrape(w io.Writer, fm format, gz bool, only map[string]bool) error {
	fams := c.gather()
	out := w
	var zw *gzip.Writer
	if gz {
		zw = gzipWriters.Get().(*gzip.Writer)
		zw.Reset(w)
		defer func() {
			zw.Reset(nil)
			gzipWriters.Put(zw)
		}()
		out = zw
	}
	e := expos.Get().(*expo)
	e.w, e.err, e.b, e.fm = out, nil, e.b[:0], fm
	for _, f := range fams {
		if only == nil || only[f.name] {
			e.family(f)
		}
	}
	err := e.end()
	e.w = nil
	expos.Put(e)
	if zw != nil {
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
