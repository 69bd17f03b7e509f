package lexicon

import (
	"strings"

	"github.com/bluesky-social/indigo/atproto/syntax"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
)

// Authority is the NSID authority this project owns (the domain
// gostatusphere.org, reversed). Everything the app adds to the network —
// the note sidecar record, the XRPC queries and their views, the
// permission set — is named under it, and its schemas live in
// lexicons/org/gostatusphere/. xyz.statusphere.status is Bluesky's
// (statusphere.xyz) and is never extended. docs/lexicons.md lists what a
// fork changes to move to its own domain.
const Authority = "org.gostatusphere"

// The NSIDs under [Authority], from the constants generated from
// lexicons/ (TestNamespace checks that each is under Authority).
const (
	// NoteNSID is the sidecar record: a note on a status, same record key.
	NoteNSID syntax.NSID = gen.NoteNSID
	// DefsNSID holds the views the queries share (statusView, authorView).
	DefsNSID syntax.NSID = gen.DefsNSID
	// GetTimelineNSID is the query of the timeline, newest first.
	GetTimelineNSID syntax.NSID = gen.GetTimelineNSID
	// GetActorStatusNSID is the query of one account's current status.
	GetActorStatusNSID syntax.NSID = gen.GetActorStatusNSID
	// GetStatusNSID is the query of one status by AT-URI.
	GetStatusNSID syntax.NSID = gen.GetStatusNSID
	// GetViewerStatusNSID is the query of the caller's own status, under
	// atproto service auth.
	GetViewerStatusNSID syntax.NSID = gen.GetViewerStatusNSID
	// AuthFullNSID is the permission set the app's logins include: notes
	// and the app's XRPC API.
	AuthFullNSID syntax.NSID = gen.AuthFullNSID
)

// Ours reports whether nsid is under [Authority].
func Ours(nsid syntax.NSID) bool {
	return strings.HasPrefix(nsid.String(), Authority+".")
}
