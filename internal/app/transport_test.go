package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHTTPClientRefusesLoopbackUnlessTrusted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	resp, err := newHTTPClient().Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the production client reached a loopback address")
	}
	resp, err = newHTTPClient(srv.URL).Get(srv.URL + "/did:plc:x")
	if err != nil {
		t.Fatalf("the configured PLC host was refused: %v", err)
	}
	resp.Body.Close()
}
