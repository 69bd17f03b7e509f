package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/statusphere/statusphere/internal/lexicon"
)

// runLexPublish runs `statusphere lex publish`: the lexicons become
// com.atproto.lexicon.schema records (record key = NSID) in the account
// -handle logs in to, and it prints the DNS TXT records that make the NSIDs
// resolve to that account.
func runLexPublish(ctx context.Context, env lexEnv, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("lex publish", stderr, "lex publish -handle handle [-password pw] [-pds url] [-lexicons dir]")
	dir := lexiconsFlag(fset)
	handle := fset.String("handle", "", "handle or DID of the account that publishes the schemas")
	password := fset.String("password", "", "its password, preferably an app password (env STATUSPHERE_LEX_PASSWORD)")
	pds := fset.String("pds", "", "the account's PDS URL (default: from its DID document)")
	nf := addNetFlags(fset)
	if err := fset.Parse(args); err != nil {
		return err
	}
	if *password == "" {
		*password = os.Getenv("STATUSPHERE_LEX_PASSWORD") // not the flag's default: -h would show it
	}
	if *handle == "" || *password == "" || fset.NArg() > 0 {
		fset.Usage()
		return errors.New("lex publish: -handle and -password (or STATUSPHERE_LEX_PASSWORD) are required, and nothing else")
	}
	cat, err := loadLexicons(*dir)
	if err != nil {
		return fmt.Errorf("lex publish: %w", err)
	}
	r := nf.resolver(env)
	pub, err := lexicon.Publish(ctx, r.HTTPClient, r.Directory,
		lexicon.Credentials{Identifier: *handle, Password: *password, PDS: *pds}, cat.Docs())
	if err != nil {
		return fmt.Errorf("lex publish: %w", err)
	}
	for _, rec := range pub.Records {
		fmt.Fprintf(stdout, "published %s as %s (cid %s)\n", rec.NSID, rec.URI, rec.CID)
	}
	fmt.Fprintln(stdout, "\nFor resolution to find them, create these DNS TXT records:")
	for _, txt := range pub.DNS {
		fmt.Fprintf(stdout, "  %s\n", txt)
	}
	return nil
}
