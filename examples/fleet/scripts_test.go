package fleet

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/check"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/host/hosttest"
	"github.com/gobpftrace/gobpftrace/lang/parser"
	"github.com/gobpftrace/gobpftrace/lang/types"
)

// metricPrefix is the default of --metrics-prefix, which the DaemonSet
// keeps.
const metricPrefix = "gobpftrace_"

// compiled is a script run through gobpftrace's front end.
type compiled struct {
	prog *ast.Program
	info *check.Info
	obj  *codegen.Object
}

// compileScript parses, checks and compiles a script as the command does,
// against the fixture host (tracepoint layouts of hosttest, so neither
// root nor tracefs is needed). It returns nil and every rendered
// diagnostic after errors, and the diagnostics (warnings) otherwise.
func compileScript(name, text string) (*compiled, string) {
	src := diag.NewSource(name, text)
	prog, diags := parser.Parse(src)
	if diags.HasErrors() {
		return nil, src.Render(diags)
	}
	info, cdiags := check.Check(src, prog, &check.Config{Host: hosttest.New()})
	diags.Items = append(diags.Items, cdiags.Items...)
	if diags.HasErrors() {
		return nil, src.Render(diags)
	}
	obj, gdiags := codegen.Compile(info, &codegen.Options{Source: src})
	diags.Items = append(diags.Items, gdiags.Items...)
	rendered := ""
	if len(diags.Items) > 0 {
		rendered = src.Render(diags)
	}
	if gdiags.HasErrors() {
		return nil, rendered
	}
	return &compiled{prog: prog, info: info, obj: obj}, rendered
}

// family is one metric family a map is served as.
type family struct {
	// names are the sample names: NAME_total of a counter, NAME of a
	// gauge, NAME_bucket, NAME_sum and NAME_count of a histogram.
	names []string
	// labels are the map's key labels, le of a histogram's buckets aside.
	labels []string
}

// metricFamilies returns the metric families of a compiled script's maps
// under --metrics: a map @NAME is the family PREFIX NAME; count() is a
// counter, sum, min, max and avg gauges, hist a histogram; the keys are
// labels named after their key expressions. A map of another value, an
// anonymous map, or a key that is not an identifier (comm, pid, …) fails
// the test: the deployed scripts keep to what has an obvious metric.
func metricFamilies(t *testing.T, script string, c *compiled) map[string]family {
	t.Helper()
	out := map[string]family{}
	for _, name := range c.info.MapNames {
		agg, ok := c.info.Maps[name].Value.(*types.Agg)
		if !ok || name == "@" {
			t.Errorf("%s: map %s (%v) is not a named aggregation", script, name, c.info.Maps[name].Value)
			continue
		}
		base := metricPrefix + strings.TrimPrefix(name, "@")
		var f family
		switch agg.Kind {
		case types.Count:
			f.names = []string{base + "_total"}
		case types.Sum, types.Min, types.Max, types.Avg:
			f.names = []string{base}
		case types.Hist:
			f.names = []string{base + "_bucket", base + "_sum", base + "_count"}
		default:
			t.Errorf("%s: map %s is a %v, which is no metric", script, name, agg)
			continue
		}
		f.labels = keyLabels(t, script, c.prog, name)
		out[base] = f
	}
	return out
}

// keyLabels returns the label names of map name's keys: the identifiers
// of its key expressions, the same at every use.
func keyLabels(t *testing.T, script string, prog *ast.Program, name string) []string {
	t.Helper()
	var labels []string
	seen := false
	ast.Inspect(prog, func(n ast.Node) bool {
		m, ok := n.(*ast.MapExpr)
		if !ok || m.Name != name {
			return true
		}
		var these []string
		for _, k := range m.Keys {
			id, ok := k.(*ast.Ident)
			if !ok {
				t.Errorf("%s: a key of %s is not an identifier: its label has no obvious name", script, name)
				return true
			}
			these = append(these, id.Name)
		}
		if seen && !slices.Equal(these, labels) {
			t.Errorf("%s: %s is keyed by %v and by %v", script, name, labels, these)
		}
		labels, seen = these, true
		return true
	})
	return labels
}

