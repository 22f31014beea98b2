package deploy_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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
