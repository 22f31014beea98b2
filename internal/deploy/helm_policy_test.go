package deploy_test

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/civitas-eu/civitas/internal/config"
)

// The policies of TestHelmChartRendersRestrictedManifests, one function per
// kind of object.

// nonRootUID is the distroless "nonroot" user the image runs as.
const nonRootUID = 65532

// pod is one pod template of the output, named for messages.
type pod struct {
	name   string
	labels map[string]string
	spec   corev1.PodSpec
}

func (r rendered) pods() []pod {
	var out []pod
	for _, d := range r.deployments {
		out = append(out, pod{"Deployment " + d.Name, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, s := range r.statefulSets {
		out = append(out, pod{"StatefulSet " + s.Name, s.Spec.Template.Labels, s.Spec.Template.Spec})
	}
	for _, j := range r.jobs {
		out = append(out, pod{"Job " + j.Name, j.Spec.Template.Labels, j.Spec.Template.Spec})
	}
	return out
}

// secretEnv matches the names of settings that hold secrets.
var secretEnv = regexp.MustCompile(`DATABASE_URL|SECRET|PASSWORD|TOKEN|_KEY$`)

// checkPods: Pod Security "restricted" and the chart's own rules for every
// container of every pod.
func checkPods(t *testing.T, r rendered) {
	t.Helper()
	if len(r.pods()) == 0 {
		t.Fatal("no pods rendered")
	}
	for _, p := range r.pods() {
		ps := p.spec.SecurityContext
		if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser != nonRootUID ||
			ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod securityContext %+v: want runAsNonRoot, runAsUser %d, seccompProfile RuntimeDefault", p.name, ps, nonRootUID)
		}
		if p.spec.AutomountServiceAccountToken == nil || *p.spec.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken must be false: no pod talks to the API server", p.name)
		}
		if p.spec.HostNetwork || p.spec.HostPID || p.spec.HostIPC {
			t.Errorf("%s: uses a host namespace", p.name)
		}
		if !mountsEmptyDirAt(p.spec, "/tmp") {
			t.Errorf("%s: every container needs an emptyDir at /tmp (the root file system is read-only)", p.name)
		}
		for _, c := range append(slices.Clone(p.spec.InitContainers), p.spec.Containers...) {
			where := p.name + " container " + c.Name
			checkContainerSecurity(t, where, c.SecurityContext)
			checkImage(t, where, c.Image)
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[res]; !ok {
					t.Errorf("%s: no %s request", where, res)
				}
				if _, ok := c.Resources.Limits[res]; !ok {
					t.Errorf("%s: no %s limit", where, res)
				}
			}
			if len(c.EnvFrom) > 0 {
				t.Errorf("%s: envFrom hides which settings a pod gets; list them in env", where)
			}
			for _, e := range c.Env {
				if strings.HasSuffix(e.Name, "_FILE") {
					// A path: checkConfig's secretFile wants it in a Secret volume.
					continue
				}
				if secretEnv.MatchString(e.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
					t.Errorf("%s: %s holds a secret and must come from a Secret (secretKeyRef), not a plain value", where, e.Name)
				}
			}
		}
	}
}

