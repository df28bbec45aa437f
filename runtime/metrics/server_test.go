package metrics

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// dialServer serves a collector of src and returns the address of its
// listener.
func dialServer(t *testing.T, src Source) string {
	t.Helper()
	url := handler(t, src, nil)
	return strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/metrics")
}

// rawConn is a connection to the server on which a test writes requests
// as bytes and reads the responses with net/http's parser.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes raw request bytes.
func (r *rawConn) send(raw string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, raw); err != nil {
		r.t.Fatal(err)
	}
}

// read reads one response to a request of method and its body.
func (r *rawConn) read(method string) (*http.Response, string) {
	r.t.Helper()
	res, err := http.ReadResponse(r.br, &http.Request{Method: method})
	if err != nil {
		r.t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatalf("reading the body: %v", err)
	}
	return res, string(body)
}

// closed reports whether the server closed the connection (with nothing
// more to read).
func (r *rawConn) closed() bool {
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := r.br.ReadByte()
	return errors.Is(err, io.EOF)
}

// checkClosed checks that the server closed the connection when close is
// set, and otherwise that it answers another request on it.
func (r *rawConn) checkClosed(close bool) {
	r.t.Helper()
	if close {
		if !r.closed() {
			r.t.Errorf("connection not closed")
		}
		return
	}
	r.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	if res, _ := r.read("GET"); res.StatusCode != 200 {
		r.t.Errorf("next request on the connection: status %d", res.StatusCode)
	}
}

func TestServerKeepAliveAndPipelining(t *testing.T) {
	want, _ := scrape(t, handler(t, everyKind(), nil), "")
	r := dialRaw(t, dialServer(t, everyKind()))
	// Two requests in one write, then a third: three responses in order
	// on one connection.
	r.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	res, body := r.read("GET")
	if res.StatusCode != 200 || body != want || res.ContentLength != int64(len(want)) || res.Close {
		t.Errorf("GET: status %d, length %d, close %v, body\n%s", res.StatusCode, res.ContentLength, res.Close, body)
	}
	if got := res.Header.Get("Date"); got == "" {
		t.Errorf("no Date")
	}
	res, body = r.read("HEAD")
	if res.StatusCode != 200 || body != "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("HEAD: status %d, headers %v, body %q", res.StatusCode, res.Header, body)
	}
	r.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	res, body = r.read("GET")
	if res.StatusCode != 200 || body != want || !res.Close {
		t.Errorf("GET with Connection: close: status %d, close %v", res.StatusCode, res.Close)
	}
	if !r.closed() {
		t.Errorf("connection still open after Connection: close")
	}
}

