package web

import (
	"net/http"
	"regexp"
	"testing"
	"time"
)

// TestTimelineLinesCarryATURI: every server-rendered timeline line carries
// its record's real AT-URI in data-uri (not html/template's "#ZgotmplZ"),
// the key app.js de-duplicates live events by.
func TestTimelineLinesCarryATURI(t *testing.T) {
	e := newTestEnv(t)
	rows := []string{
		e.addStatus(t, bobDID, "3kaaaaaaaaab2", "🚀", time.Now().UTC()).URI.String(),
		e.addStatus(t, aliceDID, "3kaaaaaaaaaa2", "🦋", time.Now().UTC().Add(-time.Minute)).URI.String(),
	}
	w := e.do(request(http.MethodGet, "/", "", ""))
	checkResponse(t, w, http.StatusOK)
	var got []string
	for _, m := range regexp.MustCompile(`<div class="status-line" data-uri="([^"]*)">`).FindAllStringSubmatch(w.Body.String(), -1) {
		got = append(got, m[1])
	}
	if len(got) != len(rows) || got[0] != rows[0] || got[1] != rows[1] {
		t.Fatalf("data-uri values %q, want %q", got, rows)
	}
}
