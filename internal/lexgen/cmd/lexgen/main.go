// Command lexgen writes the Go types generated from lexicon schemas: the
// small program behind internal/gen's go:generate line, so that generating
// code does not build the whole app. `statusphere lex gen` does the same.
//
//	lexgen -lexicons ../../lexicons -out . -import github.com/statusphere/statusphere/internal/gen
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	ilexicon "github.com/bluesky-social/indigo/atproto/lexicon"

	"github.com/statusphere/statusphere/internal/lexgen"
	"github.com/statusphere/statusphere/internal/lexicon"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "lexgen:", err)
		os.Exit(1)
	}
}

// run parses the flags, loads the schemas and writes the generated code.
func run(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("lexgen", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: lexgen -lexicons dir -out dir -import path")
		fset.PrintDefaults()
	}
	dir := fset.String("lexicons", "lexicons", "directory of lexicon schemas")
	out := fset.String("out", "internal/gen", "directory to write the generated packages to")
	importPath := fset.String("import", "github.com/statusphere/statusphere/internal/gen", "Go import path of -out")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return fmt.Errorf("unexpected arguments %q", fset.Args())
	}
	cat, err := lexicon.Load(os.DirFS(*dir))
	if err != nil {
		return fmt.Errorf("loading %s: %w", *dir, err)
	}
	var schemas []*ilexicon.SchemaFile
	for _, d := range cat.Docs() {
		schemas = append(schemas, d.File)
	}
	n, err := lexgen.GenerateDir(*out, schemas, lexgen.Config{ImportPath: *importPath})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "lexgen: %d schemas, %d files in %s\n", len(schemas), n, *out)
	return err
}
