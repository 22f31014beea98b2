package deploy_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The workload policies of TestHelmChartRendersRestrictedManifests: the
// assistant, the worker, their uploads, the migration Job and Ollama.

// checkAssistant: the Deployment keeps two replicas or more (itself, or
// through the autoscaler), has a disruption budget, probes /healthz and
// /readyz on 8080 and never runs migrations.
func checkAssistant(t *testing.T, r rendered, wantHPA bool) {
	t.Helper()
	d := r.deployment(t, "assistant")
	switch {
	case wantHPA:
		if len(r.hpas) != 1 || r.hpas[0].Spec.ScaleTargetRef.Kind != "Deployment" || r.hpas[0].Spec.ScaleTargetRef.Name != d.Name {
			t.Fatalf("want one HorizontalPodAutoscaler of Deployment %s, got %+v", d.Name, r.hpas)
		}
		if m := r.hpas[0].Spec.MinReplicas; m == nil || *m < 2 {
			t.Errorf("HorizontalPodAutoscaler minReplicas %v: want at least 2", m)
		}
		if d.Spec.Replicas != nil {
			t.Errorf("Deployment sets replicas (%d) while the autoscaler owns them: every helm upgrade would reset the count", *d.Spec.Replicas)
		}
	case d.Spec.Replicas == nil || *d.Spec.Replicas < 2:
		t.Errorf("Deployment replicas %v: want at least 2", d.Spec.Replicas)
	}
	if len(r.pdbs) != 1 || r.pdbs[0].Spec.Selector == nil || !selects(t, r.pdbs[0].Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("want one PodDisruptionBudget selecting the assistant's pods, got %+v", r.pdbs)
	}
	c := d.Spec.Template.Spec.Containers[0]
	for _, probe := range []struct {
		name, path string
		p          *corev1.Probe
	}{{"liveness", "/healthz", c.LivenessProbe}, {"readiness", "/readyz", c.ReadinessProbe}} {
		if probe.p == nil || probe.p.HTTPGet == nil || probe.p.HTTPGet.Path != probe.path || containerPort(c, probe.p.HTTPGet.Port.String()) != 8080 {
			t.Errorf("assistant: want a %s probe GET %s on port 8080, got %+v", probe.name, probe.path, probe.p)
		}
	}
	if env(c, "CIVITAS_MIGRATE") != "false" {
		t.Errorf("assistant: CIVITAS_MIGRATE must be false: the migration Job runs the DDL")
	}
	for _, name := range []string{"CIVITAS_AUTH", "CIVITAS_PUBLIC_URL"} {
		if env(c, name) == "" {
			t.Errorf("assistant: %s is not set", name)
		}
	}
}

