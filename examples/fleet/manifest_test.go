package fleet

import (
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// tracerCaps are the capabilities a container adds, exactly: what loading
// and attaching tracepoint scripts needs (daemonset.yaml says why each).
var tracerCaps = []corev1.Capability{"BPF", "PERFMON", "SYS_RESOURCE"}

// hostPaths are the host directories the pod may mount, by volume name,
// each read-only at the same path in the container.
var hostPaths = map[string]string{
	"btf":     "/sys/kernel/btf",
	"tracefs": "/sys/kernel/tracing",
}

// TestManifestDecodes decodes daemonset.yaml strictly (loadDeployment),
// and makes sure that the strict decoder refuses what it must: each
// mutation below of the file is an error.
func TestManifestDecodes(t *testing.T) {
	d := loadDeployment(t)
	if len(d.cm.Data) == 0 {
		t.Errorf("ConfigMap %s has no scripts", d.cm.Name)
	}
	data, err := os.ReadFile(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, m := range []struct{ what, old, new string }{
		{"misspelt field", "allowPrivilegeEscalation:", "allowPrivilegeEscalaton:"},
		{"field in the wrong case", "readOnlyRootFilesystem:", "readOnlyRootFileSystem:"},
		{"wrong type", "hostPID: true", "hostPID: [true]"},
		{"duplicate key", "hostPID: true", "hostPID: true\n      hostPID: true"},
		{"unknown kind", "kind: DaemonSet", "kind: DeamonSet"},
		{"bad quantity", "memory: 64Mi", "memory: 64MB-ish"},
	} {
		mutated := strings.Replace(text, m.old, m.new, 1)
		if mutated == text {
			t.Errorf("%s: %q is not in %s", m.what, m.old, manifestFile)
			continue
		}
		if _, err := decodeManifests([]byte(mutated)); err == nil {
			t.Errorf("%s (%q for %q): decoded, want an error", m.what, m.new, m.old)
		}
	}
}

// TestPodPrivileges asserts the least privileges of daemonset.yaml: the
// host's PID namespace and nothing else of the host's, no service account
// token, the runtime's seccomp profile, and in every container uid 0
// without privileged, without privilege escalation, on a read-only root,
// with every capability dropped but exactly tracerCaps.
func TestPodPrivileges(t *testing.T) {
	pod := loadDeployment(t).ds.Spec.Template.Spec
	if !pod.HostPID {
		t.Errorf("hostPID is false: pid, tid and /proc would be the pod's")
	}
	if pod.HostNetwork || pod.HostIPC {
		t.Errorf("hostNetwork %v, hostIPC %v: want neither", pod.HostNetwork, pod.HostIPC)
	}
	if tok := pod.AutomountServiceAccountToken; tok == nil || *tok {
		t.Errorf("automountServiceAccountToken is not false")
	}
	if sc := pod.SecurityContext; sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile is not RuntimeDefault")
	}
	if len(pod.InitContainers) > 0 || len(pod.EphemeralContainers) > 0 {
		t.Errorf("init or ephemeral containers: their privileges would need the same checks")
	}
	if len(pod.Containers) == 0 {
		t.Fatal("no containers")
	}
	for _, c := range pod.Containers {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("container %s: no securityContext", c.Name)
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("container %s is privileged", c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
		}
		if sc.RunAsUser == nil || *sc.RunAsUser != 0 {
			t.Errorf("container %s: runAsUser is not 0 (without ambient capabilities, another uid has none)", c.Name)
		}
		if sc.Capabilities == nil {
			t.Errorf("container %s: no capabilities", c.Name)
			continue
		}
		if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("container %s drops %v, want [ALL]", c.Name, sc.Capabilities.Drop)
		}
		add := slices.Clone(sc.Capabilities.Add)
		slices.Sort(add)
		if !slices.Equal(add, tracerCaps) {
			t.Errorf("container %s adds %v, want exactly %v", c.Name, sc.Capabilities.Add, tracerCaps)
		}
	}
}

