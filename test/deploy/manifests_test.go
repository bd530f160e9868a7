// Package deploy checks the Kubernetes manifests under deploy/kubernetes
// offline: each document is decoded strictly into the upstream API type of
// its kind (k8s.io/api), so a misspelt field or a wrong type fails here and
// not at kubectl apply. It is a package of its own so that the Kubernetes
// modules compile only for this test.
package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const dir = "../../deploy/kubernetes"

// kinds are the types the manifests may hold.
func newObject(apiVersion, kind string) (any, bool) {
	switch apiVersion + "/" + kind {
	case "v1/Namespace":
		return &corev1.Namespace{}, true
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1/Service":
		return &corev1.Service{}, true
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}, true
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}, true
	case "batch/v1/Job":
		return &batchv1.Job{}, true
	}
	return nil, false
}

// kustomization is the part of kustomize's Kustomization the manifests use
// (its Go type lives in sigs.k8s.io/kustomize, not in k8s.io/api).
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images"`
}

// docs splits a YAML file into its documents.
func docs(b []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(b, []byte("\n---\n")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func stripComments(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// decode decodes one document strictly into the type of its kind.
func decode(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	obj, ok := newObject(tm.APIVersion, tm.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %s %s", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", tm.Kind, err)
	}
	return obj, nil
}

func load(t *testing.T) map[string][]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", dir, err)
	}
	out := map[string][]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if name == "kustomization.yaml" {
			var k kustomization
			if err := yaml.UnmarshalStrict(b, &k); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = []any{&k}
			continue
		}
		for i, d := range docs(b) {
			obj, err := decode(d)
			if err != nil {
				t.Fatalf("%s document %d: %v", name, i+1, err)
			}
			out[name] = append(out[name], obj)
		}
	}
	return out
}

// TestManifestsDecodeStrictly: every document of every file is a known
// kind and decodes with no unknown or mistyped field; the kustomization
// lists files that exist, and every file but the on-demand ones (the
// grading Jobs, a further study group's Service).
func TestManifestsDecodeStrictly(t *testing.T) {
	m := load(t)
	k := m["kustomization.yaml"][0].(*kustomization)
	listed := map[string]bool{}
	for _, r := range k.Resources {
		if _, ok := m[r]; !ok {
			t.Errorf("kustomization lists %s, which is not a manifest here", r)
		}
		listed[r] = true
	}
	for name := range m {
		onDemand := name == "grading-job.yaml" || name == "group-service.yaml"
		if name != "kustomization.yaml" && !onDemand && !listed[name] {
			t.Errorf("%s is not in kustomization.yaml", name)
		}
	}
}

// TestStrictDecodeRefusesMistakes: the decoder this test relies on does
// refuse a misspelt field and a wrong type (else the test above proves
// nothing).
func TestStrictDecodeRefusesMistakes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(dir, "statefulset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to string }{
		{"\n      hostUsers: false", "\n      hostUser: false"},
		{"procMount: Unmasked", "procMount: [Unmasked]"},
		{"replicas: 1", "replicas: one"},
		{"terminationGracePeriodSeconds:", "terminationGracePeriod:"},
	} {
		bad := bytes.Replace(b, []byte(c.from), []byte(c.to), 1)
		if bytes.Equal(bad, b) {
			t.Fatalf("%q not in statefulset.yaml", c.from)
		}
		if _, err := decode(docs(bad)[0]); err == nil {
			t.Errorf("%q → %q decoded without an error", c.from, c.to)
		}
	}
}

