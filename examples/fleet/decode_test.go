package fleet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// manifestFile is the Kubernetes manifest of the example.
const manifestFile = "daemonset.yaml"

// manifests are the documents of a manifest, decoded, by kind.
type manifests struct {
	namespaces []*corev1.Namespace
	configMaps []*corev1.ConfigMap
	daemonSets []*appsv1.DaemonSet
}

// decodeManifests splits a multi-document YAML stream and decodes each
// document strictly into the API type its apiVersion and kind name, as the
// API server does with kubectl's default strict field validation: an
// unknown field (misspelt, even only in case: encoding/json would accept
// that), a duplicate key or a value of the wrong type is an error, and so
// is a kind the example does not use. Documents of comments alone are
// skipped.
func decodeManifests(data []byte) (*manifests, error) {
	m := &manifests{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		j, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if string(j) == "null" {
			continue
		}
		var tm metav1.TypeMeta
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(j, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		var obj any
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 Namespace":
			ns := &corev1.Namespace{}
			m.namespaces = append(m.namespaces, ns)
			obj = ns
		case "v1 ConfigMap":
			cm := &corev1.ConfigMap{}
			m.configMaps = append(m.configMaps, cm)
			obj = cm
		case "apps/v1 DaemonSet":
			ds := &appsv1.DaemonSet{}
			m.daemonSets = append(m.daemonSets, ds)
			obj = ds
		default:
			return nil, fmt.Errorf("document %d: unexpected apiVersion %q kind %q", i, tm.APIVersion, tm.Kind)
		}
		strict, err := sigsjson.UnmarshalStrict(j, obj)
		if err == nil {
			err = errors.Join(strict...)
		}
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
	}
}

// deployment is the example's manifest: one Namespace, one ConfigMap of
// scripts and one DaemonSet, all in that namespace.
type deployment struct {
	ns *corev1.Namespace
	cm *corev1.ConfigMap
	ds *appsv1.DaemonSet
}

// loadDeployment decodes manifestFile and fails the test unless it holds
// exactly the three objects of a deployment.
func loadDeployment(t *testing.T) *deployment {
	t.Helper()
	data, err := os.ReadFile(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeManifests(data)
	if err != nil {
		t.Fatalf("%s: %v", manifestFile, err)
	}
	if len(m.namespaces) != 1 || len(m.configMaps) != 1 || len(m.daemonSets) != 1 {
		t.Fatalf("%s: %d Namespaces, %d ConfigMaps, %d DaemonSets, want one of each",
			manifestFile, len(m.namespaces), len(m.configMaps), len(m.daemonSets))
	}
	d := &deployment{ns: m.namespaces[0], cm: m.configMaps[0], ds: m.daemonSets[0]}
	for _, meta := range []*metav1.ObjectMeta{&d.cm.ObjectMeta, &d.ds.ObjectMeta} {
		if meta.Namespace != d.ns.Name {
			t.Fatalf("%s is in namespace %q, want the manifest's %q", meta.Name, meta.Namespace, d.ns.Name)
		}
	}
	return d
}
