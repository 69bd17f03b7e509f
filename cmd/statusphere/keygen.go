package main

import (
	"fmt"
	"io"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
)

// runKeygen prints a new P-256 private key (multibase) for
// STATUSPHERE_OAUTH_PRIVATE_KEY.
func runKeygen(stdout io.Writer) error {
	key, err := atcrypto.GeneratePrivateKeyP256()
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	_, err = fmt.Fprintln(stdout, key.Multibase())
	return err
}
