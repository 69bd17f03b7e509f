package pds

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/bluesky-social/indigo/atproto/syntax"
)

// RecordsPage is one page of com.atproto.repo.listRecords; Cursor is ""
// on the last page.
type RecordsPage struct {
	Records []Record
	Cursor  string
}

// ListRecords lists one page of the records of collection in repo on host
// (no auth). The answer is unverified: a hint, never a fact to store.
func (c *Client) ListRecords(ctx context.Context, host string, repo syntax.DID, collection syntax.NSID, cursor string, limit int) (RecordsPage, error) {
	q := url.Values{"repo": {repo.String()}, "collection": {collection.String()}, "limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out struct {
		Cursor  *string           `json:"cursor"`
		Records []json.RawMessage `json:"records"`
	}
	if err := query(ctx, c.public(host), "com.atproto.repo.listRecords", q, MaxJSONBytes, &out); err != nil {
		return RecordsPage{}, err
	}
	page := RecordsPage{Records: make([]Record, 0, len(out.Records))}
	if out.Cursor != nil {
		page.Cursor = *out.Cursor
	}
	for _, raw := range out.Records {
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			return RecordsPage{}, err
		}
		page.Records = append(page.Records, r)
	}
	return page, nil
}
