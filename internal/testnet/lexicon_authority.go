package testnet

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// WithLexiconAuthority makes the PDS resolve every lexicon (permission sets
// of include: scopes among them) from the repo of a local account, name
// (handle <name>.test), instead of DNS: the PDS's lexicon-authority setting
// (config lexicon.didAuthority, which PDS_LEXICON_AUTHORITY_DID sets in
// @atproto/pds 0.5.35). The account's DID is only known once the PDS has
// created it, so start.mjs creates it right after start-up and sets the
// running PDS's setting to it; [Network.Account](name) is that account.
// Publish schemas into it before the first login that needs them: the PDS
// caches what it resolved.
func WithLexiconAuthority(name string) Option {
	return func(o *options) { o.lexiconAuthority = name }
}

// lexiconAuthorityEnv is what start.mjs reads to create the authority account.
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
// lexicon authority and adds it to the network's accounts.
func (n *Network) addLexiconAuthority(ctx context.Context, name string, did syntax.DID) error {
	if name == "" {
		return nil
	}
	if did == "" {
		return fmt.Errorf("lexicon authority %s: start.mjs reported no DID", name)
	}
	a := &Account{Name: name, Handle: syntax.Handle(name + Domain), Password: name + "-password", Email: name + "@example.com", net: n}
	sess, err := n.pds.CreateSession(ctx, n.PDSURL, a.Handle.String(), a.Password)
	if err != nil {
		return fmt.Errorf("lexicon authority %s: %w", a.Handle, err)
	}
	if *sess.AccountDID != did {
		return fmt.Errorf("lexicon authority %s is %s, start.mjs reported %s", a.Handle, *sess.AccountDID, did)
	}
	a.DID, a.api = did, sess
	n.accounts[name] = a
	n.order = append(n.order, name)
	return nil
}
