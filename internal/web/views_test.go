package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// TestStaticFilesNoListing: the static handler serves files and answers
// 404 for every directory, with or without a trailing slash.
func TestStaticFilesNoListing(t *testing.T) {
	h := files(fstest.MapFS{"app.js": {Data: []byte("//")}, "img/logo.svg": {Data: []byte("<svg/>")}})
	for path, code := range map[string]int{
		"/": 404, "/img": 404, "/img/": 404, "/nothing": 404,
		"/app.js": 200, "/img/logo.svg": 200,
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != code {
			t.Errorf("GET %s = %d, want %d", path, w.Code, code)
		}
	}
}
