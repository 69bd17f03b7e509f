package pds

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// CreateSession logs in to the account identifier (handle, DID or email)
// on the PDS at host with its password (com.atproto.server.createSession)
// and returns an API client authenticated as it: each call through it
// sends the session's access token, refreshed when it expires. Tests and
// the lexicon publisher use it; the app's users log in with OAuth.
func (c *Client) CreateSession(ctx context.Context, host, identifier, password string) (*atclient.APIClient, error) {
	api := c.public(host)
	var out struct {
		AccessJwt  string `json:"accessJwt"`
		RefreshJwt string `json:"refreshJwt"`
		DID        string `json:"did"`
	}
	in := map[string]string{"identifier": identifier, "password": password}
	if err := Procedure(ctx, api, "com.atproto.server.createSession", in, &out); err != nil {
		return nil, fmt.Errorf("pds: log in as %s: %w", identifier, err)
	}
	did, err := syntax.ParseDID(out.DID)
	if err != nil {
		return nil, fmt.Errorf("pds: log in as %s: the PDS answered a bad DID: %w", identifier, err)
	}
	if out.AccessJwt == "" || out.RefreshJwt == "" {
		return nil, fmt.Errorf("pds: log in as %s: the PDS answered no tokens", identifier)
	}
	api.Auth = &atclient.PasswordAuth{Session: atclient.PasswordSessionData{
		AccessToken: out.AccessJwt, RefreshToken: out.RefreshJwt, AccountDID: did, Host: host,
	}}
	api.AccountDID = &did
	return api, nil
}

// DeleteSession ends the password session of api, made by
// [Client.CreateSession] (com.atproto.server.deleteSession): its tokens
// stop working.
func DeleteSession(ctx context.Context, api *atclient.APIClient) error {
	pa, ok := api.Auth.(*atclient.PasswordAuth)
	if !ok {
		return errors.New("pds: deleteSession: not a password session")
	}
	_, refresh := pa.GetTokens()
	hdr := api.Headers.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	hdr.Set("Authorization", "Bearer "+refresh)
	end := &atclient.APIClient{Client: api.Client, Host: api.Host, Headers: hdr}
	if err := Procedure(ctx, end, "com.atproto.server.deleteSession", nil, nil); err != nil {
		return fmt.Errorf("pds: end the session of %s: %w", pa.Session.AccountDID, err)
	}
	return nil
}
