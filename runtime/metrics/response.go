package metrics

import (
	"bufio"
	"strconv"
	"sync"
	"time"
)

// response writes one HTTP/1.1 response: the status line and header
// fields, then the body, with a Content-Length when the whole body fits
// in its buffer, in chunks otherwise (or, when the connection closes
// after the response, delimited by its end).
type response struct {
	w       *bufio.Writer
	head    []byte // status line and fields, without the final CRLF
	body    []byte // the body while it fits, nil once streaming
	close   bool   // the connection closes after this response
	started bool   // the head was written
	err     error  // the first write error
}

// bodyBufSize is the body size up to which a response has a
// Content-Length (a scrape of a few maps).
const bodyBufSize = 64 << 10

// bodyBufs are reused response bodies.
var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, bodyBufSize); return &b }}

// statusTexts are the reason phrases of the statuses the server sends.
var statusTexts = map[int]string{
	200: "OK",
	400: "Bad Request",
	404: "Not Found",
	405: "Method Not Allowed",
	431: "Request Header Fields Too Large",
	505: "HTTP Version Not Supported",
}

// newResponse starts a response of status: the status line, Date and,
// when close, Connection: close.
func newResponse(w *bufio.Writer, status int, close bool) *response {
	r := &response{w: w, close: close}
	r.head = append(r.head, "HTTP/1.1 "...)
	r.head = strconv.AppendInt(r.head, int64(status), 10)
	r.head = append(r.head, ' ')
	r.head = append(r.head, statusTexts[status]...)
	r.head = append(r.head, "\r\nDate: "...)
	r.head = time.Now().UTC().AppendFormat(r.head, "Mon, 02 Jan 2006 15:04:05 GMT")
	r.head = append(r.head, "\r\n"...)
	if close {
		r.header("Connection", "close")
	}
	return r
}

// header adds a header field; only before the body.
func (r *response) header(name, value string) {
	r.head = append(r.head, name...)
	r.head = append(r.head, ": "...)
	r.head = append(r.head, value...)
	r.head = append(r.head, "\r\n"...)
}

// Write writes p to the body.
func (r *response) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if !r.started {
		if r.body == nil {
			r.body = (*bodyBufs.Get().(*[]byte))[:0]
		}
		if len(r.body)+len(p) <= bodyBufSize {
			r.body = append(r.body, p...)
			return len(p), nil
		}
		// Too long for a Content-Length: stream what is held, then p.
		if !r.close {
			r.header("Transfer-Encoding", "chunked")
		}
		r.writeHead()
		r.writeBody(r.body)
		r.release()
	}
	r.writeBody(p)
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

// finish ends the response and writes it out. headOnly is for the
// response to a HEAD request: the head alone, without Content-Length (its
// body, not generated, would have had one only if short enough).
func (r *response) finish(headOnly bool) error {
	if !r.started {
		if !headOnly {
			r.header("Content-Length", strconv.Itoa(len(r.body)))
		}
		r.writeHead()
		if !headOnly {
			r.write(r.body)
		}
		r.release()
	} else if !r.close {
		r.write([]byte("0\r\n\r\n"))
	}
	if err := r.w.Flush(); r.err == nil {
		r.err = err
	}
	return r.err
}

// writeHead writes the head and the blank line that ends it.
func (r *response) writeHead() {
	r.started = true
	r.write(append(r.head, "\r\n"...))
}

// writeBody writes p after the head: as a chunk unless the connection
// closes after the response.
func (r *response) writeBody(p []byte) {
	if len(p) == 0 {
		return
	}
	if r.close {
		r.write(p)
		return
	}
	var size [20]byte
	r.write(append(strconv.AppendUint(size[:0], uint64(len(p)), 16), '\r', '\n'))
	r.write(p)
	r.write([]byte("\r\n"))
}

// write writes p to the connection's buffer, keeping the first error.
func (r *response) write(p []byte) {
	if r.err == nil {
		_, r.err = r.w.Write(p)
	}
}

// release returns the body buffer to the pool.
func (r *response) release() {
	if r.body != nil {
		b := r.body[:0]
		bodyBufs.Put(&b)
		r.body = nil
	}
}
