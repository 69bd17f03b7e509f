package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

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
	for name, wants := range fields {
		row := regexp.MustCompile(`(?s)<tr class="field" data-field="` + name + `">.*?</tr>`).FindString(body)
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
