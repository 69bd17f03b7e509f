package main

import (
	"context"
	"fmt"
	"io"

	"github.com/statusphere/statusphere/internal/app"
)

// runVersion runs `statusphere version`: the module version, VCS commit
// and Go version the binary was built with.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("version", stderr, "version  (prints the module version, VCS commit and Go version)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fset); err != nil {
		return err
	}
	bi := app.ReadBuildInfo()
	_, err := fmt.Fprintf(stdout, "statusphere %s commit %s %s\n", bi.Version, bi.Commit, bi.GoVersion)
	return err
}
