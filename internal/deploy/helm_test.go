package deploy_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The chart and the Kubernetes version it is rendered for: the oldest one
// Chart.yaml's kubeVersion is meant to cover well (restricted Pod Security
// and autoscaling/v2 are GA there).
const (
	chartPath   = "../../deploy/helm/civitas"
	kubeVersion = "1.29.0"
	// envHelm names the helm binary; scripts/build-helm.sh builds it and
	// scripts/test.sh exports it.
	envHelm = "CIVITAS_HELM"
)

// Secret values given on the command line. None may appear in a rendered
// pod spec: they reach the pods through Secrets only.
const (
	appURL       = "postgres://civitas_app:app-pw-5f2c@db.civitas-db:5432/civitas"
	ownerURL     = "postgres://civitas:owner-pw-91ad@db.civitas-db:5432/civitas"
	clientSecret = "oidc-secret-77e3"
	pseudonymKey = "pseudonym-key-c0de"
)

// required are the values the chart refuses to render without.
var required = []string{
	"--set", "auth.mode=oidc",
	"--set", "auth.oidc.issuer=https://login.example-city.eu/realms/staff",
	"--set", "publicURL=https://assistant.example-city.eu",
	"--set", "database.appURL=" + appURL,
	"--set", "database.ownerURL=" + ownerURL,
}

// helmBinary returns the helm to render with. Without one the test skips,
// or fails under CIVITAS_TEST_REQUIRE_SERVICES=1 (make test), so that CI
// never passes by skipping.
func helmBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv(envHelm)
	msg := ""
	switch {
	case path == "":
		msg = envHelm + " is not set: the Helm chart test needs a helm binary (scripts/build-helm.sh builds one; make test sets it)"
	default:
		if fi, err := os.Stat(path); err != nil || fi.IsDir() {
			msg = fmt.Sprintf("%s=%s is not a helm binary (%v)", envHelm, path, err)
		}
	}
	if msg != "" {
		if os.Getenv("CIVITAS_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s (CIVITAS_TEST_REQUIRE_SERVICES=1, so this is a failure, not a skip)", msg)
		}
		t.Skip(msg)
	}
	return path
}

// helmTemplate renders the chart with args; it returns the manifests, or
// helm's error output when rendering fails.
func helmTemplate(t *testing.T, helm string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), helm, append([]string{"template", "civitas", chartPath,
		"--namespace", "civitas", "--kube-version", kubeVersion}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

// rendered is a chart's output decoded into the Kubernetes API types.
type rendered struct {
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	jobs         []batchv1.Job
	services     []corev1.Service
	secrets      []corev1.Secret
	accounts     []corev1.ServiceAccount
	claims       []corev1.PersistentVolumeClaim
	pdbs         []policyv1.PodDisruptionBudget
	hpas         []autoscalingv2.HorizontalPodAutoscaler
	policies     []networkingv1.NetworkPolicy
	ingresses    []networkingv1.Ingress
}

// docSeparator splits a multi-document YAML stream as helm writes it.
var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// decodeAll decodes every manifest strictly: an unknown or misspelt field,
// a duplicate key or a kind the test does not know fails the test, as the
// API server would refuse (or silently drop) it.
func decodeAll(t *testing.T, out string) rendered {
	t.Helper()
	var r rendered
	for _, doc := range docSeparator.Split(out, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("manifest is not YAML: %v\n%s", err, doc)
		}
		var err error
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			r.deployments, err = appendStrict(r.deployments, doc)
		case "apps/v1 StatefulSet":
			r.statefulSets, err = appendStrict(r.statefulSets, doc)
		case "batch/v1 Job":
			r.jobs, err = appendStrict(r.jobs, doc)
		case "v1 Service":
			r.services, err = appendStrict(r.services, doc)
		case "v1 Secret":
			r.secrets, err = appendStrict(r.secrets, doc)
		case "v1 ServiceAccount":
			r.accounts, err = appendStrict(r.accounts, doc)
		case "v1 PersistentVolumeClaim":
			r.claims, err = appendStrict(r.claims, doc)
		case "policy/v1 PodDisruptionBudget":
			r.pdbs, err = appendStrict(r.pdbs, doc)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			r.hpas, err = appendStrict(r.hpas, doc)
		case "networking.k8s.io/v1 NetworkPolicy":
			r.policies, err = appendStrict(r.policies, doc)
		case "networking.k8s.io/v1 Ingress":
			r.ingresses, err = appendStrict(r.ingresses, doc)
		default:
			t.Fatalf("the chart renders %s %s, which this test does not check: add it here", tm.APIVersion, tm.Kind)
		}
		if err != nil {
			t.Fatalf("%s does not decode strictly into the Kubernetes API type: %v\n%s", tm.Kind, err, doc)
		}
	}
	return r
}

