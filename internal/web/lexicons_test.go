package web

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// TestLexiconDocsPage: /lexicons documents every field of
// xyz.statusphere.status with its constraints, from the schema JSON.
func TestLexiconDocsPage(t *testing.T) {
	s := newTestServer(t, storetest.SQLite(t))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/lexicons", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /lexicons = %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{"xyz.statusphere.status", "record key: <code>tid</code>", "A user&#39;s current status"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	fields := map[string][]string{
		"status":    {"string", "required", "minLength: 1", "maxLength: 32", "maxGraphemes: 1", "exactly one grapheme"},
		"createdAt": {"string", "required", "format: datetime", "When the status was set"},
	}
	// Other schemas have fields of these names: look in this one's card.
	section := regexp.MustCompile(`(?s)<div class="card lexicon" id="xyz.statusphere.status">.*?</details>`).FindString(body)
	for name, wants := range fields {
		row := regexp.MustCompile(`(?s)<tr class="field" data-field="` + name + `">.*?</tr>`).FindString(section)
		if row == "" {
			t.Errorf("no row for field %s", name)
			continue
		}
		for _, want := range wants {
			if !strings.Contains(row, want) {
				t.Errorf("field %s: row lacks %q:\n%s", name, want, row)
			}
		}
	}
}

// TestLexiconDocsQueries: /lexicons documents every schema of ours, and
// a query with its parameters, its output (with the encoding) and its
// errors.
func TestLexiconDocsQueries(t *testing.T) {
	s := newTestServer(t, storetest.SQLite(t))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/lexicons", nil))
	body := w.Body.String()
	for _, d := range s.Lexicons.Docs() {
		if !strings.Contains(body, `<div class="card lexicon" id="`+d.NSID.String()+`">`) {
			t.Errorf("no section for %s", d.NSID)
		}
	}
	section := regexp.MustCompile(`(?s)<div class="card lexicon" id="org.gostatusphere.getTimeline">.*?</details>`).FindString(body)
	for _, want := range []string{
		"(query)", "<h4>parameters</h4>", `data-field="limit"`, "minimum: 1", "maximum: 100", "default: 50", `data-field="cursor"`,
		"output <small>(<code>application/json</code>)", `data-field="statuses"`, "array of ref", "items ref: org.gostatusphere.defs#statusView",
		`data-error="InvalidCursor"`,
	} {
		if !strings.Contains(section, want) {
			t.Errorf("getTimeline section lacks %q:\n%s", want, section)
		}
	}
	status := regexp.MustCompile(`(?s)<div class="card lexicon" id="org.gostatusphere.getStatus">.*?</details>`).FindString(body)
	if !strings.Contains(status, `data-error="StatusNotFound"`) || !strings.Contains(status, "format: at-uri") {
		t.Errorf("getStatus section:\n%s", status)
	}
}

// TestLexiconDocsPermissionSet: a permission set is documented with its
// title, detail, translations and each permission's grants.
func TestLexiconDocsPermissionSet(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "atproto-interop-tests", "lexicon", "catalog", "permission-set.json"))
	if err != nil {
		t.Fatalf("the interop vectors (../shared): %v", err)
	}
	cat := lexicon.NewCatalog()
	if _, err := cat.AddSchemaJSON(b); err != nil {
		t.Fatal(err)
	}
	s := newTestEnv(t, func(d *Deps) { d.Lexicons = cat }).s
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/lexicons", nil))
	body := w.Body.String()
	for _, want := range []string{
		"(permission-set)", "<strong>Example for Moderation</strong>: Create moderation reports",
		"detail (fr-FR): Créer des rapports de modération",
		`data-resource="repo"`, "collection: com.example.calendar.event, com.example.calendar.rsvp", "action: delete, create",
		`data-resource="rpc"`, "lxm: com.example.calendar.listEvents", "aud: *", "inheritAud: true",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
