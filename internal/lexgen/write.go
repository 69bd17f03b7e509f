package lexgen

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// GenerateDir generates the Go code for schemas ([Generate]) and writes it
// under dir ([WriteDir]); it returns the number of files generated. Both
// `statusphere lex gen` and the lexgen command (which go generate runs)
// call it.
func GenerateDir(dir string, schemas []*lexicon.SchemaFile, cfg Config) (int, error) {
	files, err := Generate(schemas, cfg)
	if err != nil {
		return 0, err
	}
	if err := WriteDir(dir, files); err != nil {
		return 0, err
	}
	return len(files), nil
}

// WriteDir writes generated files (as returned by [Generate]) under dir,
// leaving files whose content is unchanged alone, and removes the .go files
// under dir that start with [Header] but were not generated this time, and
// the directories that leaves empty. Hand-written files are never touched.
func WriteDir(dir string, files map[string][]byte) error {
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, src) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("writing generated code: %w", err)
		}
		if err := os.WriteFile(p, src, 0o644); err != nil {
			return fmt.Errorf("writing generated code: %w", err)
		}
	}
	var stale, dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir {
				dirs = append(dirs, p)
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if _, ok := files[filepath.ToSlash(rel)]; ok || !strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(b, []byte(Header+"\n")) {
			stale = append(stale, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("looking for stale generated code: %w", err)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("removing stale generated code: %w", err)
		}
	}
	// Deepest first, so that emptied parents go too; non-empty ones stay.
	slices.Reverse(dirs)
	for _, d := range dirs {
		if entries, err := os.ReadDir(d); err == nil && len(entries) == 0 {
			if err := os.Remove(d); err != nil {
				return fmt.Errorf("removing empty directory: %w", err)
			}
		}
	}
	return nil
}
