package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeWheel writes a zip with the named entries and returns its path and
// sha256.
func writeWheel(t *testing.T, entries map[string]string) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.whl")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return p, hex.EncodeToString(sum[:])
}

// TestWheelIsCheckedAndUnpackedSafely: a wheel with another checksum than
// the pinned one is refused; the model folder is unpacked with its
// subfolders (the pooling config Ollama's BERT conversion reads), the rest
// left out; an entry that would leave the target folder is refused.
func TestWheelIsCheckedAndUnpackedSafely(t *testing.T) {
	good, sum := writeWheel(t, map[string]string{
		"pkg/model/config.json":           `{"architectures":["BertModel"]}`,
		"pkg/model/1_Pooling/config.json": `{"pooling_mode_mean_tokens":true}`,
		"pkg/__init__.py":                 "",
	})
	if err := checkSum(good, strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("wrong checksum: %v, want a refusal", err)
	}
	if err := checkSum(good, strings.ToUpper(sum)); err != nil {
		t.Errorf("right checksum: %v", err)
	}
	dst := t.TempDir()
	if err := extract(good, "pkg/model", dst); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"config.json", "1_Pooling/config.json"} {
		if _, err := os.Stat(filepath.Join(dst, want)); err != nil {
			t.Errorf("%s not unpacked: %v", want, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "__init__.py")); err == nil {
		t.Error("a file outside the model folder was unpacked")
	}
	if !modelFile("model.safetensors") || !modelFile("1_Pooling/config.json") || modelFile("README.md") {
		t.Error("modelFile keeps the wrong files")
	}

	evil, _ := writeWheel(t, map[string]string{"pkg/model/../../escape.json": "{}"})
	if err := extract(evil, "pkg/model", t.TempDir()); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("path traversal: %v, want a refusal", err)
	}
}
