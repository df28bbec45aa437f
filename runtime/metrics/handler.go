package metrics

import (
	"cmp"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Content types of the formats served, without the escaping parameter.
const (
	contentTypeText          = "text/plain; version=0.0.4; charset=utf-8"
	contentTypeOpenMetrics   = "application/openmetrics-text; version=1.0.0; charset=utf-8"
	contentTypeOpenMetrics01 = "application/openmetrics-text; version=0.0.1; charset=utf-8"
)

// Handler returns an http.Handler that serves c's metrics as promhttp
// would serve a registry holding them (with OpenMetrics enabled): in
// OpenMetrics when the Accept header asks for it (version 1.0.0, or
// 0.0.1, which is written the same), in the text format otherwise (also
// to a scraper that only asks for protobuf, which is not offered), gzip
// compressed when Accept-Encoding prefers it to no compression. The
// metrics of a map that cannot be read are left out of a scrape rather
// than failing it. The only error is a nil c.
func Handler(c *Collector) (http.Handler, error) {
	if c == nil {
		return nil, errors.New("metrics handler of a nil collector")
	}
	return &httpHandler{c: c}, nil
}

type httpHandler struct{ c *Collector }

// expos are reused, with their buffers.
var expos = sync.Pool{New: func() any { return &expo{b: make([]byte, 0, flushSize+4<<10)} }}

// gzipWriters are reused: each holds the compressor's tables.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// ServeHTTP implements http.Handler. The metrics are gathered with the
// collector locked and written out after, so that a slow client does not
// hold up other scrapes.
func (h *httpHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	fm, ctype := negotiate(req.Header.Values("Accept"))
	fams := h.c.gather()
	var only map[string]bool // promhttp's name[] filter
	if req.URL != nil {
		if names := req.URL.Query()["name[]"]; len(names) > 0 {
			only = make(map[string]bool, len(names))
			for _, n := range names {
				only[n] = true
			}
		}
	}
	hdr := w.Header()
	hdr.Add("Vary", "Accept")
	hdr.Add("Vary", "Accept-Encoding")
	hdr.Set("Content-Type", ctype)
	var out io.Writer = w
	if wantsGzip(req.Header.Values("Accept-Encoding")) {
		hdr.Set("Content-Encoding", "gzip")
		gz := gzipWriters.Get().(*gzip.Writer)
		gz.Reset(w)
		defer func() {
			_ = gz.Close()
			gz.Reset(nil)
			gzipWriters.Put(gz)
		}()
		out = gz
	}
	e := expos.Get().(*expo)
	e.w, e.err, e.b, e.fm = out, nil, e.b[:0], fm
	for _, f := range fams {
		if only == nil || only[f.name] {
			e.family(f)
		}
	}
	_ = e.end() // the client went away: nothing to tell it
	e.w = nil
	expos.Put(e)
}

// negotiate chooses the format of a response from the request's Accept
// header values, as expfmt.NegotiateAccept does with the formats
// OpenMetrics 1.0.0, OpenMetrics 0.0.1 and text: the first of the
// clauses, by decreasing quality, that one of them matches (type,
// subtype and version, charset aside), else text. The content type names
// the escaping scheme of metric names: the escaping parameter last seen
// among the clauses considered, underscores by default (the names
// written are valid in every scheme, so it changes nothing else).
func negotiate(accept []string) (format, string) {
	escaping := "underscores"
	for _, a := range parseAccept(strings.Join(accept, ",")) {
		switch v := a.params["escaping"]; v {
		case "allow-utf-8", "underscores", "dots", "values":
			escaping = v
		}
		version, hasVersion := a.params["version"]
		if a.matches("application", "openmetrics-text") {
			if !hasVersion && a.typ == "application" && a.sub == "openmetrics-text" {
				version = "0.0.1"
			}
			switch version {
			case "1.0.0":
				return formatOpenMetrics, contentTypeOpenMetrics + "; escaping=" + escaping
			case "0.0.1":
				return formatOpenMetrics, contentTypeOpenMetrics01 + "; escaping=" + escaping
			}
		}
		if a.matches("text", "plain") {
			if !hasVersion && a.typ == "text" && a.sub == "plain" {
				version = "0.0.4"
			}
			if version == "0.0.4" {
				return formatText, contentTypeText + "; escaping=" + escaping
			}
		}
	}
	return formatText, contentTypeText + "; escaping=" + escaping
}

// acceptClause is one media range of an Accept header.
type acceptClause struct {
	typ, sub string
	q        float64
	params   map[string]string
}

// matches reports whether the media range covers typ/sub.
func (a *acceptClause) matches(typ, sub string) bool {
	return (a.typ == "*" || a.typ == typ) && (a.sub == "*" || a.sub == sub)
}

// parseAccept returns the media ranges of an Accept header, by
// decreasing quality, then specific types before wildcards; malformed
// ranges are left out.
func parseAccept(h string) []acceptClause {
	var out []acceptClause
	for part := range strings.SplitSeq(h, ",") {
		fields := strings.Split(part, ";")
		mt := strings.TrimSpace(fields[0])
		a := acceptClause{q: 1}
		if mt == "*" {
			a.typ, a.sub = "*", "*"
		} else {
			typ, sub, ok := strings.Cut(mt, "/")
			if !ok || strings.Contains(sub, "/") {
				continue
			}
			a.typ, a.sub = strings.TrimSpace(typ), strings.TrimSpace(sub)
		}
		for _, p := range fields[1:] {
			k, v, ok := strings.Cut(p, "=")
			if !ok || strings.Contains(v, "=") {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "q" {
				a.q, _ = strconv.ParseFloat(v, 64)
				continue
			}
			if a.params == nil {
				a.params = map[string]string{}
			}
			a.params[k] = v
		}
		out = append(out, a)
	}
	rank := func(a *acceptClause) int {
		n := 0
		if a.typ == "*" {
			n += 2
		}
		if a.sub == "*" {
			n++
		}
		return n
	}
	slices.SortStableFunc(out, func(a, b acceptClause) int {
		if a.q != b.q {
			return cmp.Compare(b.q, a.q)
		}
		return rank(&a) - rank(&b)
	})
	return out
}

// wantsGzip reports whether the Accept-Encoding header values prefer gzip
// to no compression, as promhttp decides: gzip when its quality (or that
// of "*") is higher than that of identity, and not 0.
func wantsGzip(values []string) bool {
	identity, gz := -1.0, -1.0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			if params = strings.TrimSpace(params); params != "" {
				qs, ok := strings.CutPrefix(params, "q=")
				if !ok {
					continue
				}
				var err error
				if q, err = strconv.ParseFloat(strings.TrimSpace(qs), 64); err != nil || q < 0 {
					continue
				}
			}
			switch strings.TrimSpace(coding) {
			case "identity":
				identity = max(identity, q)
			case "gzip":
				gz = max(gz, q)
			case "*":
				identity, gz = max(identity, q), max(gz, q)
			}
		}
	}
	return gz > identity && gz > 0
}
