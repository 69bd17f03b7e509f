package lexicon

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/oauth"
)

// TestNamespace checks that every schema the project adds is under
// Authority, in lexicons/<authority path>/, and that the status record is
// the only schema of another authority.
func TestNamespace(t *testing.T) {
	for _, nsid := range []syntax.NSID{NoteNSID, DefsNSID, GetTimelineNSID, GetActorStatusNSID, GetStatusNSID, GetViewerStatusNSID, AuthFullNSID} {
		if !Ours(nsid) {
			t.Errorf("%s is not under %s", nsid, Authority)
		}
	}
	if Ours(StatusNSID) {
		t.Errorf("%s is Bluesky's and must not be under %s", StatusNSID, Authority)
	}
	dir := path.Join("lexicons", strings.ReplaceAll(Authority, ".", "/"))
	err := fs.WalkDir(statusphere.Lexicons, "lexicons", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := fs.ReadFile(statusphere.Lexicons, p)
		if err != nil {
			return err
		}
		sf, err := ParseSchema(b)
		if err != nil {
			return err
		}
		nsid := syntax.NSID(sf.ID)
		switch {
		case nsid == StatusNSID:
		case !Ours(nsid):
			t.Errorf("%s (%s) is neither the status record nor under %s", nsid, p, Authority)
		case path.Dir(p) != dir:
			t.Errorf("%s is in %s, want %s", nsid, path.Dir(p), dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOAuthNamesOurSchemas: package oauth (which imports no lexicon code)
// spells the authority, the permission set and the collections it scopes
// itself; they must be the NSIDs of our schemas, so a fork that moves the
// authority (docs/lexicons.md) cannot leave the scopes behind.
func TestOAuthNamesOurSchemas(t *testing.T) {
	pairs := []struct{ oauth, ours string }{
		{oauth.Authority, Authority},
		{oauth.PermissionSet, AuthFullNSID.String()},
		{oauth.NoteCollection, NoteNSID.String()},
		{oauth.StatusCollection, StatusNSID.String()},
	}
	for _, p := range pairs {
		if p.oauth != p.ours {
			t.Errorf("package oauth names %s, the lexicons %s", p.oauth, p.ours)
		}
	}
}
