package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/statusphere/statusphere/internal/store"
)

// runBackup runs `statusphere backup DEST`: a consistent copy of the SQLite
// database in the new file DEST, taken while serve keeps running.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("backup", stderr, "backup [-database-url path] DEST")
	parse := appFlags(fset, "database-url")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return errors.New("backup: give one destination file, which must not exist")
	}
	cfg, err := parse()
	if err != nil {
		return err
	}
	dest := fset.Arg(0)
	if err := store.Backup(ctx, cfg.DatabaseURL, dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "backed up %s to %s\n", cfg.DatabaseURL, dest)
	return err
}
