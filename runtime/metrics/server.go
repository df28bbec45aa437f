package metrics

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"time"
)

// The server is a minimal HTTP/1.1 server written on package net: what
// Prometheus (or curl) needs to scrape a Collector and nothing more.
// net/http would link megabytes into the binary (HTTP/2, TLS, the
// client) and add their init work and memory to every run of the tracer,
// with or without --metrics.
//
// It serves GET and HEAD of its one path (405 for other methods, 404 for
// other paths), with the format and compression negotiated as promhttp
// does (negotiate.go) and promhttp's name[] filter. Connections are kept
// alive for HTTP/1.1 unless the client says "Connection: close"; requests
// may be pipelined. A request with a body, an HTTP/1.0 request and a
// malformed one (400, 431, 505) are answered and their connection
// closed.

// ErrServerClosed is what Serve returns after Shutdown.
var ErrServerClosed = errors.New("metrics server closed")

// Timeouts of a connection.
const (
	// idleTimeout bounds the wait for the next request of a connection.
	idleTimeout = 5 * time.Minute
	// readHeaderTimeout bounds the reading of a request once it started.
	readHeaderTimeout = 10 * time.Second
	// writeTimeout bounds the writing of a response.
	writeTimeout = time.Minute
)

// Server serves a Collector's metrics over HTTP/1.1.
type Server struct {
	c    *Collector
	path string

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool // true while waiting for a request
	closed bool
	wg     sync.WaitGroup // connections being served
}

// NewServer returns a Server of c's metrics at path (such as "/metrics").
// The only error is a nil c.
func NewServer(c *Collector, path string) (*Server, error) {
	if c == nil {
		return nil, errors.New("metrics server of a nil collector")
	}
	return &Server{c: c, path: path, conns: map[net.Conn]bool{}}, nil
}

// Serve accepts connections on ln and serves each in its own goroutine
// until Shutdown, when it returns ErrServerClosed; it closes ln. Other
// errors are those of ln.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors, say: wait, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if !s.track(c, true) {
			c.Close()
			continue
		}
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// track records c as waiting for a request (idle) or serving one. It
// returns false when the server is shut down and c must close instead.
func (s *Server) track(c net.Conn, idle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = idle
	return true
}

// Shutdown stops the server: it closes the listener and the idle
// connections, and waits for the requests being served to be answered
// until ctx is done, when it closes their connections and returns
// ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c, idle := range s.conns {
		if idle {
			c.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

// serveConn serves the requests of c until it closes, the client asks
// for that, or the server is shut down.
func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	for {
		c.SetReadDeadline(time.Now().Add(idleTimeout))
		if _, err := br.Peek(1); err != nil || !s.track(c, false) {
			return
		}
		c.SetReadDeadline(time.Now().Add(readHeaderTimeout))
		req, err := readRequest(br)
		c.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err != nil {
			var se *statusError
			if errors.As(err, &se) && writeError(bw, se.status, se.msg+"\n", true, nil) == nil {
				closeLingering(c)
			}
			return
		}
		c.SetReadDeadline(time.Time{})
		keep := req.keepAlive() && !req.body
		err = s.respond(bw, req, !keep)
		if err == nil && req.body {
			closeLingering(c)
		}
		if err != nil || !keep || !s.track(c, true) {
			return
		}
	}
}

// lingerTimeout bounds the wait of closeLingering.
const lingerTimeout = time.Second

// closeLingering ends c's writing side after a response to a request not
// read whole (an error, a body), then reads and drops what the client
// still sends until it closes, for a moment at most: closing a socket
// with unread data resets the connection, which can destroy the response
// before the client reads it.
func closeLingering(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, io.LimitReader(c, 1<<20))
}

// respond answers req; close says the connection closes after it.
func (s *Server) respond(bw *bufio.Writer, req *request, close bool) error {
	path, query, err := req.pathQuery()
	switch {
	case err != nil:
		return writeError(bw, 400, "malformed request target\n", close, nil)
	case path != s.path:
		return writeError(bw, 404, "404 page not found\n", close, nil)
	case req.method != "GET" && req.method != "HEAD":
		return writeError(bw, 405, "Method Not Allowed\n", close, func(r *response) { r.header("Allow", "GET, HEAD") })
	}
	fm, ctype := negotiate(req.accept)
	gz := wantsGzip(req.acceptEncoding)
	r := newResponse(bw, 200, close)
	r.header("Content-Type", ctype)
	r.header("Vary", "Accept")
	r.header("Vary", "Accept-Encoding")
	if gz {
		r.header("Content-Encoding", "gzip")
	}
	if req.method == "HEAD" {
		return r.finish(true)
	}
	var only map[string]bool
	if q, _ := url.ParseQuery(query); len(q["name[]"]) > 0 {
		only = map[string]bool{}
		for _, n := range q["name[]"] {
			only[n] = true
		}
	}
	if err := s.c.writeScrape(r, fm, gz, only); err != nil {
		return err
	}
	return r.finish(false)
}

// writeError answers with status and a plain text body, with the header
// fields that more adds (nil: none); close says the connection closes
// after it.
func writeError(bw *bufio.Writer, status int, body string, close bool, more func(*response)) error {
	r := newResponse(bw, status, close)
	r.header("Content-Type", "text/plain; charset=utf-8")
	r.header("X-Content-Type-Options", "nosniff")
	if more != nil {
		more(r)
	}
	r.Write([]byte(body))
	return r.finish(false)
}
