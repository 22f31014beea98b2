// Package prompts holds the prompt templates of the assistant and loads
// them: the built-in ones embedded in the binary, each of which an admin
// can override without a rebuild by putting a file of the same name in a
// directory (--prompts-dir). Templates use Go template syntax and are
// rendered through langchaingo's PromptTemplate, which refuses missing
// variables instead of rendering "<no value>" into a prompt.
package prompts

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	lcprompts "github.com/tmc/langchaingo/prompts"
)

//go:embed *.tmpl
var builtin embed.FS

// Names of the templates every Set has.
const (
	System     = "system"      // rules for the model; vars: language
	Answer     = "answer"      // sources and question; vars: sources, question
	Condense   = "condense"    // follow-up to standalone question; vars: history, question, language
	NotCovered = "not_covered" // the reply when nothing relevant is found; vars: language
)

// Set is a loaded set of templates.
type Set struct {
	templates map[string]lcprompts.PromptTemplate
	sources   map[string]string // where each template came from, for logs
	version   string
}

// Load returns the built-in templates with any *.tmpl file in dir (if dir
// is not empty) replacing the built-in of the same name. A file that is not
// one of the known names is an error, so a typo does not silently leave the
// built-in in force.
func Load(dir string) (*Set, error) {
	s := &Set{templates: map[string]lcprompts.PromptTemplate{}, sources: map[string]string{}}
	texts := map[string]string{}
	entries, err := fs.Glob(builtin, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("prompts: list built-in templates: %w", err)
	}
	for _, e := range entries {
		b, err := builtin.ReadFile(e)
		if err != nil {
			return nil, fmt.Errorf("prompts: read built-in %s: %w", e, err)
		}
		name := strings.TrimSuffix(e, ".tmpl")
		texts[name], s.sources[name] = string(b), "built-in"
	}
	if dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.tmpl"))
		if err != nil {
			return nil, fmt.Errorf("prompts: list %s: %w", dir, err)
		}
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".tmpl")
			if _, known := texts[name]; !known {
				return nil, fmt.Errorf("prompts: %s: unknown template name %q (known: %s)", f, name, strings.Join(slices.Sorted(keys(texts)), ", "))
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("prompts: read %s: %w", f, err)
			}
			texts[name], s.sources[name] = string(b), f
		}
	}
	h := sha256.New()
	for _, name := range slices.Sorted(keys(texts)) {
		if strings.TrimSpace(texts[name]) == "" {
			return nil, fmt.Errorf("prompts: template %s (%s) is empty", name, s.sources[name])
		}
		s.templates[name] = lcprompts.NewPromptTemplate(texts[name], nil)
		fmt.Fprintf(h, "%s\x00%s\x00", name, texts[name])
	}
	s.version = hex.EncodeToString(h.Sum(nil))[:16]
	return s, nil
}

func keys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Version identifies the exact template texts in force (a hash), so that a
// stored answer can be traced to the prompts that produced it.
func (s *Set) Version() string { return s.version }

// Source says where the named template was loaded from.
func (s *Set) Source(name string) string { return s.sources[name] }

// ErrUnknownTemplate is returned by Render for a name the set lacks.
var ErrUnknownTemplate = errors.New("unknown prompt template")

// Render fills the named template with values. A variable the template
// uses but values lacks is an error.
func (s *Set) Render(name string, values map[string]any) (string, error) {
	t, ok := s.templates[name]
	if !ok {
		return "", fmt.Errorf("prompts: %s: %w", name, ErrUnknownTemplate)
	}
	out, err := t.Format(values)
	if err != nil {
		return "", fmt.Errorf("prompts: render %s (%s): %w", name, s.sources[name], err)
	}
	return out, nil
}
