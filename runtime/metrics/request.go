package metrics

import (
	"bufio"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// The server reads HTTP/1.0 and HTTP/1.1 requests (RFC 9112) and keeps
// of them what a scrape needs: the method, the target and a few header
// fields. It never reads a request's body: a request with one is answered
// and its connection closed.

// maxHeaderBytes bounds the request line and header fields of a request
// (431 beyond).
const maxHeaderBytes = 64 << 10

// request is a request read by the server.
type request struct {
	method string
	target string // as sent: origin form (/metrics?x) or absolute form
	minor  int    // HTTP/1.minor
	// accept, acceptEncoding and connection are the values of the
	// header fields of those names, in order.
	accept, acceptEncoding, connection []string
	hosts                              int  // Host fields
	body                               bool // Content-Length > 0 or Transfer-Encoding
}

// statusError is a request the server answers with an error status and
// closes the connection after.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

var (
	errBadRequest     = &statusError{400, "malformed request"}
	errHeaderTooLarge = &statusError{431, "request header fields too large"}
	errVersion        = &statusError{505, "HTTP version not supported"}
)

// readRequest reads a request line and its header fields from br. The
// error is a *statusError for a request to answer with an error, any
// other error when the connection failed or was closed before a whole
// request came.
func readRequest(br *bufio.Reader) (*request, error) {
	budget := maxHeaderBytes
	var line string
	for line == "" { // empty lines before the request line are ignored
		var err error
		if line, err = readLine(br, &budget); err != nil {
			return nil, err
		}
	}
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !isToken(method) || target == "" || strings.ContainsAny(target, " \t") {
		return nil, errBadRequest
	}
	req := &request{method: method, target: target}
	switch {
	case proto == "HTTP/1.1":
		req.minor = 1
	case proto == "HTTP/1.0":
	case strings.HasPrefix(proto, "HTTP/") && len(proto) == len("HTTP/x.y"):
		return nil, errVersion
	default:
		return nil, errBadRequest
	}
	for {
		line, err := readLine(br, &budget)
		if err != nil {
			return nil, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) { // also rejects obsolete line folding
			return nil, errBadRequest
		}
		value = strings.Trim(value, " \t")
		switch strings.ToLower(name) {
		case "accept":
			req.accept = append(req.accept, value)
		case "accept-encoding":
			req.acceptEncoding = append(req.acceptEncoding, value)
		case "connection":
			req.connection = append(req.connection, value)
		case "host":
			req.hosts++
		case "content-length":
			n, err := strconv.ParseUint(value, 10, 63)
			if err != nil {
				return nil, errBadRequest
			}
			req.body = req.body || n > 0
		case "transfer-encoding":
			req.body = true
		}
	}
	if (req.minor == 1 && req.hosts == 0) || req.hosts > 1 { // RFC 9112 3.2
		return nil, errBadRequest
	}
	return req, nil
}

// readLine reads one line of at most *budget bytes, which it takes from
// the budget, and returns it without its line ending (CRLF or LF).
func readLine(br *bufio.Reader, budget *int) (string, error) {
	var long []byte
	for {
		frag, err := br.ReadSlice('\n')
		if *budget -= len(frag); *budget < 0 {
			return "", errHeaderTooLarge
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, frag...)
			continue
		}
		if err != nil {
			return "", err
		}
		if long != nil {
			frag = append(long, frag...)
		}
		frag = frag[:len(frag)-1]
		if n := len(frag); n > 0 && frag[n-1] == '\r' {
			frag = frag[:n-1]
		}
		return string(frag), nil
	}
}

// isToken reports whether s is an HTTP token (a method or a field name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// keepAlive reports whether the connection may serve another request
// after this one: an HTTP/1.1 request without "Connection: close". An
// HTTP/1.0 connection serves one request.
func (r *request) keepAlive() bool {
	return r.minor == 1 && !hasToken(r.connection, "close")
}

// hasToken reports whether the comma-separated lists of values hold tok
// (case-insensitive).
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.Trim(part, " \t"), tok) {
				return true
			}
		}
	}
	return false
}

// pathQuery returns the decoded path and the raw query of the target.
func (r *request) pathQuery() (string, string, error) {
	t := r.target
	if !strings.HasPrefix(t, "/") { // absolute form: scheme://authority/path?query
		_, rest, ok := strings.Cut(t, "://")
		if !ok {
			return "", "", errBadRequest
		}
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			t = rest[i:]
		} else {
			t = "/"
		}
		if !strings.HasPrefix(t, "/") {
			t = "/" + t
		}
	}
	path, query, _ := strings.Cut(t, "?")
	path, err := url.PathUnescape(path)
	if err != nil {
		return "", "", errBadRequest
	}
	return path, query, nil
}
