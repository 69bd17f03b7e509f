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
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// views holds the parsed pages, the static assets with hashed URLs, and
// the parts of the home page rendered once.
type views struct {
	pages  map[string]*template.Template
	static http.Handler
	hashes map[string]string // asset name → content hash
	home   *homeParts
}

// parseViews parses every page with the layout and renders the home
// page's parts (its sign-up form offering signupPDS); it fails on a bad
// template.
func parseViews(signupPDS string) (*views, error) {
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
	if v.home, err = v.homeParts(signupPDS); err != nil {
		return nil, err
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
	return v.executePart(page, "layout", data)
}

// executePart renders the template named part of page with data.
func (v *views) executePart(page, part string, data any) ([]byte, error) {
	t, ok := v.pages[page]
	if !ok {
		return nil, fmt.Errorf("no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, part, data); err != nil {
		return nil, fmt.Errorf("render %s %s: %w", page, part, err)
	}
	return buf.Bytes(), nil
}

// Header values shared by every HTML response (a header map holds slices;
// these are never modified).
var (
	htmlContentType = []string{"text/html; charset=utf-8"}
	noStore         = []string{"no-store"}
)

// writeHTML writes a rendered page.
func writeHTML(w http.ResponseWriter, status int, b []byte) {
	writeHTMLLength(w, status, []string{strconv.Itoa(len(b))}, b)
}

// writeHTMLParts writes a page made of parts, with its length, in one
// write from a pooled buffer.
func writeHTMLParts(w http.ResponseWriter, status int, parts ...[]byte) {
	buf := pagePool.Get().(*[]byte)
	page := (*buf)[:0]
	for _, p := range parts {
		page = append(page, p...)
	}
	writeHTMLLength(w, status, []string{strconv.Itoa(len(page))}, page)
	if cap(page) <= maxPooledPage {
		*buf = page
		pagePool.Put(buf)
	}
}

// pagePool holds the buffers pages are assembled in; maxPooledPage bounds
// the buffers it keeps.
var pagePool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledPage = 64 << 10

// writeHTMLLength writes page, whose Content-Length is length.
func writeHTMLLength(w http.ResponseWriter, status int, length []string, page []byte) {
	h := w.Header()
	h["Content-Type"] = htmlContentType
	h["Cache-Control"] = noStore
	h["Content-Length"] = length
	w.WriteHeader(status)
	w.Write(page) //nolint:errcheck // the client went away
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
