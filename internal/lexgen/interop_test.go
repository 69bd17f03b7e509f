package lexgen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// interopDir returns a folder of the atproto interop vectors, read in place
// from ../shared beside the repository (never copied in).
func interopDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "atproto-interop-tests", sub)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("locating the interop vectors: %v", err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("interop vectors folder %s is missing: clone shared/atproto-interop-tests beside the repository (%v)", abs, err)
	}
	return abs
}

// interopRoundTrip is the test run inside the temporary module: every valid
// record fixture decodes into the generated Record type and encodes back to
// the same data, undeclared fields included.
const interopRoundTrip = `package interop_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"

	"lexgeninterop/gen/example/lexicon"
)

func TestRecordFixturesRoundTrip(t *testing.T) {
	b, err := os.ReadFile(os.Getenv("RECORD_FIXTURES"))
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []struct {
		Name string          ` + "`json:\"name\"`" + `
		Data json.RawMessage ` + "`json:\"data\"`" + `
	}
	if err := json.Unmarshal(b, &fixtures); err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range fixtures {
		t.Run(f.Name, func(t *testing.T) {
			var r lexicon.Record
			if err := json.Unmarshal(f.Data, &r); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			out, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("encoding: %v", err)
			}
			want, err := atdata.UnmarshalJSON(f.Data)
			if err != nil {
				t.Fatalf("fixture: %v", err)
			}
			got, err := atdata.UnmarshalJSON(out)
			if err != nil {
				t.Fatalf("output: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("round trip changed the record\n in: %s\nout: %s", f.Data, out)
			}
		})
	}
	t.Run("undeclared field kept", func(t *testing.T) {
		var r lexicon.Record
		if err := json.Unmarshal(fixtures[1].Data, &r); err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Extra["cidlink"]; !ok {
			t.Errorf("the fixture's undeclared field cidlink is not in Extra: %v", r.Extra)
		}
	})
}
`

// TestGenerateInteropCatalog generates Go types for the interop catalog
// (lexicon/catalog: records, objects, tokens, and the parameters, bodies
// and errors of the query and procedure schemas) into a temporary module, then builds and runs a
// round-trip test over record-data-valid.json there with the go command.
func TestGenerateInteropCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a temporary module with the go command; run without -short")
	}
	catalog := interopDir(t, "lexicon/catalog")
	fixtures := filepath.Join(interopDir(t, "lexicon"), "record-data-valid.json")
	files, err := Generate(loadSchemas(t, os.DirFS(catalog)), Config{ImportPath: "lexgeninterop/gen"})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, want := range []string{"example/lexicon/record.go", "example/lexicon/subscription.go", "example/lexicon/lexgen_runtime.go", "example/lexicon/query.go", "example/lexicon/procedure.go"} {
		if _, ok := files[want]; !ok {
			t.Errorf("no %s among the generated files", want)
		}
	}
	// Determinism: a second run gives the same bytes.
	again, err := Generate(loadSchemas(t, os.DirFS(catalog)), Config{ImportPath: "lexgeninterop/gen"})
	if err != nil {
		t.Fatalf("Generate again: %v", err)
	}
	for name, src := range files {
		if !bytes.Equal(src, again[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}

	mod := t.TempDir()
	if err := WriteDir(filepath.Join(mod, "gen"), files); err != nil {
		t.Fatalf("WriteDir: %v", err)
	}
	root := moduleRoot(t)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("reading go.mod: %v", err)
	}
	gomod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(gomod, []byte("module lexgeninterop"))
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatalf("reading go.sum: %v", err)
	}
	for name, content := range map[string][]byte{
		"go.mod":             gomod,
		"go.sum":             gosum,
		"interop_test.go":    []byte(interopRoundTrip),
		"gen/placeholder.go": []byte("// Package gen holds generated packages.\npackage gen\n"),
	} {
		if err := os.WriteFile(filepath.Join(mod, name), content, 0o644); err != nil {
			t.Fatalf("writing the temporary module: %v", err)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the generated code: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), goBin, "test", "-count=1", "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local", "RECORD_FIXTURES="+fixtures)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("building and testing the generated interop types: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ok  \tlexgeninterop") {
		t.Errorf("go test output:\n%s", out)
	}
}

// moduleRoot walks up from the working directory to the statusphere module.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module github.com/statusphere/statusphere\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod of github.com/statusphere/statusphere above the working directory")
		}
		dir = parent
	}
}