func TestServerErrors(t *testing.T) {
	addr := dialServer(t, everyKind())
	for _, tc := range []struct {
		name, req string
		status    int
		close     bool
		header    string // a header field the response must have
	}{
		{"other path", "GET /other HTTP/1.1\r\nHost: x\r\n\r\n", 404, false, ""},
		{"subpath", "GET /metrics/x HTTP/1.1\r\nHost: x\r\n\r\n", 404, false, ""},
		{"POST", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405, false, "Allow: GET, HEAD"},
		{"DELETE", "DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405, false, "Allow: GET, HEAD"},
		{"no Host", "GET /metrics HTTP/1.1\r\n\r\n", 400, true, ""},
		{"two Hosts", "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true, ""},
		{"garbage", "hello\r\n\r\n", 400, true, ""},
		{"bad field", "GET /metrics HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400, true, ""},
		{"folded field", "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: a,\r\n b\r\n\r\n", 400, true, ""},
		{"bad length", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, true, ""},
		{"HTTP/2", "GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505, true, ""},
		{"bad escape", "GET /metr%zzics HTTP/1.1\r\nHost: x\r\n\r\n", 400, false, ""},
		{"too large", "GET /metrics HTTP/1.1\r\nHost: x\r\nCookie: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\n", 431, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, addr)
			r.send(tc.req)
			res, _ := r.read("GET")
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.header != "" {
				name, value, _ := strings.Cut(tc.header, ": ")
				if got := res.Header.Get(name); got != value {
					t.Errorf("%s: %q, want %q", name, got, value)
				}
			}
			r.checkClosed(tc.close)
		})
	}
}

func TestServerRequestForms(t *testing.T) {
	want, _ := scrape(t, handler(t, everyKind(), nil), "")
	addr := dialServer(t, everyKind())
	for _, tc := range []struct {
		name, req string
		close     bool
	}{
		// An HTTP/1.0 request is answered, then its connection closed.
		{"HTTP/1.0", "GET /metrics HTTP/1.0\r\n\r\n", true},
		{"bare LF", "GET /metrics HTTP/1.1\nHost: x\n\n", false},
		{"empty lines first", "\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"absolute form", "GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"escaped path", "GET /%6detrics HTTP/1.1\r\nHost: x\r\n\r\n", false},
		// A body is not read: the connection closes after the response.
		{"body", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", true},
		{"chunked body", "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", true},
		{"case of fields", "GET /metrics HTTP/1.1\r\nhOsT: x\r\nCONNECTION: Close\r\n\r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, addr)
			r.send(tc.req)
			res, body := r.read("GET")
			if res.StatusCode != 200 || body != want {
				t.Fatalf("status %d, body\n%s", res.StatusCode, body)
			}
			r.checkClosed(tc.close)
		})
	}
}

func TestServerLargeScrapeChunked(t *testing.T) {
	// A scrape longer than the body buffer streams in chunks, and gzip
	// over chunks still gives the same text.
	url := handler(t, benchSource(5000, false), nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/metrics")
	want, _ := scrape(t, url, "")
	if len(want) <= bodyBufSize {
		t.Fatalf("scrape of %d bytes fits in the buffer", len(want))
	}
	r := dialRaw(t, addr)
	r.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	res, body := r.read("GET")
	if body != want || res.ContentLength != -1 || len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
		t.Errorf("length %d, transfer encoding %q, body of %d bytes (want %d)", res.ContentLength, res.TransferEncoding, len(body), len(want))
	}
	// Still usable after a chunked response; HTTP/1.0 gets the body
	// delimited by the end of the connection.
	r.send("GET /metrics HTTP/1.0\r\n\r\n")
	if res, body = r.read("GET"); body != want || !res.Close {
		t.Errorf("HTTP/1.0: close %v, body of %d bytes (want %d)", res.Close, len(body), len(want))
	}
}

func TestServerShutdown(t *testing.T) {
	srv, addr, served := startServer(t, NewCollector(everyKind(), DefaultPrefix, nil))
	idle := dialRaw(t, addr)
	idle.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	idle.read("GET")
	// A request whose header is still coming is waited for.
	busy := dialRaw(t, addr)
	busy.send("GET /metrics HTTP/1.1\r\n")
	time.Sleep(50 * time.Millisecond) // the server reads the first line
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	if !idle.closed() {
		t.Errorf("idle connection not closed by Shutdown")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the request in progress was answered", err)
	case <-time.After(100 * time.Millisecond):
	}
	busy.send("Host: x\r\n\r\n")
	if res, _ := busy.read("GET"); res.StatusCode != 200 || !busy.closed() {
		t.Errorf("request in progress: status %d", res.StatusCode)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; err != ErrServerClosed {
		t.Errorf("Serve: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Errorf("listener still open")
	}
	// Shutdown before Serve: Serve closes the listener and returns.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln2); err != ErrServerClosed {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

func TestServerShutdownDeadline(t *testing.T) {
	// A client that never ends its request is cut off when the context
	// of Shutdown ends.
	srv, addr, _ := startServer(t, NewCollector(everyKind(), DefaultPrefix, nil))
	r := dialRaw(t, addr)
	r.send("GET /metrics HTTP/1.1\r\n")
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v", err)
	}
	if !r.closed() {
		t.Errorf("connection not closed at the deadline")
	}
}

func TestNewServerNilCollector(t *testing.T) {
	if _, err := NewServer(nil, "/metrics"); err == nil {
		t.Error("no error")
	}
}
