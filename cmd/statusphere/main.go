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
	"syscall"
)

const usage = `usage: statusphere <command> [flags]

commands:
  serve    web app + firehose ingester (default settings need no configuration)
  ingest   the firehose ingester alone, for split deployments (-addr serves /metrics, /healthz)
  backfill fetch the existing statuses of every repository that has some (resumes if interrupted)
  lex      lexicon tools: gen, validate, resolve, publish, lint
  keygen   print a new P-256 private key for the confidential OAuth client

Run "statusphere <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "statusphere:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest)
	case "ingest":
		return runIngest(ctx, rest)
	case "backfill":
		return runBackfill(ctx, rest, stderr)
	case "lex":
		return runLex(ctx, rest, stdout, stderr)
	case "keygen":
		return runKeygen(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
