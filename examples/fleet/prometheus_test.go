package fleet

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// promConfig is the part of a Prometheus configuration this example
// writes; the rest of the file is not decoded.
type promConfig struct {
	ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
}

type scrapeConfig struct {
	JobName             string          `json:"job_name"`
	MetricsPath         string          `json:"metrics_path"`
	KubernetesSDConfigs []kubernetesSD  `json:"kubernetes_sd_configs"`
	StaticConfigs       []staticConfig  `json:"static_configs"`
	RelabelConfigs      []relabelConfig `json:"relabel_configs"`
}

type kubernetesSD struct {
	Role       string `json:"role"`
	Namespaces struct {
		Names []string `json:"names"`
	} `json:"namespaces"`
}

type staticConfig struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

type relabelConfig struct {
	SourceLabels []string `json:"source_labels"`
	Separator    *string  `json:"separator"`
	Regex        *string  `json:"regex"`
	TargetLabel  string   `json:"target_label"`
	Replacement  *string  `json:"replacement"`
	Action       string   `json:"action"`
}

// relabel applies rules to a target's labels as Prometheus does, for the
// actions keep, drop and replace (the others fail the test): it returns
// the labels after relabelling, or nil when the target is dropped.
// Regexes are anchored at both ends, as in Prometheus (RE2 both).
func relabel(t *testing.T, rules []relabelConfig, in map[string]string) map[string]string {
	t.Helper()
	lbls := map[string]string{}
	for k, v := range in {
		lbls[k] = v
	}
	for _, r := range rules {
		sep, expr, repl := ";", "(.*)", "$1"
		if r.Separator != nil {
			sep = *r.Separator
		}
		if r.Regex != nil {
			expr = *r.Regex
		}
		if r.Replacement != nil {
			repl = *r.Replacement
		}
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if err != nil {
			t.Fatalf("relabel regex %q: %v", expr, err)
		}
		vals := make([]string, len(r.SourceLabels))
		for i, l := range r.SourceLabels {
			vals[i] = lbls[l]
		}
		val := strings.Join(vals, sep)
		switch r.Action {
		case "keep":
			if !re.MatchString(val) {
				return nil
			}
		case "drop":
			if re.MatchString(val) {
				return nil
			}
		case "", "replace":
			m := re.FindStringSubmatchIndex(val)
			if m == nil {
				continue
			}
			res := string(re.ExpandString(nil, repl, val, m))
			if res == "" {
				delete(lbls, r.TargetLabel)
			} else {
				lbls[r.TargetLabel] = res
			}
		default:
			t.Fatalf("relabel action %q is not simulated", r.Action)
		}
	}
	return lbls
}

// sanitize makes a Kubernetes label name a Prometheus one, as service
// discovery does in __meta_kubernetes_pod_label_NAME.
func sanitize(name string) string {
	return regexp.MustCompile(`[^a-zA-Z0-9_]`).ReplaceAllString(name, "_")
}