// deployment returns the one Deployment of component (its
// app.kubernetes.io/component label).
func (r rendered) deployment(t *testing.T, component string) appsv1.Deployment {
	t.Helper()
	var found []appsv1.Deployment
	for _, d := range r.deployments {
		if d.Spec.Template.Labels["app.kubernetes.io/component"] == component {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one Deployment of component %s, got %d", component, len(found))
	}
	return found[0]
}

// checkWorker: with the worker on, a Deployment runs `assistant worker`
// from the worker image, with the assistant's app-role database URL, the
// same uploads volume, an exec liveness probe (no port), egress to the
// database and Ollama, and the assistant pods leave jobs to it; off, the
// assistant runs them.
func checkWorker(t *testing.T, r rendered, want bool) {
	t.Helper()
	a := r.deployment(t, "assistant")
	ac := a.Spec.Template.Spec.Containers[0]
	if !want {
		if len(r.deployments) != 1 {
			t.Errorf("worker.enabled=false, yet %d Deployments", len(r.deployments))
		}
		if env(ac, "CIVITAS_JOBS") == "false" {
			t.Error("worker.enabled=false, yet the assistant leaves jobs to a worker (CIVITAS_JOBS=false)")
		}
		return
	}
	w := r.deployment(t, "worker")
	c := w.Spec.Template.Spec.Containers[0]
	if env(ac, "CIVITAS_JOBS") != "false" {
		t.Error("assistant: CIVITAS_JOBS must be false while the worker runs the jobs")
	}
	repo, _, _ := strings.Cut(c.Image, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if !strings.HasSuffix(repo, "-worker") {
		t.Errorf("worker image %q, want the worker image (…-worker: tesseract and poppler)", c.Image)
	}
	if cmd := strings.Join(append(c.Command, c.Args...), " "); !strings.HasSuffix(cmd, "assistant worker") {
		t.Errorf("worker runs %q, want assistant worker", cmd)
	}
	if env(c, "CIVITAS_MIGRATE") != "false" {
		t.Error("worker: CIVITAS_MIGRATE must be false: the migration Job runs the DDL")
	}
	if wk, ak := secretRef(c, "CIVITAS_DATABASE_URL"), secretRef(ac, "CIVITAS_DATABASE_URL"); wk == nil || ak == nil || wk.Key != ak.Key {
		t.Errorf("worker: CIVITAS_DATABASE_URL %+v, want the assistant's app-role Secret key %+v", wk, ak)
	}
	if len(c.Ports) != 0 {
		t.Errorf("worker: ports %+v, want none (no public API)", c.Ports)
	}
	if p := c.LivenessProbe; p == nil || p.Exec == nil || strings.Join(p.Exec.Command, " ") != "/usr/local/bin/assistant healthcheck --operator" {
		t.Errorf("worker: liveness probe %+v, want exec assistant healthcheck --operator", p)
	}
	if a, w := uploadsVolume(t, a), uploadsVolume(t, w); a.EmptyDir == nil && (a.PersistentVolumeClaim == nil || w.PersistentVolumeClaim == nil || a.PersistentVolumeClaim.ClaimName != w.PersistentVolumeClaim.ClaimName) {
		t.Errorf("uploads: assistant %+v, worker %+v: want each pod's own scratch emptyDir, or the same chosen claim", a.VolumeSource, w.VolumeSource)
	}
	egress := false
	for _, np := range r.policies {
		if len(np.Spec.Egress) > 0 && selects(t, &np.Spec.PodSelector, w.Spec.Template.Labels) {
			egress = true
		}
	}
	if len(r.policies) > 0 && !egress {
		t.Error("no NetworkPolicy lets the worker reach the database and Ollama")
	}
}

// uploadsVolume returns the volume a Deployment mounts at the upload
// folder (CIVITAS_UPLOAD_DIR). The originals live in the originals store,
// so by default it is scratch: an emptyDir, never a ReadWriteMany claim.
func uploadsVolume(t *testing.T, d appsv1.Deployment) corev1.Volume {
	t.Helper()
	spec := d.Spec.Template.Spec
	c := spec.Containers[0]
	for _, m := range c.VolumeMounts {
		if m.MountPath != env(c, "CIVITAS_UPLOAD_DIR") {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name == m.Name {
				return v
			}
		}
	}
	t.Fatalf("%s mounts nothing at CIVITAS_UPLOAD_DIR %q: the root file system is read-only", d.Name, env(c, "CIVITAS_UPLOAD_DIR"))
	return corev1.Volume{}
}

// checkUploadsAndOriginals: without a chosen claim the upload folder is an
// emptyDir and the chart makes no claim at all; with originals.store=s3
// every container loading the configuration reads the keys from a Secret
// volume (checkConfig loads them), and the assistant's and the worker's
// NetworkPolicies let them reach the endpoint's port.
func checkUploadsAndOriginals(t *testing.T, r rendered, claim string, s3Port int) {
	t.Helper()
	if len(r.claims) != 0 {
		t.Errorf("the chart renders %d PersistentVolumeClaims; the originals live in the originals store, uploads need none", len(r.claims))
	}
	for _, d := range r.deployments {
		if d.Spec.Template.Labels["app.kubernetes.io/component"] == "ollama" {
			continue
		}
		v := uploadsVolume(t, d)
		switch {
		case claim == "" && (v.EmptyDir == nil || v.EmptyDir.SizeLimit == nil):
			t.Errorf("%s: uploads %+v, want an emptyDir with a size limit (scratch)", d.Name, v.VolumeSource)
		case claim != "" && (v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claim):
			t.Errorf("%s: uploads %+v, want the chosen claim %s", d.Name, v.VolumeSource, claim)
		}
	}
	if s3Port == 0 {
		return
	}
	if len(r.policies) == 0 {
		return
	}
	for _, component := range []string{"assistant", "worker"} {
		labels := r.deployment(t, component).Spec.Template.Labels
		allowed := false
		for _, np := range r.policies {
			if !selects(t, &np.Spec.PodSelector, labels) {
				continue
			}
			for _, rule := range np.Spec.Egress {
				for _, p := range rule.Ports {
					if p.Port != nil && p.Port.IntValue() == s3Port {
						allowed = true
					}
				}
			}
		}
		if !allowed {
			t.Errorf("%s: no NetworkPolicy allows egress to the S3 endpoint's port %d", component, s3Port)
		}
	}
}

// containerPort resolves a probe's port (a number or a port name).
func containerPort(c corev1.Container, port string) int32 {
	if n, err := strconv.Atoi(port); err == nil {
		return int32(n)
	}
	for _, p := range c.Ports {
		if p.Name == port {
			return p.ContainerPort
		}
	}
	return 0
}

func env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func secretRef(c corev1.Container, name string) *corev1.SecretKeySelector {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil {
			return e.ValueFrom.SecretKeyRef
		}
	}
	return nil
}

// checkMigrationJob: `assistant migrate` as a pre-install,pre-upgrade hook,
// connecting with the owner role's URL while the servers use the app role's,
// and granting the app role (database.appRole) its rights.
func checkMigrationJob(t *testing.T, r rendered, appRole string) {
	t.Helper()
	if len(r.jobs) != 1 {
		t.Fatalf("want one Job (the migrations), got %d", len(r.jobs))
	}
	j := r.jobs[0]
	hooks := strings.Split(j.Annotations["helm.sh/hook"], ",")
	if !slices.Contains(hooks, "pre-install") || !slices.Contains(hooks, "pre-upgrade") {
		t.Errorf("Job %s: helm.sh/hook %q: want pre-install,pre-upgrade", j.Name, j.Annotations["helm.sh/hook"])
	}
	c := j.Spec.Template.Spec.Containers[0]
	if cmd := strings.Join(append(c.Command, c.Args...), " "); !strings.HasSuffix(cmd, "assistant migrate --grant-app-role "+appRole) {
		t.Errorf("Job %s runs %q; want assistant migrate --grant-app-role %s (database.appRole)", j.Name, cmd, appRole)
	}
	owner, app := secretRef(c, "CIVITAS_DATABASE_URL"), secretRef(r.deployment(t, "assistant").Spec.Template.Spec.Containers[0], "CIVITAS_DATABASE_URL")
	if owner == nil || app == nil || owner.Key == app.Key {
		t.Errorf("the Job and the assistant must read two Secret keys (owner and app role URL), got %+v and %+v", owner, app)
	}
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || j.Spec.BackoffLimit == nil {
		t.Errorf("Job %s: want restartPolicy Never and a backoffLimit", j.Name)
	}
}

// checkOllama: the StatefulSet (when in the release) runs the pinned image
// as non-root with its home and models on the volume, a GPU only when asked.
func checkOllama(t *testing.T, r rendered, want, wantGPU bool) {
	t.Helper()
	if !want {
		if len(r.statefulSets) != 0 {
			t.Errorf("ollama.enabled=false, yet %d StatefulSets are rendered", len(r.statefulSets))
		}
		return
	}
	if len(r.statefulSets) != 1 || len(r.statefulSets[0].Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("want one Ollama StatefulSet with a volume claim template, got %d", len(r.statefulSets))
	}
	s := r.statefulSets[0]
	c := s.Spec.Template.Spec.Containers[0]
	if c.Image != "ollama/ollama:0.17.4" {
		t.Errorf("Ollama image %q; want ollama/ollama:0.17.4 (the version of the Go client in go.mod)", c.Image)
	}
	if s.Spec.Template.Spec.SecurityContext.FSGroup == nil {
		t.Error("Ollama: no fsGroup, so uid 65532 cannot write its volume")
	}
	var data string
	for _, m := range c.VolumeMounts {
		if m.Name == s.Spec.VolumeClaimTemplates[0].Name {
			data = m.MountPath
		}
	}
	for _, name := range []string{"HOME", "OLLAMA_MODELS"} {
		if v := env(c, name); data == "" || !strings.HasPrefix(v, data) {
			t.Errorf("Ollama: %s=%q must lie on the volume (mounted at %q): the root file system is read-only", name, v, data)
		}
	}
	_, requested := c.Resources.Requests["nvidia.com/gpu"]
	_, limited := c.Resources.Limits["nvidia.com/gpu"]
	if requested != wantGPU || limited != wantGPU {
		t.Errorf("Ollama GPU request %v, limit %v; want %v", requested, limited, wantGPU)
	}
	if url := env(r.deployment(t, "assistant").Spec.Template.Spec.Containers[0], "CIVITAS_OLLAMA_URL"); !strings.Contains(url, s.Name) {
		t.Errorf("the assistant's CIVITAS_OLLAMA_URL %q does not name the Ollama service %s", url, s.Name)
	}
}
