package app

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statusphere/statusphere/internal/config"
)

// TestPublicReadyz: /readyz is on the app's listener only with
// -public-readyz; /metrics and pprof never are.
func TestPublicReadyz(t *testing.T) {
	for _, public := range []bool{false, true} {
		cfg, err := config.Parse("serve", []string{
			"-database-url", filepath.Join(t.TempDir(), "db"), "-ingest=false",
			"-public-readyz=" + map[bool]string{false: "false", true: "true"}[public],
		}, func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler), WithListener(ln))
		if err != nil {
			t.Fatal(err)
		}
		get := func(path string) (int, string) {
			w := httptest.NewRecorder()
			a.Web.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			return w.Code, w.Body.String()
		}
		code, body := get("/readyz")
		if public && (code != http.StatusOK || !strings.Contains(body, `"database":{"ok":true}`)) {
			t.Errorf("-public-readyz: /readyz = %d %s", code, body)
		}
		if !public && code != http.StatusNotFound {
			t.Errorf("/readyz without -public-readyz = %d, want 404", code)
		}
		for _, path := range []string{"/metrics", "/debug/pprof/"} {
			if code, _ := get(path); code != http.StatusNotFound {
				t.Errorf("public %s = %d, want 404", path, code)
			}
		}
		if a.OpsURL() != "" {
			t.Errorf("ops URL %q without -ops-addr", a.OpsURL())
		}
		a.Store.Close()
		ln.Close()
	}
}
