package auth_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRoleGroupConstantsOnlyDefaults: the Group* constants name the
// default role groups only. Code that authorizes by them instead of the
// configured Roles lets a directory group that happens to carry a default
// name (say "knowledge-manager", with the role renamed to "km-role") grant
// the role (finding F1 of the pen-test). Outside tests, only
// Roles.WithDefaults may use them.
func TestRoleGroupConstantsOnlyDefaults(t *testing.T) {
	root := filepath.Join("..", "..")
	use := regexp.MustCompile(`\bauth\.Group(Admin|Auditor|KnowledgeManager)\b`)
	own := regexp.MustCompile(`\bGroup(Admin|Auditor|KnowledgeManager)\b`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			inAuth := filepath.Dir(path) == filepath.Join(root, "internal", "auth")
			allowed := inAuth && (filepath.Base(path) == "auth.go" || strings.Contains(line, "r.Admin = ") ||
				strings.Contains(line, "r.Auditor = ") || strings.Contains(line, "r.KnowledgeManager = "))
			if use.MatchString(line) || (inAuth && own.MatchString(line) && !allowed) {
				t.Errorf("%s:%d uses a default role group name; ask the configured Roles: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