// appendStrict decodes doc into a T with unknown fields refused.
func appendStrict[T any](list []T, doc string) ([]T, error) {
	var v T
	if err := yaml.UnmarshalStrict([]byte(doc), &v); err != nil {
		return list, err
	}
	return append(list, v), nil
}

// stripComments drops the "# Source:" and other comment lines.
func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.Lines(doc) {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestHelmChartRendersRestrictedManifests renders the chart for each
// documented way of installing it and checks the policies every rendering
// must keep (helm_policy_test.go).
func TestHelmChartRendersRestrictedManifests(t *testing.T) {
	helm := helmBinary(t)
	tests := []struct {
		name string
		args []string
		// wantOllama: the release runs Ollama; wantGPU: it asks for a GPU.
		wantOllama, wantGPU bool
		// wantSecret: the chart makes the Secret from values.
		wantSecret bool
		// wantHPA: replicas are the autoscaler's.
		wantHPA bool
		// noWorker: the assistant runs the jobs itself.
		noWorker bool
		// appRole: the role the migration Job grants (empty: civitas_app).
		appRole string
		// claim: the chosen uploads claim (empty: an emptyDir).
		claim string
		// s3Port: originals in S3, reached on this port (0: in PostgreSQL).
		s3Port int
	}{
		{
			name:       "defaults with the required values",
			args:       required,
			wantOllama: true, wantSecret: true, wantHPA: true,
		},
		{
			name:       "values-production.yaml",
			args:       []string{"-f", chartPath + "/values-production.yaml"},
			wantOllama: true, wantGPU: true, wantHPA: true, s3Port: 9000,
		},
		{
			name: "originals in S3 over https, another app role, the uploads claim of an older release",
			args: append([]string{
				"--set", "originals.store=s3",
				"--set", "originals.s3.endpoint=https://s3.storage.city.internal",
				"--set", "originals.s3.bucket=civitas",
				"--set", "originals.s3.existingSecret=civitas-s3",
				"--set", "database.appRole=assistant_rw",
				"--set", "uploads.existingClaim=civitas-uploads",
			}, required...),
			wantOllama: true, wantSecret: true, wantHPA: true,
			appRole: "assistant_rw", claim: "civitas-uploads", s3Port: 443,
		},
		{
			name: "proxy sign-in, external Ollama, existing Secret, fixed replicas, Ingress",
			args: []string{
				"--set", "auth.mode=proxy",
				"--set", "auth.proxy.trustedProxies=10.42.0.0/16",
				"--set", "publicURL=https://assistant.example-city.eu",
				"--set", "database.existingSecret=civitas-database",
				"--set", "ollama.enabled=false",
				"--set", "ollama.url=http://ollama.gpu.svc:11434",
				"--set", "autoscaling.enabled=false",
				"--set", "replicaCount=3",
				"--set", "ingress.enabled=true",
				"--set", "image.digest=sha256:" + strings.Repeat("ab", 32),
				"--set", "worker.image.digest=sha256:" + strings.Repeat("cd", 32),
			},
		},
		{
			name:       "no worker: the assistant runs the jobs",
			args:       append([]string{"--set", "worker.enabled=false"}, required...),
			wantOllama: true, wantSecret: true, wantHPA: true, noWorker: true,
		},
		{
			name: "secrets from values: OIDC client secret and pseudonym key",
			args: append([]string{
				"--set", "auth.oidc.clientSecret=" + clientSecret,
				"--set", "pseudonymKey.value=" + pseudonymKey,
				"--set", "ollama.gpu.enabled=true",
			}, required...),
			wantOllama: true, wantGPU: true, wantSecret: true, wantHPA: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := helmTemplate(t, helm, tc.args...)
			if err != nil {
				t.Fatalf("helm template: %v", err)
			}
			for _, secret := range []string{"app-pw-5f2c", "owner-pw-91ad", clientSecret, pseudonymKey} {
				if n := strings.Count(out, secret); n > 1 {
					t.Errorf("secret value %q appears %d times in the output: only the chart's Secret may hold it", secret, n)
				}
			}
			r := decodeAll(t, out)
			checkPods(t, r)
			checkAssistant(t, r, tc.wantHPA)
			checkWorker(t, r, !tc.noWorker)
			appRole := tc.appRole
			if appRole == "" {
				appRole = "civitas_app"
			}
			checkMigrationJob(t, r, appRole)
			checkUploadsAndOriginals(t, r, tc.claim, tc.s3Port)
			checkConfig(t, r)
			checkNetworkPolicies(t, r)
			checkSecret(t, r, tc.wantSecret)
			checkOllama(t, r, tc.wantOllama, tc.wantGPU)
		})
	}
}

