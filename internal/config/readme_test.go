package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the settings table in README.md")

const (
	readmePath  = "../../README.md"
	tableBegin  = "<!-- settings table: generated from internal/config by `go test ./internal/config -update-readme` -->"
	tableEnd    = "<!-- end of settings table -->"
	defaultNone = "—"
)

// settingsTable renders Settings as the README's Markdown table, so that
// one table (this package's) documents every flag and variable.
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| Flag | Environment | Default | Binary | Meaning |\n|---|---|---|---|---|\n")
	for _, s := range Settings() {
		def := defaultNone
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		only := "both"
		if s.Only != "" {
			only = s.Only
		}
		usage := strings.ReplaceAll(s.Usage, "|", "\\|")
		b.WriteString("| `--" + s.Flag + "` | `" + s.Env + "` | " + def + " | " + only + " | " + usage + " |\n")
	}
	return b.String()
}

// The README's settings table must be exactly what the settings table
// says: a new setting without documentation fails here.
func TestReadmeSettingsTable(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, tableBegin), strings.Index(text, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q … %q around the settings table", tableBegin, tableEnd)
	}
	want := tableBegin + "\n" + settingsTable() + tableEnd
	got := text[i : j+len(tableEnd)]
	if got == want {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(readmePath, []byte(text[:i]+want+text[j+len(tableEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's settings table is out of date: run go test ./internal/config -update-readme")
}
