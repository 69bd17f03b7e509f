package main

import (
	"context"
	"fmt"
	"io"

	ilexicon "github.com/bluesky-social/indigo/atproto/lexicon"

	"github.com/statusphere/statusphere/internal/lexgen"
)

// runLexGen runs `statusphere lex gen`: Go types from the lexicons, written
// under -out (internal/gen by default), stale generated files removed.
func runLexGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("lex gen", stderr, "lex gen [-lexicons dir] [-out dir] [-import path]")
	dir := lexiconsFlag(fset)
	out := fset.String("out", "internal/gen", "directory to write the generated packages to")
	importPath := fset.String("import", "github.com/statusphere/statusphere/internal/gen", "Go import path of -out")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return fmt.Errorf("lex gen: unexpected arguments %q", fset.Args())
	}
	cat, err := loadLexicons(*dir)
	if err != nil {
		return fmt.Errorf("lex gen: %w", err)
	}
	var schemas []*ilexicon.SchemaFile
	for _, d := range cat.Docs() {
		schemas = append(schemas, d.File)
	}
	n, err := lexgen.GenerateDir(*out, schemas, lexgen.Config{ImportPath: *importPath})
	if err != nil {
		return fmt.Errorf("lex gen: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "lex gen: %d schemas, %d files in %s\n", len(schemas), n, *out)
	return err
}