func checkContainerSecurity(t *testing.T, where string, sc *corev1.SecurityContext) {
	t.Helper()
	if sc == nil {
		t.Errorf("%s: no securityContext", where)
		return
	}
	switch {
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("%s: allowPrivilegeEscalation must be false", where)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("%s: readOnlyRootFilesystem must be true", where)
	case sc.Privileged != nil && *sc.Privileged:
		t.Errorf("%s: privileged", where)
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != nonRootUID:
		t.Errorf("%s: want runAsNonRoot and runAsUser %d", where, nonRootUID)
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("%s: capabilities %+v: want drop [ALL] and no add", where, sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Errorf("%s: seccompProfile must be RuntimeDefault", where)
	}
}

// checkImage: a pinned tag or a digest, never "latest" or none.
func checkImage(t *testing.T, where, image string) {
	t.Helper()
	if _, digest, ok := strings.Cut(image, "@"); ok {
		if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(digest) {
			t.Errorf("%s: image %q: malformed digest", where, image)
		}
		return
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon <= slash {
		t.Errorf("%s: image %q has no tag (it would run latest)", where, image)
	} else if tag := image[colon+1:]; tag == "" || tag == "latest" {
		t.Errorf("%s: image %q: tag %q is not pinned", where, image, tag)
	}
}

func mountsEmptyDirAt(spec corev1.PodSpec, path string) bool {
	for _, c := range spec.Containers {
		found := false
		for _, m := range c.VolumeMounts {
			for _, v := range spec.Volumes {
				if v.Name == m.Name && m.MountPath == path && v.EmptyDir != nil {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

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

// checkNetworkPolicies: a policy denying all ingress and egress selects
// every pod, and no allow rule is open to everything.
func checkNetworkPolicies(t *testing.T, r rendered) {
	t.Helper()
	var deny []networkingv1.NetworkPolicy
	for _, np := range r.policies {
		types := np.Spec.PolicyTypes
		if slices.Contains(types, networkingv1.PolicyTypeEgress) && slices.Contains(types, networkingv1.PolicyTypeIngress) &&
			len(np.Spec.Egress) == 0 && len(np.Spec.Ingress) == 0 {
			deny = append(deny, np)
		}
		for _, rule := range np.Spec.Ingress {
			if len(rule.From) == 0 {
				t.Errorf("NetworkPolicy %s: an ingress rule without from lets every pod in", np.Name)
			}
		}
		for _, rule := range np.Spec.Egress {
			if len(rule.To) == 0 && len(rule.Ports) == 0 {
				t.Errorf("NetworkPolicy %s: an egress rule without to and ports lets everything out", np.Name)
			}
		}
	}
	if len(deny) == 0 {
		t.Fatal("no default-deny NetworkPolicy (Ingress and Egress, no rules)")
	}
	for _, p := range r.pods() {
		if !slices.ContainsFunc(deny, func(np networkingv1.NetworkPolicy) bool { return selects(t, &np.Spec.PodSelector, p.labels) }) {
			t.Errorf("%s (labels %v) is not covered by the default-deny NetworkPolicy", p.name, p.labels)
		}
	}
}

func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %+v: %v", sel, err)
	}
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

// checkSecret: a Secret made from values exists before the migration Job
// runs (a hook of lower weight).
func checkSecret(t *testing.T, r rendered, want bool) {
	t.Helper()
	if !want {
		if len(r.secrets) != 0 {
			t.Errorf("an existing Secret is named, yet the chart renders %d Secrets", len(r.secrets))
		}
		return
	}
	if len(r.secrets) != 1 {
		t.Fatalf("want one Secret made from values, got %d", len(r.secrets))
	}
	s, j := r.secrets[0], r.jobs[0]
	sw, _ := strconv.Atoi(s.Annotations["helm.sh/hook-weight"])
	jw, _ := strconv.Atoi(j.Annotations["helm.sh/hook-weight"])
	if !strings.Contains(s.Annotations["helm.sh/hook"], "pre-install") || sw >= jw {
		t.Errorf("Secret %s must be a pre-install hook weighing less than Job %s (%d >= %d): the Job reads it", s.Name, j.Name, sw, jw)
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

// checkConfig: the assistant and the migration Job get only settings the
// binary knows, and the binary accepts them (config.Load, as at start-up);
// Secret-backed ones get a stand-in value.
func checkConfig(t *testing.T, r rendered) {
	t.Helper()
	known := map[string]bool{}
	for _, s := range config.For("assistant") {
		known[s.Env] = true
	}
	pods := map[string]corev1.PodSpec{"migration Job": r.jobs[0].Spec.Template.Spec}
	for _, d := range r.deployments {
		pods[d.Name] = d.Spec.Template.Spec
	}
	for name, spec := range pods {
		c := spec.Containers[0]
		vars := map[string]string{}
		for _, e := range c.Env {
			if !known[e.Name] {
				t.Errorf("%s: %s is not a setting of the assistant (internal/config)", name, e.Name)
			}
			vars[e.Name] = e.Value
			if e.ValueFrom != nil {
				vars[e.Name] = "postgres://civitas:pw@10.0.0.5:5432/civitas"
			}
			if strings.HasSuffix(e.Name, "_KEY_FILE") {
				vars[e.Name] = secretFile(t, spec, c, e.Value)
			}
		}
		cfg, _, err := config.Load("assistant", nil, func(k string) string { return vars[k] }, io.Discard, nil)
		if err != nil {
			t.Errorf("%s: the assistant would refuse its settings: %v", name, err)
			continue
		}
		if cfg.Auth.Mode != vars["CIVITAS_AUTH"] {
			t.Errorf("%s: sign-in mode %q, want %q", name, cfg.Auth.Mode, vars["CIVITAS_AUTH"])
		}
	}
}

// secretFile stands in for a key file the container reads: path must lie
// in a read-only mount of a Secret volume that projects it; the stand-in
// is a temporary file with a key in it.
func secretFile(t *testing.T, spec corev1.PodSpec, c corev1.Container, path string) string {
	t.Helper()
	for _, m := range c.VolumeMounts {
		rel, ok := strings.CutPrefix(path, m.MountPath+"/")
		if !ok {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name != m.Name || v.Secret == nil || !m.ReadOnly {
				continue
			}
			if slices.ContainsFunc(v.Secret.Items, func(k corev1.KeyToPath) bool { return k.Path == rel }) {
				f := filepath.Join(t.TempDir(), rel)
				if err := os.WriteFile(f, []byte("stand-in-key\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				return f
			}
		}
	}
	t.Errorf("%s: key file %s is not in a read-only Secret volume that projects it", c.Name, path)
	return path
}
