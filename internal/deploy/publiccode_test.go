package deploy_test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// publiccode is the part of the publiccode.yml standard (version 0.4) whose
// mandatory keys catalogues reject a file without.
type publiccode struct {
	Version           string   `yaml:"publiccodeYmlVersion"`
	Name              string   `yaml:"name"`
	URL               string   `yaml:"url"`
	Platforms         []string `yaml:"platforms"`
	Categories        []string `yaml:"categories"`
	DevelopmentStatus string   `yaml:"developmentStatus"`
	SoftwareType      string   `yaml:"softwareType"`
	Description       map[string]struct {
		ShortDescription string   `yaml:"shortDescription"`
		LongDescription  string   `yaml:"longDescription"`
		Features         []string `yaml:"features"`
	} `yaml:"description"`
	Legal struct {
		License string `yaml:"license"`
	} `yaml:"legal"`
	Maintenance struct {
		Type     string `yaml:"type"`
		Contacts []struct {
			Name string `yaml:"name"`
		} `yaml:"contacts"`
	} `yaml:"maintenance"`
	Localisation struct {
		LocalisationReady  *bool    `yaml:"localisationReady"`
		AvailableLanguages []string `yaml:"availableLanguages"`
	} `yaml:"localisation"`
}

// TestPubliccode checks the catalogue description against the standard's
// mandatory keys and limits, and its licence against LICENSE.
func TestPubliccode(t *testing.T) {
	b, err := os.ReadFile("../../publiccode.yml")
	if err != nil {
		t.Fatal(err)
	}
	var pc publiccode
	if err := yaml.Unmarshal(b, &pc); err != nil {
		t.Fatalf("publiccode.yml: %v", err)
	}
	for key, v := range map[string]string{
		"publiccodeYmlVersion": pc.Version, "name": pc.Name, "url": pc.URL,
		"developmentStatus": pc.DevelopmentStatus, "softwareType": pc.SoftwareType,
		"legal.license": pc.Legal.License, "maintenance.type": pc.Maintenance.Type,
	} {
		if v == "" {
			t.Errorf("publiccode.yml: %s is missing", key)
		}
	}
	if len(pc.Platforms) == 0 || len(pc.Categories) == 0 {
		t.Error("publiccode.yml: platforms and categories must not be empty")
	}
	if pc.Maintenance.Type != "none" && len(pc.Maintenance.Contacts) == 0 {
		t.Error("publiccode.yml: maintenance.contacts needed unless maintenance.type is none")
	}
	if pc.Localisation.LocalisationReady == nil || len(pc.Localisation.AvailableLanguages) == 0 {
		t.Error("publiccode.yml: localisation.localisationReady and availableLanguages are mandatory")
	}
	en, ok := pc.Description["en"]
	if !ok {
		t.Fatal("publiccode.yml: description.en is missing")
	}
	for lang, d := range pc.Description {
		// The standard's limits: short ≤ 150 characters, long 150–10000.
		if n := len([]rune(strings.TrimSpace(d.ShortDescription))); n == 0 || n > 150 {
			t.Errorf("description.%s.shortDescription: %d characters, want 1–150", lang, n)
		}
		if n := len([]rune(d.LongDescription)); n < 150 || n > 10000 {
			t.Errorf("description.%s.longDescription: %d characters, want 150–10000", lang, n)
		}
	}
	if len(en.Features) == 0 {
		t.Error("description.en.features: empty")
	}
	lic, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if pc.Legal.License != "EUPL-1.2" || !strings.HasPrefix(string(lic), "EUROPEAN UNION PUBLIC LICENCE v. 1.2") {
		t.Errorf("legal.license %q does not match LICENSE", pc.Legal.License)
	}
}
