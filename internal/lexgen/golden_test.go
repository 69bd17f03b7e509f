package lexgen

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/lexicon"

	statuslex "github.com/statusphere/statusphere/internal/lexicon"
)

var update = flag.Bool("update", false, "rewrite the golden generated code in internal/golden")

const goldenImportPath = "github.com/statusphere/statusphere/internal/lexgen/internal/golden"

// loadSchemas loads and checks every schema under fsys.
func loadSchemas(t *testing.T, fsys fs.FS) []*lexicon.SchemaFile {
	t.Helper()
	cat, err := statuslex.Load(fsys)
	if err != nil {
		t.Fatalf("loading lexicons: %v", err)
	}
	var out []*lexicon.SchemaFile
	for _, d := range cat.Docs() {
		out = append(out, d.File)
	}
	return out
}

// TestGolden checks that internal/golden, the committed output for
// testdata/lexicons, is what the generator produces now (-update rewrites
// it). The round-trip tests compile against it.
func TestGolden(t *testing.T) {
	files, err := Generate(loadSchemas(t, os.DirFS("testdata/lexicons")), Config{ImportPath: goldenImportPath})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	dir := filepath.Join("internal", "golden")
	if *update {
		if err := WriteDir(dir, files); err != nil {
			t.Fatalf("WriteDir: %v", err)
		}
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil {
				t.Fatalf("golden file missing (run go test ./internal/lexgen -run TestGolden -update): %v", err)
			}
			if string(got) != string(want) {
				t.Errorf("golden file %s is stale: run go test ./internal/lexgen -run TestGolden -update", name)
			}
		})
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			t.Errorf("golden directory holds %s, which the generator no longer produces", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking golden directory: %v", err)
	}
}
