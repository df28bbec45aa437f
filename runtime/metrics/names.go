package metrics

import (
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// kind is the Prometheus type a map is exported as.
type kind uint8

const (
	kindCounter kind = iota + 1
	kindGauge
	kindSummary
	kindHistogram
	kindInfo // a gauge of 1 with the value as a label
)

// mapKind is the metric type of a map with values of type t.
func mapKind(t types.Type) kind {
	switch t := t.(type) {
	case *types.Agg:
		switch t.Kind {
		case types.Count:
			return kindCounter
		case types.Stats:
			return kindSummary
		case types.Hist, types.LHist:
			return kindHistogram
		}
		return kindGauge
	case *types.Int:
		return kindGauge
	}
	return kindInfo
}

// names returns the metric family name of base for kind k and the
// sample names it uses (which no other family may use, in the text
// format or OpenMetrics, where a counter's family name has no _total).
func names(base string, k kind) (family string, samples []string) {
	switch k {
	case kindCounter:
		return base + "_total", []string{base, base + "_total"}
	case kindSummary:
		return base, []string{base, base + "_count", base + "_sum"}
	case kindHistogram:
		return base, []string{base, base + "_bucket", base + "_count", base + "_sum"}
	case kindInfo:
		return base + "_info", []string{base + "_info"}
	}
	return base, []string{base}
}

// metricName makes s a valid metric name: characters outside
// [a-zA-Z0-9_:] become '_', and a leading digit gets a '_' before it.
func metricName(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch == '_' || ch == ':' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			b[i] = '_'
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// normPrefix sanitizes a prefix and ends it with an underscore.
func normPrefix(p string) string {
	p = metricName(p)
	if p != "" && !strings.HasSuffix(p, "_") {
		p += "_"
	}
	return p
}

// mapBase is the base metric name of a map: the prefix and the name
// without '@' ("map" for the anonymous map).
func mapBase(prefix, name string) string {
	n := strings.TrimPrefix(name, "@")
	if n == "" {
		n = "map"
	}
	return metricName(prefix + n)
}

// namer hands out family names that share no sample name.
type namer struct{ taken map[string]bool }

func newNamer() *namer { return &namer{taken: map[string]bool{}} }

// reserve marks the sample names of a fixed family as taken.
func (n *namer) reserve(base string, k kind) {
	_, samples := names(base, k)
	for _, s := range samples {
		n.taken[s] = true
	}
}

// family returns the family name of a map with base name base and kind
// k: base itself, or base_2, base_3 … when one of its sample names is
// taken.
func (n *namer) family(base string, k kind) string {
	try := base
	for i := 2; ; i++ {
		family, samples := names(try, k)
		free := true
		for _, s := range samples {
			if n.taken[s] {
				free = false
				break
			}
		}
		if free {
			n.reserve(try, k)
			return family
		}
		try = base + "_" + strconv.Itoa(i)
	}
}

// reservedLabel is the label a metric type needs for itself.
var reservedLabel = [...]string{kindSummary: "quantile", kindHistogram: "le", kindInfo: "value"}

// labelNames returns the label names of a map of kind k with key type
// key: its key names where they are valid label names, unique and not
// the label the type needs itself, else keyN (N the component's index,
// with underscores appended until it is unique).
func labelNames(key types.Type, keyNames []string, k kind) []string {
	n := types.KeyComponents(key)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	used := map[string]bool{reservedLabel[k]: true}
	for i := range out {
		if i < len(keyNames) && validLabel(keyNames[i]) && !used[keyNames[i]] {
			out[i] = keyNames[i]
			used[out[i]] = true
		}
	}
	for i := range out {
		if out[i] != "" {
			continue
		}
		name := "key" + strconv.Itoa(i)
		for used[name] {
			name += "_"
		}
		out[i] = name
		used[name] = true
	}
	return out
}

// validLabel reports whether s is a label name the text format accepts
// and Prometheus does not reserve: [a-zA-Z_][a-zA-Z0-9_]*, not "__…".
func validLabel(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, ch := range []byte(s) {
		if !(ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || i > 0 && ch >= '0' && ch <= '9') {
			return false
		}
	}
	return true
}