// TestPodVolumes asserts that the pod mounts of the host exactly
// hostPaths, and that every mount is read-only: the host directories at
// their own paths, the scripts' ConfigMap (no write bits either).
func TestPodVolumes(t *testing.T) {
	d := loadDeployment(t)
	pod := d.ds.Spec.Template.Spec
	host := map[string]string{}
	for _, v := range pod.Volumes {
		switch {
		case v.HostPath != nil:
			host[v.Name] = v.HostPath.Path
			if v.HostPath.Type == nil || *v.HostPath.Type != corev1.HostPathDirectory {
				t.Errorf("hostPath volume %s: type is not Directory", v.Name)
			}
		case v.ConfigMap != nil:
			if v.ConfigMap.Name != d.cm.Name {
				t.Errorf("volume %s is ConfigMap %q, want %q", v.Name, v.ConfigMap.Name, d.cm.Name)
			}
			if m := v.ConfigMap.DefaultMode; m == nil || *m&0o222 != 0 {
				t.Errorf("volume %s: defaultMode is not read-only", v.Name)
			}
		default:
			t.Errorf("volume %s is neither hostPath nor ConfigMap", v.Name)
		}
	}
	if len(host) != len(hostPaths) {
		t.Errorf("hostPath volumes %v, want %v", host, hostPaths)
	}
	for name, p := range hostPaths {
		if host[name] != p {
			t.Errorf("hostPath volume %s is %q, want %q", name, host[name], p)
		}
	}
	for _, c := range pod.Containers {
		if len(c.VolumeMounts) != len(pod.Volumes) {
			t.Errorf("container %s mounts %d volumes of %d", c.Name, len(c.VolumeMounts), len(pod.Volumes))
		}
		for _, m := range c.VolumeMounts {
			if !m.ReadOnly {
				t.Errorf("container %s mounts %s read-write", c.Name, m.Name)
			}
			if p, ok := host[m.Name]; ok && m.MountPath != p {
				t.Errorf("container %s mounts host %s at %s, want the host's path", c.Name, p, m.MountPath)
			}
		}
	}
}

// metricsArgs is what a container's arguments say.
type metricsArgs struct {
	addr   string // of --metrics
	only   bool   // --metrics-only
	script string // the one operand
}

// parseArgs reads gobpftrace's arguments as the DaemonSet gives them:
// --metrics ADDR (or --metrics=ADDR), --metrics-only, and one script.
func parseArgs(t *testing.T, args []string) metricsArgs {
	t.Helper()
	var a metricsArgs
	var operands []string
	for i := 0; i < len(args); i++ {
		switch arg := args[i]; {
		case arg == "--metrics" && i+1 < len(args):
			i++
			a.addr = args[i]
		case strings.HasPrefix(arg, "--metrics="):
			a.addr = strings.TrimPrefix(arg, "--metrics=")
		case arg == "--metrics-only":
			a.only = true
		case strings.HasPrefix(arg, "-"):
			t.Errorf("unexpected option %q in %q", arg, args)
		default:
			operands = append(operands, arg)
		}
	}
	if len(operands) != 1 {
		t.Errorf("operands %q in %q, want one script", operands, args)
	} else {
		a.script = operands[0]
	}
	return a
}

