package statusphere

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxFuncLines is the longest a hand-written function body may be.
const maxFuncLines = 80

// longFuncAllowed lists the functions, by package directory and name,
// that are still longer than maxFuncLines while they are being split
// (issue 10). Each entry must still be too long: the test fails on a stale
// entry, so the list only shrinks.
var longFuncAllowed = map[string]bool{}

// generatedDirs are the trees of generated code, exempt from the limit.
var generatedDirs = []string{"internal/gen", "internal/lexgen/internal/golden"}

// TestNoLongFunctions parses every non-test, non-generated .go file of the
// repository and fails listing each function whose body is longer than
// maxFuncLines lines.
func TestNoLongFunctions(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" || slices.Contains(generatedDirs, p)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		generated, err := isGenerated(p)
		if err != nil || generated {
			return err
		}
		for _, f := range longFuncs(t, p) {
			seen[f.key] = true
			if !longFuncAllowed[f.key] {
				t.Errorf("%s: %s is %d lines long (at most %d)", f.pos, f.key, f.lines, maxFuncLines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range longFuncAllowed {
		if !seen[key] {
			t.Errorf("%s is no longer too long: remove it from longFuncAllowed", key)
		}
	}
}

// longFunc is a function over the limit.
type longFunc struct {
	key   string // "dir.Name" or "dir.Type.Method"
	pos   token.Position
	lines int
}

// longFuncs returns the functions of file p whose bodies are too long.
func longFuncs(t *testing.T, p string) []longFunc {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parsing %s: %v", p, err)
	}
	var out []longFunc
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		// Lines between the braces, the braces excluded.
		lines := fset.Position(fn.Body.Rbrace).Line - fset.Position(fn.Body.Lbrace).Line - 1
		if lines <= maxFuncLines {
			continue
		}
		name := fn.Name.Name
		if fn.Recv != nil && len(fn.Recv.List) == 1 {
			name = recvName(fn.Recv.List[0].Type) + "." + name
		}
		out = append(out, longFunc{key: filepath.ToSlash(filepath.Dir(p)) + "." + name, pos: fset.Position(fn.Pos()), lines: lines})
	}
	return out
}

// recvName is the type name of a method receiver (T, *T, T[P]).
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}

// isGenerated reports whether the file at p carries the standard
// "// Code generated … DO NOT EDIT." line before its package clause.
func isGenerated(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "package ") {
			return false, nil
		}
		if strings.HasPrefix(line, "// Code generated ") && strings.HasSuffix(line, " DO NOT EDIT.") {
			return true, nil
		}
	}
	return false, sc.Err()
}
