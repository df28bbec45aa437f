package metrics

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Content negotiation of a scrape, as promhttp does it: the exposition
// format from the Accept header, compression from Accept-Encoding.

// Content types of the formats served, without the escaping parameter.
const (
	contentTypeText          = "text/plain; version=0.0.4; charset=utf-8"
	contentTypeOpenMetrics   = "application/openmetrics-text; version=1.0.0; charset=utf-8"
	contentTypeOpenMetrics01 = "application/openmetrics-text; version=0.0.1; charset=utf-8"
)

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