// loadPrometheus decodes prometheus.yml and returns its jobs by name.
func loadPrometheus(t *testing.T) map[string]scrapeConfig {
	t.Helper()
	data, err := os.ReadFile("prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg promConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	jobs := map[string]scrapeConfig{}
	for _, sc := range cfg.ScrapeConfigs {
		if _, dup := jobs[sc.JobName]; dup {
			t.Errorf("prometheus.yml: job %s twice", sc.JobName)
		}
		jobs[sc.JobName] = sc
	}
	return jobs
}

// TestPrometheusKubernetesJob runs the relabelling of prometheus.yml's job
// gobpftrace over the targets Kubernetes pod discovery makes of a running
// pod of the DaemonSet, one per container port: every metrics port is
// scraped, labelled with its node, pod and container. Targets of other
// pods, other ports and pods not running are dropped.
func TestPrometheusKubernetesJob(t *testing.T) {
	d := loadDeployment(t)
	job, ok := loadPrometheus(t)["gobpftrace"]
	if !ok {
		t.Fatal("prometheus.yml: no job gobpftrace")
	}
	if len(job.KubernetesSDConfigs) != 1 || job.KubernetesSDConfigs[0].Role != "pod" {
		t.Fatalf("job gobpftrace: kubernetes_sd_configs %+v, want one of role pod", job.KubernetesSDConfigs)
	}
	if ns := job.KubernetesSDConfigs[0].Namespaces.Names; len(ns) > 0 && !slices.Contains(ns, d.ns.Name) {
		t.Errorf("job gobpftrace: namespaces %v lack %s", ns, d.ns.Name)
	}
	if job.MetricsPath != "" && job.MetricsPath != "/metrics" {
		t.Errorf("job gobpftrace: metrics_path %s", job.MetricsPath)
	}
	tmpl := d.ds.Spec.Template
	// target is the discovery's labels for one port of a pod of the
	// DaemonSet on node-1.
	target := func(container, portName string, port int32) map[string]string {
		l := map[string]string{
			"__address__":                               net.JoinHostPort("10.1.2.3", strconv.Itoa(int(port))),
			"__meta_kubernetes_namespace":               d.ns.Name,
			"__meta_kubernetes_pod_name":                d.ds.Name + "-x7k2p",
			"__meta_kubernetes_pod_node_name":           "node-1",
			"__meta_kubernetes_pod_phase":               "Running",
			"__meta_kubernetes_pod_container_name":      container,
			"__meta_kubernetes_pod_container_port_name": portName,
		}
		for k, v := range tmpl.Labels {
			l["__meta_kubernetes_pod_label_"+sanitize(k)] = v
		}
		return l
	}
	for _, c := range tmpl.Spec.Containers {
		for _, p := range c.Ports {
			got := relabel(t, job.RelabelConfigs, target(c.Name, p.Name, p.ContainerPort))
			if got == nil {
				t.Errorf("container %s port %s: dropped", c.Name, p.Name)
				continue
			}
			for l, want := range map[string]string{"node": "node-1", "pod": d.ds.Name + "-x7k2p", "container": c.Name} {
				if got[l] != want {
					t.Errorf("container %s port %s: label %s=%q, want %q", c.Name, p.Name, l, got[l], want)
				}
			}
			if want := fmt.Sprintf("10.1.2.3:%d", p.ContainerPort); got["__address__"] != want {
				t.Errorf("container %s port %s: address %s, want %s", c.Name, p.Name, got["__address__"], want)
			}
		}
	}
	c := tmpl.Spec.Containers[0]
	for what, l := range map[string]map[string]string{
		"another port":    target(c.Name, "http", 8080),
		"another app":     withLabel(target(c.Name, c.Ports[0].Name, 9464), podLabelMeta(tmpl.Labels), "other"),
		"a pending pod":   withLabel(target(c.Name, c.Ports[0].Name, 9464), "__meta_kubernetes_pod_phase", "Pending"),
		"a succeeded pod": withLabel(target(c.Name, c.Ports[0].Name, 9464), "__meta_kubernetes_pod_phase", "Succeeded"),
	} {
		if got := relabel(t, job.RelabelConfigs, l); got != nil {
			t.Errorf("%s: kept as %v, want dropped", what, got)
		}
	}
}

// withLabel returns l with label k set to v.
func withLabel(l map[string]string, k, v string) map[string]string {
	l[k] = v
	return l
}

// podLabelMeta is the discovery label of the first pod label (the
// DaemonSet's pods are selected by their labels).
func podLabelMeta(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "__meta_kubernetes_pod_label_" + sanitize(keys[0])
}

// TestPrometheusLocalJob checks the job of one machine: a static target
// at the address of the README's one-machine command.
func TestPrometheusLocalJob(t *testing.T) {
	job, ok := loadPrometheus(t)["gobpftrace-local"]
	if !ok {
		t.Fatal("prometheus.yml: no job gobpftrace-local")
	}
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`sudo gobpftrace --metrics (\S+) `).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatal("README.md: no `sudo gobpftrace --metrics ADDR` command")
	}
	if len(job.StaticConfigs) != 1 || !slices.Equal(job.StaticConfigs[0].Targets, []string{m[1]}) {
		t.Errorf("job gobpftrace-local: static_configs %+v, want the one target %s of README.md", job.StaticConfigs, m[1])
	}
	if !strings.Contains(string(data), "curl "+m[1]+"/metrics") {
		t.Errorf("README.md: no `curl %s/metrics`", m[1])
	}
}
