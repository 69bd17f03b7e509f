package app

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atcrypto"

	"github.com/statusphere/statusphere/internal/config"
)

// TestConfidentialClientMetadata: with a public https URL and a key, the
// app is a confidential client and serves its metadata and public key.
func TestConfidentialClientMetadata(t *testing.T) {
	key, err := atcrypto.GeneratePrivateKeyP256()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("serve", []string{
		"-public-url", "https://status.example.com", "-oauth-private-key", key.Multibase(),
		"-database-url", filepath.Join(t.TempDir(), "db"), "-ingest=false",
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
	defer a.Store.Close()
	defer ln.Close()
	if !a.OAuth.IsConfidential() {
		t.Fatal("not a confidential client")
	}

	var meta struct {
		ClientID     string   `json:"client_id"`
		RedirectURIs []string `json:"redirect_uris"`
		Scope        string   `json:"scope"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
		SigningAlg   string   `json:"token_endpoint_auth_signing_alg"`
		JWKSURI      string   `json:"jwks_uri"`
		DPoP         bool     `json:"dpop_bound_access_tokens"`
	}
	getJSON(t, a, "/oauth-client-metadata.json", &meta)
	if meta.ClientID != "https://status.example.com/oauth-client-metadata.json" ||
		len(meta.RedirectURIs) != 1 || meta.RedirectURIs[0] != "https://status.example.com/oauth/callback" ||
		meta.Scope != "atproto repo:xyz.statusphere.status repo:org.gostatusphere.note" || meta.AuthMethod != "private_key_jwt" ||
		meta.SigningAlg != "ES256" || meta.JWKSURI != "https://status.example.com/oauth/jwks.json" || !meta.DPoP {
		t.Errorf("client metadata = %+v", meta)
	}
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	getJSON(t, a, "/oauth/jwks.json", &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["crv"] != "P-256" || jwks.Keys[0]["d"] != nil {
		t.Errorf("jwks = %+v, want one public P-256 key", jwks)
	}
}

func getJSON(t *testing.T, a *App, path string, out any) {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Web.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
