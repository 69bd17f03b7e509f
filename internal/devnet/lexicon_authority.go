package devnet

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// lexiconAuthorityEnv is what start.mjs reads to create the lexicon
// authority account (see Config.LexiconAuthority).
func lexiconAuthorityEnv(name string) []string {
	if name == "" {
		return nil
	}
	return []string{
		"ATNET_LEXICON_AUTHORITY_HANDLE=" + name + Domain,
		"ATNET_LEXICON_AUTHORITY_EMAIL=" + name + "@example.com",
		"ATNET_LEXICON_AUTHORITY_PASSWORD=" + name + "-password",
	}
}

// addLexiconAuthority logs in to the account start.mjs created as the
// lexicon authority, checks it is the DID the PDS was pointed at, and adds
// it to the network's accounts.
func (n *Network) addLexiconAuthority(ctx context.Context, name string, did syntax.DID) error {
	if did == "" {
		return fmt.Errorf("lexicon authority %s: start.mjs reported no DID", name)
	}
	a, err := n.ensureAccount(ctx, name)
	if err != nil {
		return fmt.Errorf("lexicon authority: %w", err)
	}
	if a.DID != did {
		return fmt.Errorf("lexicon authority %s is %s, start.mjs reported %s", a.Handle, a.DID, did)
	}
	n.accounts[name] = a
	n.order = append(n.order, name)
	return nil
}
