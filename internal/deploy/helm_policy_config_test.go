package deploy_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/civitas-eu/civitas/internal/config"
)

// The settings policies of TestHelmChartRendersRestrictedManifests: the
// Secret made from values and the settings each pod gets.

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
