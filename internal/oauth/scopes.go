package oauth

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/auth"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// The NSIDs the scopes are built from. Authority is the NSID authority this
// project owns (domain gostatusphere.org); the status record belongs to
// another authority (statusphere.xyz), so a permission set of ours cannot
// grant it and it is asked for as a scope of its own.
const (
	Authority        = "org.gostatusphere"
	PermissionSet    = Authority + ".authFull"
	NoteCollection   = Authority + ".note"
	StatusCollection = "xyz.statusphere.status"
)

// BaseScopes are what a login asks for when the user's server cannot
// resolve [PermissionSet]: the atproto base scope and the status record.
var BaseScopes = []string{"atproto", "repo:" + StatusCollection}

// Scopes are what statusphere asks for: the atproto base scope, the
// permission set (notes and the app's own API) and the status record. With
// serviceRef (the app's service, "did:web:host#statusphere_appview") the
// set's API permissions are granted for calls to that service; without one
// (a loopback client has no service DID) only its repo permissions apply.
func Scopes(serviceRef string) []string {
	include := "include:" + PermissionSet
	if serviceRef != "" {
		include += "?aud=" + url.QueryEscape(serviceRef)
	}
	return []string{"atproto", include, "repo:" + StatusCollection}
}

// Grant is what the authorization server granted a session: the scope of
// its token response, as stored with the session.
type Grant struct {
	Scopes []string
}

// CanWriteStatus reports whether the session may create status records.
func (g Grant) CanWriteStatus() bool { return g.allows(StatusCollection) }

// CanWriteNotes reports whether the session may create note records: the
// server granted the permission set (expanded, or as the include itself).
func (g Grant) CanWriteNotes() bool { return g.allows(NoteCollection) }

// allows reports whether a granted scope lets the session create records of
// collection.
func (g Grant) allows(collection string) bool {
	for _, s := range g.Scopes {
		if s == "transition:generic" {
			return true // the legacy scope grants every collection
		}
		p, err := auth.ParsePermissionString(s)
		if err != nil {
			continue // unknown or malformed scopes grant nothing
		}
		switch p.Resource {
		case "include":
			if p.NSID == PermissionSet && collection == NoteCollection {
				return true
			}
		case "repo":
			coll := slices.Contains(p.Collection, collection) || slices.Contains(p.Collection, "*")
			if coll && (len(p.Action) == 0 || slices.Contains(p.Action, "create")) {
				return true
			}
		}
	}
	return false
}

// Granted returns what the authorization server granted the session, from
// the token response stored with it.
func (c *Client) Granted(ctx context.Context, did syntax.DID, sessionID string) (Grant, error) {
	sd, err := c.app.Store.GetSession(ctx, did, sessionID)
	if err != nil {
		return Grant{}, err
	}
	return Grant{Scopes: slices.Clone(sd.Scopes)}, nil
}

// isInvalidScope reports whether a login failed because the authorization
// server refused the requested scope at the pushed authorization request
// (as the official PDS does for a permission set it cannot resolve).
// indigo reports the OAuth error code only in the error's text.
func isInvalidScope(err error) bool {
	return err != nil && strings.Contains(err.Error(), "invalid_scope")
}