// TestContainers asserts that every container runs gobpftrace --metrics
// --metrics-only on a script of the ConfigMap, every script by one
// container; serves on all addresses at the port of its one container
// port, named metrics*, which its liveness probe GETs /metrics of; and
// has memory requested and limited, GOMEMLIMIT below the limit.
func TestContainers(t *testing.T) {
	d := loadDeployment(t)
	pod := d.ds.Spec.Template.Spec
	scriptDir := ""
	for _, m := range pod.Containers[0].VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil {
				scriptDir = m.MountPath
			}
		}
	}
	if scriptDir == "" {
		t.Fatal("the ConfigMap is not mounted")
	}
	run := map[string]string{} // script -> container
	ports := map[int32]string{}
	for _, c := range pod.Containers {
		a := parseArgs(t, c.Args)
		if !a.only {
			t.Errorf("container %s: no --metrics-only", c.Name)
		}
		if dir, name := path.Split(a.script); path.Clean(dir) != scriptDir {
			t.Errorf("container %s runs %q, not a script in %s", c.Name, a.script, scriptDir)
		} else if _, ok := d.cm.Data[name]; !ok {
			t.Errorf("container %s runs %s, which ConfigMap %s lacks", c.Name, name, d.cm.Name)
		} else if other, dup := run[name]; dup {
			t.Errorf("containers %s and %s both run %s", other, c.Name, name)
		} else {
			run[name] = c.Name
		}
		host, portText, err := net.SplitHostPort(a.addr)
		if err != nil || host != "" {
			t.Errorf("container %s: --metrics %q, want :PORT (every address of the pod)", c.Name, a.addr)
			continue
		}
		port, err := strconv.Atoi(portText)
		if err != nil {
			t.Errorf("container %s: --metrics %q: %v", c.Name, a.addr, err)
			continue
		}
		if len(c.Ports) != 1 {
			t.Errorf("container %s has %d ports, want the one of --metrics", c.Name, len(c.Ports))
			continue
		}
		p := c.Ports[0]
		if int(p.ContainerPort) != port || !strings.HasPrefix(p.Name, "metrics") || (p.Protocol != "" && p.Protocol != corev1.ProtocolTCP) {
			t.Errorf("container %s: port %s %d/%s, want metrics* %d/TCP", c.Name, p.Name, p.ContainerPort, p.Protocol, port)
		}
		if other, dup := ports[p.ContainerPort]; dup {
			t.Errorf("containers %s and %s both listen on %d", other, c.Name, p.ContainerPort)
		}
		ports[p.ContainerPort] = c.Name
		probe := c.LivenessProbe
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != "/metrics" ||
			(probe.HTTPGet.Port.String() != p.Name && probe.HTTPGet.Port.IntValue() != port) {
			t.Errorf("container %s: liveness probe is not GET /metrics on port %s", c.Name, p.Name)
		}
		checkMemory(t, c)
	}
	for name := range d.cm.Data {
		if _, ok := run[name]; !ok {
			t.Errorf("no container runs %s", name)
		}
	}
}

// checkMemory asserts that container c requests and limits memory, and
// that GOMEMLIMIT, when set, leaves the kernel's BPF memory room under
// the limit.
func checkMemory(t *testing.T, c corev1.Container) {
	t.Helper()
	req, lim := c.Resources.Requests.Memory(), c.Resources.Limits.Memory()
	if req.IsZero() || lim.IsZero() || req.Cmp(*lim) > 0 {
		t.Errorf("container %s: memory request %v, limit %v", c.Name, req, lim)
	}
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		// Go spells binary units MiB, Kubernetes Mi.
		q, err := resource.ParseQuantity(strings.TrimSuffix(e.Value, "B"))
		if err != nil {
			t.Errorf("container %s: GOMEMLIMIT %q: %v", c.Name, e.Value, err)
		} else if q.Value() > lim.Value()*7/8 {
			t.Errorf("container %s: GOMEMLIMIT %s leaves less than 1/8 of the limit %v", c.Name, e.Value, lim)
		}
	}
}

// TestPodScheduling asserts that the DaemonSet selects its own pods, runs
// on every node (tainted ones too), and carries the scrape annotations.
func TestPodScheduling(t *testing.T) {
	ds := loadDeployment(t).ds
	tmpl := ds.Spec.Template
	if ds.Spec.Selector == nil || len(ds.Spec.Selector.MatchLabels) == 0 {
		t.Fatal("no selector")
	}
	for k, v := range ds.Spec.Selector.MatchLabels {
		if tmpl.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod labels %v", k, v, tmpl.Labels)
		}
	}
	everywhere := slices.ContainsFunc(tmpl.Spec.Tolerations, func(tol corev1.Toleration) bool {
		return tol.Key == "" && tol.Operator == corev1.TolerationOpExists && tol.Effect == ""
	})
	if !everywhere {
		t.Errorf("tolerations %v: none tolerates every taint", tmpl.Spec.Tolerations)
	}
	if a := tmpl.Annotations; a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("annotations %v: want prometheus.io/scrape true and path /metrics", a)
	}
}
