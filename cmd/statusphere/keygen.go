package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
)

// runKeygen runs `statusphere keygen`: it prints a new P-256 private key
// (multibase) for STATUSPHERE_OAUTH_PRIVATE_KEY.
func runKeygen(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("keygen", stderr, "keygen  (prints a new P-256 private key for STATUSPHERE_OAUTH_PRIVATE_KEY)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fset); err != nil {
		return err
	}
	key, err := atcrypto.GeneratePrivateKeyP256()
	if err != nil {
		return fmt.Errorf("generate a P-256 key: %w", err)
	}
	_, err = fmt.Fprintln(stdout, key.Multibase())
	return err
}
