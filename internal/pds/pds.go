package pds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// ErrNotFound means the record does not exist.
var ErrNotFound = errors.New("record not found")

// Client is statusphere's one XRPC client for PDSes and relays: every
// unauthenticated call goes through it, with a byte cap on every answer.
// Authenticated calls take the session's *atclient.APIClient (package
// oauth) and go through the same bounded path.
type Client struct {
	http      *http.Client
	userAgent string

	mu    sync.Mutex
	clock *syntax.TIDClock
}

// New returns a client that makes unauthenticated calls with httpClient,
// sending userAgent ("" for indigo's default).
func New(httpClient *http.Client, userAgent string) *Client {
	clock := syntax.NewTIDClock(uint(time.Now().UnixNano() % 1024))
	return &Client{http: httpClient, userAgent: userAgent, clock: clock}
}

// public returns an unauthenticated API client for host.
func (c *Client) public(host string) *atclient.APIClient {
	api := atclient.NewAPIClient(host)
	api.Client = c.http
	if c.userAgent != "" {
		api.Headers.Set("User-Agent", c.userAgent)
	}
	return api
}

// NextTID returns a fresh record key, increasing within this process.
func (c *Client) NextTID() syntax.TID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock.Next()
}

// Record is a record and its address as getRecord returns it.
type Record struct {
	URI   syntax.ATURI    `json:"uri"`
	CID   string          `json:"cid"`
	Value json.RawMessage `json:"value"`
}

// GetRecord reads a public record from the PDS at host (no auth).
func (c *Client) GetRecord(ctx context.Context, host string, repo syntax.DID, collection syntax.NSID, rkey syntax.RecordKey) (Record, error) {
	var rec Record
	params := url.Values{"repo": {repo.String()}, "collection": {collection.String()}, "rkey": {rkey.String()}}
	err := query(ctx, c.public(host), "com.atproto.repo.getRecord", params, MaxJSONBytes, &rec)
	var ae *atclient.APIError
	if errors.As(err, &ae) && (ae.Name == "RecordNotFound" || ae.StatusCode == http.StatusNotFound) {
		// Both stay visible: ErrNotFound for callers, the answer for logs.
		return Record{}, fmt.Errorf("get %s/%s/%s: %w (%w)", repo, collection, rkey, ErrNotFound, err)
	}
	if err != nil {
		return Record{}, fmt.Errorf("pds: get %s/%s/%s from %s: %w", repo, collection, rkey, host, err)
	}
	return rec, nil
}

// DisplayName returns the displayName of the account's
// app.bsky.actor.profile/self record, or "" when it has none.
func (c *Client) DisplayName(ctx context.Context, host string, did syntax.DID) (string, error) {
	rec, err := c.GetRecord(ctx, host, did, "app.bsky.actor.profile", "self")
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var p struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.Unmarshal(rec.Value, &p); err != nil {
		return "", fmt.Errorf("pds: decode profile of %s: %w", did, err)
	}
	return p.DisplayName, nil
}
