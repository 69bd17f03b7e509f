package web

import (
	"errors"
	"html"
	"html/template"
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// statusOptions are the emoji offered on the home page (from the tutorial).
var statusOptions = []string{
	"👍", "👎", "💙", "🥹", "😧", "😤", "🙃", "😉", "😎", "🤓", "🤨", "🥳", "😭",
	"🤯", "🫡", "💀", "✊", "🤘", "👀", "🧠", "👩‍💻", "🧑‍💻", "🥷", "🧌", "🦋", "🚀",
}

// timelineSize is how many statuses the home page shows.
const timelineSize = 20

// homePage is the data of templates/home.html.
type homePage struct {
	User     *userView
	Error    string
	Handle   string
	Options  []string
	Mine     string
	Timeline []statusView
}

type userView struct {
	DID         syntax.DID
	DisplayName string
}

// statusView is one timeline line, in the page and in JSON for app.js.
type statusView struct {
	URI        string `json:"uri"`
	Status     string `json:"status"`
	Author     string `json:"author"`
	ProfileURL string `json:"profileUrl"`
	Date       string `json:"date"`
	Today      bool   `json:"today"`
	Note       string `json:"note,omitempty"` // the text of the status's note (org.gostatusphere.note)
}

// URIAttr is the line's data-uri attribute: the AT-URI as a plain string.
// (Written as {{.URI}} inside data-uri="…", html/template would take the
// attribute for a URL and replace the at:// URI with "#ZgotmplZ".)
func (v statusView) URIAttr() template.HTMLAttr {
	return template.HTMLAttr(`data-uri="` + html.EscapeString(v.URI) + `"`)
}

// home serves GET /. The logged-out page is the same for every visitor, so
// it is rendered at most once per [publicPageTTL] or new status.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(cookieName); err != nil {
		if b, ok := s.public.get(s.Live.Version()); ok {
			writeHTML(w, http.StatusOK, b)
			return
		}
	}
	s.renderHome(w, r, http.StatusOK, homePage{})
}

// renderHome fills in the timeline and the user, then renders the page.
func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, page homePage) {
	ctx := r.Context()
	ws, ok, err := s.currentSession(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if ok {
		page.User = &userView{DID: ws.DID, DisplayName: s.displayName(ctx, ws.DID)}
		mine, err := s.Store.LatestStatus(ctx, ws.DID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return
		}
		page.Mine = mine.Status
	}
	entries, err := s.Store.Timeline(ctx, timelineSize, time.Time{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.now()
	for _, e := range entries {
		page.Timeline = append(page.Timeline, entryLine(e, now))
	}
	page.Options = statusOptions
	version := s.Live.Version() // before the query's result is used: a newer status forces a re-render
	b, err := s.views.execute("home", page)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if page.User == nil && page.Error == "" && page.Handle == "" && status == http.StatusOK {
		s.public.put(b, version)
	}
	writeHTML(w, status, b)
}

// newStatusView describes st by its author's handle, or DID when unknown:
// the line of a status without a note (see [entryLine]).
func newStatusView(st store.Status, handle string, now time.Time) statusView {
	return entryLine(store.TimelineEntry{Status: st, Handle: handle}, now)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}