// TestServePodSpec holds the StatefulSet to what the README promises.
func TestServePodSpec(t *testing.T) {
	m := load(t)
	ss := m["statefulset.yaml"][0].(*appsv1.StatefulSet)
	ps := ss.Spec.Template.Spec
	if ps.HostUsers == nil || *ps.HostUsers {
		t.Error("hostUsers is not false")
	}
	c := ps.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ProcMount == nil || *sc.ProcMount != corev1.UnmaskedProcMount {
		t.Error("procMount is not Unmasked")
	}
	if ps.SecurityContext.SeccompProfile == nil || ps.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("no RuntimeDefault seccomp profile")
	}
	caps := map[corev1.Capability]bool{}
	for _, x := range sc.Capabilities.Add {
		caps[x] = true
	}
	for _, need := range []corev1.Capability{"SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SETUID", "SETGID"} {
		if !caps[need] {
			t.Errorf("capability %s not added", need)
		}
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.Exec == nil || !strings.Contains(strings.Join(c.ReadinessProbe.Exec.Command, " "), "nettutor preflight") {
		t.Error("readiness is not preflight")
	}
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || ps.TerminationGracePeriodSeconds == nil || *ps.TerminationGracePeriodSeconds < 3600 {
		t.Error("no preStop with a grace period that lets sessions finish")
	}
	mounts := map[string]bool{}
	for _, v := range c.VolumeMounts {
		mounts[v.MountPath] = true
	}
	for _, p := range []string{"/var/lib/nettutor", "/etc/nettutor/keys", "/etc/nettutor/hostkey"} {
		if !mounts[p] {
			t.Errorf("%s not mounted", p)
		}
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"--authorized-keys=/etc/nettutor/keys/authorized_keys", "--host-key=/etc/nettutor/hostkey/ssh_host_ed25519_key"} {
		if !strings.Contains(args, want) {
			t.Errorf("serve args lack %s: %s", want, args)
		}
	}
	var svc *corev1.Service
	for _, o := range m["service.yaml"] {
		if s := o.(*corev1.Service); s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			svc = s
		}
	}
	if svc == nil {
		t.Fatal("no LoadBalancer Service")
	}
	ns := m["namespace.yaml"][0].(*corev1.Namespace)
	if ns.Labels["pod-security.kubernetes.io/enforce"] == "" {
		t.Error("no Pod Security label on the namespace")
	}
}

// TestGradingJob: an Indexed Job whose pods grade --shard
// $JOB_COMPLETION_INDEX/N with N its completions, and a merge.
func TestGradingJob(t *testing.T) {
	m := load(t)
	var grade, merge *batchv1.Job
	for _, o := range m["grading-job.yaml"] {
		if j, ok := o.(*batchv1.Job); ok {
			if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion {
				grade = j
			} else {
				merge = j
			}
		}
	}
	if grade == nil || merge == nil {
		t.Fatal("want an Indexed grading Job and a merge Job")
	}
	cmd := strings.Join(grade.Spec.Template.Spec.Containers[0].Command, " ")
	want := fmt.Sprintf(`--shard "$JOB_COMPLETION_INDEX/%d"`, *grade.Spec.Completions)
	if !strings.Contains(cmd, want) {
		t.Errorf("grading command lacks %s: %s", want, cmd)
	}
	if !strings.Contains(strings.Join(merge.Spec.Template.Spec.Containers[0].Command, " "), "nettutor check merge") {
		t.Error("merge Job does not run check merge")
	}
}

// TestGroupServices: each study group's LoadBalancer Service sends its
// members to one replica only (the pod whose memory holds their labs and
// whose hub holds their presenter), and no two groups share a replica.
func TestGroupServices(t *testing.T) {
	m := load(t)
	pods := map[string]string{}
	for _, f := range []string{"service.yaml", "group-service.yaml"} {
		for _, o := range m[f] {
			svc, ok := o.(*corev1.Service)
			if !ok || svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
				continue
			}
			pod := svc.Spec.Selector["statefulset.kubernetes.io/pod-name"]
			if pod == "" {
				t.Errorf("%s: Service %s selects no one pod (%v): a group's members could land on different replicas", f, svc.Name, svc.Spec.Selector)
				continue
			}
			if other, dup := pods[pod]; dup {
				t.Errorf("Services %s and %s both send their members to %s", other, svc.Name, pod)
			}
			pods[pod] = svc.Name
		}
	}
	if pods["nettutor-0"] != "nettutor" || pods["nettutor-1"] != "nettutor-1" {
		t.Errorf("group Services by pod: %v, want nettutor-0 by nettutor and nettutor-1 by nettutor-1", pods)
	}
}
