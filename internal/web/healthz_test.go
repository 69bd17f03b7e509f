package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthAndReadyReportDetails: the operations listener's /healthz and
// /readyz show each check's details and answer 503 when one fails.
func TestHealthAndReadyReportDetails(t *testing.T) {
	checks := map[string]Check{
		"database": func(context.Context) (any, bool) { return map[string]any{"ok": true}, true },
		"ingest":   func(context.Context) (any, bool) { return map[string]any{"connected": false}, false },
	}
	for name, h := range map[string]http.Handler{"health": Health(checks), "ready": Ready(checks)} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		body := w.Body.String()
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(body, `"ok":false`) || !strings.Contains(body, `"connected":false`) || !strings.Contains(body, `"database"`) {
			t.Errorf("%s = %d %s", name, w.Code, body)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", name, w.Header().Get("Cache-Control"))
		}
	}
	delete(checks, "ingest")
	w := httptest.NewRecorder()
	Ready(checks).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"ok":true`) {
		t.Errorf("ready with passing checks = %d %s", w.Code, w.Body)
	}
}
