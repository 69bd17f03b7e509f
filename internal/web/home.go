package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
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
	User *userView
	// NotesAllowed: the logged-in user's session may write notes; when it
	// may not, the page says why (NotesUnavailable).
	NotesAllowed     bool
	NotesUnavailable string
	Error            string
	Handle           string
	SignupPDS        string // the "Create an account" form's PDS
	Options          []string
	Mine             string
	Timeline         []statusView
	Top              []topStatus // today's most posted statuses
	// Behind says the ingester is disconnected: the timeline may miss
	// the latest statuses.
	Behind bool
}

// topStatus is one entry of the "top statuses today" strip.
type topStatus struct {
	Status string
	Count  int
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
	// CreatedAt is the status's time (RFC 3339), Ago the same relative to
	// the page ("5m"), for <time datetime> with the absolute time as title.
	CreatedAt string `json:"createdAt"`
	Ago       string `json:"ago"`
	Note      string `json:"note,omitempty"` // the text of the status's note (org.gostatusphere.note)
}

// URIAttr is the line's data-uri attribute: the AT-URI as a plain string.
// (Written as {{.URI}} inside data-uri="…", html/template would take the
// attribute for a URL and replace the at:// URI with "#ZgotmplZ".)
func (v statusView) URIAttr() template.HTMLAttr {
	return template.HTMLAttr(`data-uri="` + html.EscapeString(v.URI) + `"`)
}

// home serves GET /. The logged-out page is the same for every visitor, so
// it is rendered at most once per [publicPageTTL] or new status (unless
// the timeline is behind, which the page then says).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(cookieName); err != nil && !s.behind(r.Context()) {
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
		if page.NotesAllowed = s.CanWriteNotes(ctx, ws); !page.NotesAllowed {
			page.NotesUnavailable = msgNotesUnavailable
		}
		mine, err := s.Store.LatestStatus(ctx, ws.DID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return
		}
		page.Mine = mine.Status
	}
	entries, err := s.Store.Timeline(ctx, topWindow, time.Time{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.now()
	for i, e := range entries {
		if i == timelineSize {
			break
		}
		page.Timeline = append(page.Timeline, entryLine(e, now))
	}
	page.Top = topToday(entries, now)
	page.Behind = s.behind(ctx)
	if page.SignupPDS == "" {
		page.SignupPDS = s.SignupPDS
	}
	page.Options = statusOptions
	version := s.Live.Version() // before the query's result is used: a newer status forces a re-render
	b, err := s.views.execute("home", page)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if page.User == nil && page.Error == "" && page.Handle == "" && page.SignupPDS == s.SignupPDS && !page.Behind && status == http.StatusOK {
		s.public.put(b, version)
	}
	writeHTML(w, status, b)
}

// newStatusView describes st by its author's handle, or DID when unknown:
// the line of a status without a note (see [entryLine]).
func newStatusView(st store.Status, handle string, now time.Time) statusView {
	return entryLine(store.TimelineEntry{Status: st, Handle: handle}, now)
}

// topWindow is how many recent statuses the "top statuses today" strip
// counts.
const topWindow = 200

// topToday counts today's statuses among entries (newest first) and
// returns the five most posted, most first (ties: the one seen first).
func topToday(entries []store.TimelineEntry, now time.Time) []topStatus {
	var top []topStatus
	index := map[string]int{}
	for _, e := range entries {
		if !sameDay(e.Status.CreatedAt, now) {
			continue
		}
		i, ok := index[e.Status.Status]
		if !ok {
			i = len(top)
			index[e.Status.Status] = i
			top = append(top, topStatus{Status: e.Status.Status})
		}
		top[i].Count++
	}
	slices.SortStableFunc(top, func(a, b topStatus) int { return b.Count - a.Count })
	return top[:min(len(top), 5)]
}

// ago is how long before now t was, in the timeline's short form: "now",
// "5m", "2h", "3d", or the date when older than a week.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return dateOf(t)
}

// behind reports whether the ingester's check fails: it is disconnected
// from its source, so the timeline may miss the latest statuses.
func (s *Server) behind(ctx context.Context) bool {
	check, ok := s.Checks["ingest"]
	if !ok {
		return false
	}
	_, healthy := check(ctx)
	return !healthy
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}
