package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"time"

	"github.com/bluesky-social/indigo/atproto/identity"

	statusphere "github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/app"
	"github.com/statusphere/statusphere/internal/config"
	"github.com/statusphere/statusphere/internal/lexicon"
)

const lexUsage = `usage: statusphere lex <subcommand> [flags] [args]

subcommands:
  gen       generate Go types from the lexicons into internal/gen
  validate  validate records: files (- for stdin) or at:// URIs
  resolve   resolve NSIDs to their published schemas and print them
  publish   publish the app's lexicons as com.atproto.lexicon.schema records
  lint      check the lexicons (and, with -against, for breaking changes)

Run "statusphere lex <subcommand> -h" for its flags.
`

// runLex runs `statusphere lex …`: lexicon work on lexicons/.
func runLex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runLexWith(ctx, lexEnv{}, args, stdout, stderr)
}

// lexEnv holds what the lex subcommands reach the network with. runLex
// leaves it empty, so it is built from flags; tests inject their own.
type lexEnv struct {
	// resolver, when set, replaces the one built from -plc and -timeout.
	resolver *lexicon.Resolver
}

func runLexWith(ctx context.Context, env lexEnv, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, lexUsage)
		return errors.New("lex: no subcommand given")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "gen":
		return runLexGen(ctx, rest, stdout, stderr)
	case "validate":
		return runLexValidate(ctx, env, rest, stdout, stderr)
	case "resolve":
		return runLexResolve(ctx, env, rest, stdout, stderr)
	case "publish":
		return runLexPublish(ctx, env, rest, stdout, stderr)
	case "lint":
		return runLexLint(ctx, env, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, lexUsage)
		return nil
	default:
		fmt.Fprint(stderr, lexUsage)
		return fmt.Errorf("lex: unknown subcommand %q", sub)
	}
}

// lexiconsFlag adds -lexicons: a directory of schemas, or the app's
// embedded lexicons/ when empty.
func lexiconsFlag(fset *flag.FlagSet) *string {
	return fset.String("lexicons", "", "directory of lexicon schemas (default: the app's lexicons/, built in)")
}

// loadLexicons loads the catalog -lexicons names.
func loadLexicons(dir string) (*lexicon.Catalog, error) {
	var fsys fs.FS = statusphere.Lexicons
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("lexicons directory: %w", err)
		}
		fsys = os.DirFS(dir)
	}
	return lexicon.Load(fsys)
}

// netFlags configure resolution on the public network.
type netFlags struct {
	plc          *string
	timeout      *time.Duration
	allowPrivate *bool
}

func addNetFlags(fset *flag.FlagSet) netFlags {
	plc := os.Getenv("STATUSPHERE_PLC_URL")
	if plc == "" {
		plc = config.DefaultPLCURL
	}
	return netFlags{
		plc:     fset.String("plc", plc, "PLC directory URL (env STATUSPHERE_PLC_URL)"),
		timeout: fset.Duration("timeout", 30*time.Second, "timeout of each network call"),
		allowPrivate: fset.Bool("allow-private", false,
			"reach private and loopback addresses named by DNS records and DID documents (development only)"),
	}
}

// resolver returns the injected resolver or one for the public network:
// system DNS, the PLC directory, did:web and handles over HTTPS.
func (n netFlags) resolver(env lexEnv) *lexicon.Resolver {
	if env.resolver != nil {
		return env.resolver
	}
	// Hosts come from DNS records and DID documents anyone can write: the
	// same guarded client as the app; only the PLC directory is trusted.
	client := app.NewOutboundClient(*n.timeout, *n.allowPrivate, *n.plc)
	dir := &identity.BaseDirectory{
		PLCURL:     *n.plc,
		HTTPClient: *client,
		UserAgent:  "statusphere-lex",
	}
	return &lexicon.Resolver{
		LookupTXT:  net.DefaultResolver.LookupTXT,
		Directory:  dir,
		HTTPClient: client,
	}
}
