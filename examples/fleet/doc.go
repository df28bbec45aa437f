// Package fleet is the deployment of gobpftrace --metrics on every node of
// a Kubernetes cluster, scraped by Prometheus (README.md). It holds no
// code: its files are Dockerfile, daemonset.yaml and prometheus.yml, and
// its tests keep them consistent with each other, with README.md and with
// gobpftrace, and the DaemonSet least-privileged:
//
//   - manifest_test.go decodes every document of daemonset.yaml strictly
//     into the Kubernetes API types (a misspelt field fails) and asserts
//     the pod's privileges, volumes, ports, probes and arguments;
//   - scripts_test.go compiles the ConfigMap's scripts with gobpftrace's
//     front end against its fixture host, derives the metrics they export,
//     and checks the README's PromQL against them;
//   - prometheus_test.go runs prometheus.yml's relabelling over the
//     targets that Kubernetes discovery makes of the DaemonSet's pods.
//
// It is a Go module of its own, so that the Kubernetes API modules stay
// out of gobpftrace's go.mod; it uses gobpftrace's packages through a
// replace directive pointing at the repository.
package fleet