// scriptFamilies compiles every script of the ConfigMap and returns the
// metric families they export, all together.
func scriptFamilies(t *testing.T) map[string]family {
	t.Helper()
	cm := loadDeployment(t).cm
	all := map[string]family{}
	for name, text := range cm.Data {
		c, diags := compileScript(name, text)
		if c == nil {
			t.Fatalf("%s does not compile:\n%s", name, diags)
		}
		for base, f := range metricFamilies(t, name, c) {
			if _, dup := all[base]; dup {
				t.Errorf("%s: metric %s is exported by another script too", name, base)
			}
			all[base] = f
		}
	}
	return all
}

// TestScriptsCompile compiles every script of the ConfigMap: no
// diagnostics at all (warnings count), a program per probe, and every map
// a metric (metricFamilies).
func TestScriptsCompile(t *testing.T) {
	cm := loadDeployment(t).cm
	names := make([]string, 0, len(cm.Data))
	for name := range cm.Data {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if !strings.HasSuffix(name, ".bt") {
				t.Errorf("ConfigMap key %s: want NAME.bt", name)
			}
			c, diags := compileScript(name, cm.Data[name])
			if c == nil {
				t.Fatalf("does not compile:\n%s", diags)
			}
			if diags != "" {
				t.Errorf("diagnostics (warnings count too):\n%s", diags)
			}
			if len(c.obj.Programs) == 0 || len(c.obj.Programs) != len(c.prog.Probes) {
				t.Errorf("%d programs for %d probes", len(c.obj.Programs), len(c.prog.Probes))
			}
			if len(metricFamilies(t, name, c)) == 0 {
				t.Errorf("no map: nothing to serve")
			}
		})
	}
}

// TestFixtureRejects makes sure the front end of compileScript is not so
// lenient that the test above would pass anything.
func TestFixtureRejects(t *testing.T) {
	for _, text := range []string{
		`tracepoint:syscalls:sys_exit_read { @b = hist(args.nofield); }`,
		`tracepoint:raw_syscalls:sys_enter_nosuch { @s[comm] = count(); }`,
		`tracepoint:raw_syscalls:sys_enter { @s[comm] = count() }}`,
	} {
		if c, diags := compileScript("stdin", text); c != nil || !strings.Contains(diags, "ERROR") {
			t.Errorf("%s: compiled (diagnostics %q), want an error", text, diags)
		}
	}
}

var (
	promqlBlock  = regexp.MustCompile("(?s)```promql\n(.*?)```")
	metricName   = regexp.MustCompile(`\b` + metricPrefix + `[a-zA-Z0-9_]+`)
	groupingList = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// targetLabels are the labels prometheus.yml gives every series.
var targetLabels = []string{"job", "instance", "node", "pod", "container"}

// TestReadmeQueries checks the PromQL of README.md against the scripts:
// every metric a query names is one the ConfigMap's scripts export, every
// label it groups by is one of those metrics' (a key, le of a histogram's
// buckets, or a target label), and every script's metrics are queried.
func TestReadmeQueries(t *testing.T) {
	families := scriptFamilies(t)
	samples := map[string][]string{} // sample name -> labels
	for _, f := range families {
		for _, n := range f.names {
			labels := append(slices.Clone(f.labels), targetLabels...)
			if strings.HasSuffix(n, "_bucket") {
				labels = append(labels, "le")
			}
			samples[n] = labels
		}
	}
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	queried := map[string]bool{}
	n := 0
	for _, block := range promqlBlock.FindAllStringSubmatch(string(data), -1) {
		for q := range strings.Lines(block[1]) {
			if q = strings.TrimSpace(q); q == "" {
				continue
			}
			n++
			var allowed []string
			for _, m := range metricName.FindAllString(q, -1) {
				labels, ok := samples[m]
				if !ok {
					t.Errorf("query %q: no script exports %s", q, m)
				}
				allowed = append(allowed, labels...)
				for base := range families {
					if strings.HasPrefix(m, base) {
						queried[base] = true
					}
				}
			}
			for _, g := range groupingList.FindAllStringSubmatch(q, -1) {
				for l := range strings.SplitSeq(g[1], ",") {
					if l = strings.TrimSpace(l); !slices.Contains(allowed, l) {
						t.Errorf("query %q: groups by %s, which its metrics lack (they have %v)", q, l, allowed)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("README.md has no promql block")
	}
	for base := range families {
		if !queried[base] {
			t.Errorf("README.md queries no metric of %s", base)
		}
	}
}
