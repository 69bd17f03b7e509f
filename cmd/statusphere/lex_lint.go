package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/pds"
)

// runLexLint runs `statusphere lex lint`: indigo lexlint's checks and
// unresolved references on the lexicons and, with -against (a directory of
// earlier versions) or -published (the versions published on the network),
// the changes that would break existing data. Error-level issues and any
// breaking change fail the command.
func runLexLint(ctx context.Context, env lexEnv, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("lex lint", stderr, "lex lint [-lexicons dir] [-against dir | -published]")
	dir := lexiconsFlag(fset)
	against := fset.String("against", "", "directory of earlier versions of the schemas, to check for breaking changes")
	published := fset.Bool("published", false, "check for breaking changes against the versions published on the network")
	nf := addNetFlags(fset)
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 || *against != "" && *published {
		fset.Usage()
		return errors.New("lex lint: takes no arguments, and -against or -published, not both")
	}
	cat, err := loadLexicons(*dir)
	if err != nil {
		return fmt.Errorf("lex lint: %w", err)
	}
	issues := cat.Lint()
	var breaking []lexicon.LintIssue
	switch {
	case *against != "":
		old, err := loadLexicons(*against)
		if err != nil {
			return fmt.Errorf("lex lint: -against: %w", err)
		}
		for _, d := range cat.Docs() {
			if before, ok := old.Doc(d.NSID); ok {
				breaking = append(breaking, lexicon.BreakingChanges(before.File, d.File)...)
			}
		}
	case *published:
		r := nf.resolver(env)
		for _, d := range cat.Docs() {
			res, err := r.Resolve(ctx, d.NSID)
			if errors.Is(err, lexicon.ErrNSIDNotFound) || errors.Is(err, pds.ErrNotFound) {
				fmt.Fprintf(stderr, "%s: not published yet\n", d.NSID)
				continue
			}
			if err != nil {
				return fmt.Errorf("lex lint: %w", err)
			}
			before, err := lexicon.ParseSchema(res.Record.Value)
			if err != nil {
				return fmt.Errorf("lex lint: published %s: %w", d.NSID, err)
			}
			breaking = append(breaking, lexicon.BreakingChanges(before, d.File)...)
		}
	}
	errs := 0
	for _, i := range issues {
		fmt.Fprintln(stdout, i)
		if i.Level == "error" {
			errs++
		}
	}
	for _, i := range breaking {
		fmt.Fprintln(stdout, "breaking:", i)
	}
	if errs > 0 || len(breaking) > 0 {
		return fmt.Errorf("lex lint: %d errors, %d breaking changes", errs, len(breaking))
	}
	return nil
}
