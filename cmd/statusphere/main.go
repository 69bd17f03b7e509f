// Command statusphere runs the Statusphere app: set an emoji status in your
// own AT Protocol repo and see everyone's on a live timeline.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string // one line, for the command list
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order usage shows them.
func commands() []command {
	return []command{
		{"serve", "web app + firehose ingester (default settings need no configuration)", runServe},
		{"ingest", "the firehose ingester alone, for split deployments (-ops-addr serves /metrics, /healthz, /readyz)", runIngest},
		{"backfill", "fetch the existing statuses of every repository that has some (resumes if interrupted)", runBackfill},
		{"backup", "copy the SQLite database, consistently, while the app runs", runBackup},
		{"lex", "lexicon tools: gen, validate, resolve, publish, lint", runLex},
		{"dev", "try it all locally: a local PDS + PLC with demo accounts, and the app wired to them", runDev},
		{"keygen", "print a new P-256 private key for the confidential OAuth client", runKeygen},
		{"version", "print the version, VCS commit and Go version of this binary", runVersion},
	}
}

// usage is the command list.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: statusphere <command> [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s%s\n", c.name, c.summary)
	}
	b.WriteString("\nRun \"statusphere <command> -h\" for a command's flags.\n")
	return b.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if code != 0 {
		fmt.Fprintln(os.Stderr, "statusphere:", err)
	}
	os.Exit(code)
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return errors.New("no command given")
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, rest, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, usage())
	return fmt.Errorf("unknown command %q", name)
}

// exitError is an error that calls for a particular exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode is the process's exit status for run's error: 0 for none or a
// -h request, an exitError's code, otherwise 1.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}