// TestHelmChartRefusesUnsafeValues: the chart fails to render, naming the
// value to fix, when a required setting is missing or a value would break
// a policy.
func TestHelmChartRefusesUnsafeValues(t *testing.T) {
	helm := helmBinary(t)
	// without drops the --set pair of one required value.
	without := func(name string) []string {
		var out []string
		for i := 0; i < len(required); i += 2 {
			if !strings.HasPrefix(required[i+1], name+"=") {
				out = append(out, required[i], required[i+1])
			}
		}
		return out
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"auth.mode missing", without("auth.mode"), "auth.mode is required"},
		{"dev sign-in", append(without("auth.mode"), "--set", "auth.mode=dev"), "auth.mode must be oidc or proxy"},
		{"publicURL missing", without("publicURL"), "publicURL is required"},
		{"publicURL not a URL", append(without("publicURL"), "--set", "publicURL=assistant"), "publicURL must be an http(s) URL"},
		{"OIDC without issuer", without("auth.oidc.issuer"), "auth.oidc.issuer is required"},
		{"proxy without trusted proxies", append(without("auth.mode"), "--set", "auth.mode=proxy"), "auth.proxy.trustedProxies is required"},
		{"no database", without("database.ownerURL"), "database.existingSecret"},
		{"image tag latest", append(required, "--set", "image.tag=latest"), "image.tag must name a pinned release"},
		{"Ollama tag latest", append(required, "--set", "ollama.image.tag=latest"), "ollama.image.tag must name a pinned release"},
		{"Ollama tag empty", append(required, "--set", "ollama.image.tag="), "ollama.image.tag must name a pinned release"},
		{"bad digest", append(required, "--set", "image.digest=abc"), "image.digest must look like sha256"},
		{"worker tag latest", append(required, "--set", "worker.image.tag=latest"), "worker.image.tag must name a pinned release"},
		{"external Ollama without URL", append(required, "--set", "ollama.enabled=false"), "ollama.url is required"},
		{"secret in extraEnv", append(required, "--set", "extraEnv.CIVITAS_DATABASE_URL=postgres://x"), "extraEnv.CIVITAS_DATABASE_URL is a secret setting"},
		{"autoscaler below two", append(required, "--set", "autoscaling.minReplicas=1"), "autoscaling.minReplicas must be at least 2"},
		{"unknown originals store", append(required, "--set", "originals.store=nfs"), "originals.store must be postgres or s3"},
		{"S3 without endpoint", append(required, "--set", "originals.store=s3", "--set", "originals.s3.bucket=b", "--set", "originals.s3.existingSecret=s"), "originals.s3.endpoint is required"},
		{"S3 endpoint with a path", append(required, "--set", "originals.store=s3", "--set", "originals.s3.endpoint=https://s3.city.internal/bucket", "--set", "originals.s3.bucket=b", "--set", "originals.s3.existingSecret=s"), "originals.s3.endpoint is required"},
		{"S3 without bucket", append(required, "--set", "originals.store=s3", "--set", "originals.s3.endpoint=https://s3.city.internal", "--set", "originals.s3.existingSecret=s"), "originals.s3.bucket is required"},
		{"S3 keys not from a Secret", append(required, "--set", "originals.store=s3", "--set", "originals.s3.endpoint=https://s3.city.internal", "--set", "originals.s3.bucket=b"), "originals.s3.existingSecret is required"},
		{"S3 key file in extraEnv", append(required, "--set", "extraEnv.CIVITAS_S3_ACCESS_KEY_FILE=/tmp/k"), "extraEnv.CIVITAS_S3_ACCESS_KEY_FILE is a secret setting"},
		{"ingress open to all", append(required, "--set", "networkPolicy.ingressController.namespaceSelector=null", "--set", "networkPolicy.ingressController.podSelector=null"), "networkPolicy.ingressController needs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := helmTemplate(t, helm, tc.args...)
			if err == nil {
				t.Fatalf("helm template succeeded; want a failure naming %q. Output:\n%.2000s", tc.want, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("helm template failed with %v; want the message to contain %q", err, tc.want)
			}
		})
	}
}
