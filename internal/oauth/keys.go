package oauth

import (
	"context"
	"fmt"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/auth/oauth"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// clientKeys are the confidential client's keys. The first signs the
// client assertions of new logins; all are published in the JWKS. An
// authorization server binds a session to the key that began it and
// refuses a refresh signed by another, so each session's refreshes are
// signed by its own key, found by the key ID stored with it: a rotation
// that keeps the old key listed logs nobody out.
type clientKeys struct {
	signing string                         // key ID of the key that signs new logins
	order   []string                       // key IDs, signing first
	configs map[string]*oauth.ClientConfig // by key ID: the client signing with that key
}

// newClientKeys parses the multibase private keys, signing one first, and
// builds a client configuration from base for each.
func newClientKeys(base oauth.ClientConfig, keys []string) (*clientKeys, error) {
	ck := &clientKeys{configs: map[string]*oauth.ClientConfig{}}
	for i, mb := range keys {
		key, err := atcrypto.ParsePrivateMultibase(mb)
		if err != nil {
			return nil, fmt.Errorf("oauth: private key %d: %w", i+1, err)
		}
		kid := keyID(key)
		if _, dup := ck.configs[kid]; dup {
			continue
		}
		cc := base
		if err := cc.SetClientSecret(key, kid); err != nil {
			return nil, fmt.Errorf("oauth: private key %d: %w", i+1, err)
		}
		ck.configs[kid] = &cc
		ck.order = append(ck.order, kid)
	}
	if len(ck.order) == 0 {
		return nil, fmt.Errorf("oauth: a confidential client needs a private key")
	}
	ck.signing = ck.order[0]
	return ck, nil
}

// config is the client configuration signing with key kid, or with the
// signing key when kid is unknown (no longer listed, or never stored).
func (k *clientKeys) config(kid string) *oauth.ClientConfig {
	if cc, ok := k.configs[kid]; ok {
		return cc
	}
	return k.configs[k.signing]
}

// jwks is every key's public half, signing key first.
func (k *clientKeys) jwks() oauth.JWKS {
	out := oauth.JWKS{Keys: []atcrypto.JWK{}}
	for _, kid := range k.order {
		out.Keys = append(out.Keys, k.configs[kid].PublicJWKS().Keys...)
	}
	return out
}

// sessionConfig is the client configuration that refreshes the session's
// tokens: the one signing with the key that began it.
func (c *Client) sessionConfig(ctx context.Context, did syntax.DID, sessionID string) *oauth.ClientConfig {
	if len(c.keys.order) == 1 {
		return c.keys.configs[c.keys.signing]
	}
	st, err := c.auth.load(ctx, did, sessionID)
	if err != nil {
		return c.keys.configs[c.keys.signing]
	}
	return c.keys.config(st.ClientKeyID)
}
