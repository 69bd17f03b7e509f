package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// runLexResolve runs `statusphere lex resolve <nsid>…`: DNS TXT
// _lexicon.<authority> → did=… → DID document → PDS → the
// com.atproto.lexicon.schema record; prints each schema as JSON.
func runLexResolve(ctx context.Context, env lexEnv, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("lex resolve", stderr, "lex resolve <nsid>...")
	nf := addNetFlags(fset)
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() == 0 {
		fset.Usage()
		return errors.New("lex resolve: no NSID given")
	}
	r := nf.resolver(env)
	for _, arg := range fset.Args() {
		nsid, err := syntax.ParseNSID(arg)
		if err != nil {
			return fmt.Errorf("lex resolve: %w", err)
		}
		res, err := r.Resolve(ctx, nsid)
		if err != nil {
			return fmt.Errorf("lex resolve: %w", err)
		}
		fmt.Fprintf(stderr, "%s: published by %s at %s (cid %s)\n", nsid, res.DID, res.Record.URI, res.Record.CID)
		var out bytes.Buffer
		if err := json.Indent(&out, res.Record.Value, "", "  "); err != nil {
			return fmt.Errorf("lex resolve: %w", err)
		}
		out.WriteByte('\n')
		if _, err := stdout.Write(out.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
