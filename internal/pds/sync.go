package pds

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// GetRepo streams did's whole repository as a CAR file
// (com.atproto.sync.getRepo) from host. The body fails with ErrTooLarge
// past maxBytes; the caller closes it.
func (c *Client) GetRepo(ctx context.Context, host string, did syntax.DID, maxBytes int64) (io.ReadCloser, error) {
	req := atclient.NewAPIRequest(http.MethodGet, "com.atproto.sync.getRepo", nil)
	req.Headers.Set("Accept", "application/vnd.ipld.car")
	req.QueryParams = url.Values{"did": {did.String()}}
	resp, err := call(ctx, c.public(host), req)
	if err != nil {
		return nil, err
	}
	return CapBody(resp.Body, maxBytes, "getRepo of "+did.String()+" on "+host), nil
}

// RepoRef is one repository of a listRepos or listReposByCollection page.
type RepoRef struct {
	DID syntax.DID
	// Active is false when the host says the account is not active
	// (listRepos only; listReposByCollection lists active ones).
	Active bool
}

// ReposPage is one page of repositories; Cursor is "" on the last page.
type ReposPage struct {
	Repos []RepoRef
	// Listed counts the entries of the answer, bad DIDs included.
	Listed int
	Cursor string
}

// ListRepos lists one page of the repositories host holds
// (com.atproto.sync.listRepos).
func (c *Client) ListRepos(ctx context.Context, host, cursor string, limit int) (ReposPage, error) {
	return c.listRepos(ctx, host, "com.atproto.sync.listRepos", "", cursor, limit)
}

// ListReposByCollection lists one page of the repositories that hold
// records of collection (com.atproto.sync.listReposByCollection, a relay
// method).
func (c *Client) ListReposByCollection(ctx context.Context, host string, collection syntax.NSID, cursor string, limit int) (ReposPage, error) {
	return c.listRepos(ctx, host, "com.atproto.sync.listReposByCollection", collection, cursor, limit)
}

// listRepos fetches a page of either listing method. Entries whose DID
// does not parse are left out (and counted in Listed).
func (c *Client) listRepos(ctx context.Context, host string, method, collection syntax.NSID, cursor string, limit int) (ReposPage, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if collection != "" {
		q.Set("collection", collection.String())
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out struct {
		Cursor *string `json:"cursor"`
		Repos  []struct {
			DID    string `json:"did"`
			Active *bool  `json:"active"`
		} `json:"repos"`
	}
	// A page of 1,000 entries is well under 1 MiB; the cap leaves room.
	if err := query(ctx, c.public(host), method, q, 16<<20, &out); err != nil {
		return ReposPage{}, err
	}
	page := ReposPage{Repos: make([]RepoRef, 0, len(out.Repos)), Listed: len(out.Repos)}
	if out.Cursor != nil {
		page.Cursor = *out.Cursor
	}
	for _, r := range out.Repos {
		did, err := syntax.ParseDID(r.DID)
		if err != nil {
			continue
		}
		page.Repos = append(page.Repos, RepoRef{DID: did, Active: r.Active == nil || *r.Active})
	}
	return page, nil
}
