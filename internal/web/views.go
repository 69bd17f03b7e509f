package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// views holds the parsed pages and the static assets with hashed URLs.
type views struct {
	pages  map[string]*template.Template
	static http.Handler
	hashes map[string]string // asset name → content hash
}

// parseViews parses every page with the layout; it fails on a bad template.
func parseViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}, hashes: map[string]string{}}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static assets: %w", err)
	}
	v.static = immutable(files(sub))

	funcs := template.FuncMap{"asset": v.assetURL}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", base, err)
		}
		v.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return v, nil
}

// assetURL is a static asset's URL with its content hash, cacheable forever.
func (v *views) assetURL(name string) (string, error) {
	h, ok := v.hashes[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

// render writes page with data and status; a failure is a server error.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	b, err := s.views.execute(page, data)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeHTML(w, status, b)
}

// execute renders page with data.
func (v *views) execute(page string, data any) ([]byte, error) {
	t, ok := v.pages[page]
	if !ok {
		return nil, fmt.Errorf("no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// writeHTML writes a rendered page.
func writeHTML(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away
}

// files serves the files of fsys, and 404 for a directory: no listing.
func files(fsys fs.FS) http.Handler {
	server := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		fi, err := fs.Stat(fsys, path.Clean(name))
		if err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		server.ServeHTTP(w, r)
	})
}

// immutable marks versioned static responses cacheable for a year.
func immutable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		next.ServeHTTP(w, r)
	})
}

// dateOf formats a status time for the timeline.
func dateOf(t time.Time) string { return t.UTC().Format("Jan 2, 2006") }
