package pds

import (
	"context"
	"fmt"
	"net/url"
)

// SubscribeReposURL returns the com.atproto.sync.subscribeRepos websocket
// URL of a relay or PDS: host's http(s) scheme becomes ws(s), and a URL
// without a path gets the method's. A URL that names a path is kept as
// given; query and fragment are dropped.
func SubscribeReposURL(host string) (*url.URL, error) {
	u, err := WebsocketURL(host)
	if err != nil {
		return nil, err
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/xrpc/com.atproto.sync.subscribeRepos"
	}
	return u, nil
}

// WebsocketURL parses raw as the URL of a websocket (a Jetstream's, or a
// subscription's): http(s) becomes ws(s); query and fragment are dropped.
func WebsocketURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", raw, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("%q is not a ws, wss, http or https URL", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// Health asks the server at host whether it is up (GET /xrpc/_health, which
// a PDS answers with its version).
func (c *Client) Health(ctx context.Context, host string) error {
	return query(ctx, c.public(host), "_health", nil, maxErrorBytes, nil)
}
