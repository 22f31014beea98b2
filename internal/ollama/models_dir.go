package ollama

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LocalModel is a GGUF file found on disk and the stable Ollama name it is
// imported under.
type LocalModel struct {
	Name string // e.g. "stories260k" for stories260K.gguf
	Path string
}

// ModelNameForFile is the name a GGUF file is imported under: its base
// name without extension, lower-cased, so that the same file always gets
// the same name on every machine.
func ModelNameForFile(path string) string {
	return strings.ToLower(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
}

// FindLocalModels lists the *.gguf files in dir, sorted by name. A missing
// directory is not an error: it has no models.
func FindLocalModels(dir string) ([]LocalModel, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.gguf"))
	if err != nil {
		return nil, fmt.Errorf("list models in %s: %w", dir, err)
	}
	sort.Strings(matches)
	var out []LocalModel
	for _, p := range matches {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			continue
		}
		out = append(out, LocalModel{Name: ModelNameForFile(p), Path: p})
	}
	return out, nil
}
