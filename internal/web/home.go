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

// homePage is the data of templates/home.html when the page is rendered
// whole (with an error or a handle to show); other views are assembled
// from [homeParts].
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
	Timeline         template.HTML // the rendered status lines
	Top              []topStatus   // today's most posted statuses
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

// home serves GET /. No view queries the database: the timeline is the
// live hub's window, rendered once per version with its "top today" strip;
// sessions, their grants, latest statuses and display names are cached.
// The logged-out page is the same for every visitor and kept whole per
// window version and "behind" state.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), s.now()
	ws, ok, err := s.sessionAt(r, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	tl, err := s.Live.current(ctx, s.Store, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	behind := s.behind(ctx)
	if !ok {
		p := s.publicPage(tl, behind)
		writeHTMLLength(w, http.StatusOK, p.length, p.body)
		return
	}
	mine, err := s.latestStatus(ctx, ws.DID, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.views.home
	notice := p.notice(behind)
	notes := s.notesAllowed(ctx, ws, now)
	card := s.profile(ctx, ws.DID, now).cardFor(notes)
	writeHTMLParts(w, http.StatusOK, p.top, notice, card, p.options(mine, notes), tl.block, p.bottom)
}

// publicPage returns the logged-out home page of the window tl, with the
// "behind" notice if behind.
func (s *Server) publicPage(tl *timelineWindow, behind bool) *publicPage {
	if p, ok := s.public.get(tl, behind); ok {
		return p
	}
	p := s.views.home
	return s.public.put(tl, behind, slices.Concat(p.top, p.notice(behind), p.loginCard, p.optionsOut, tl.block, p.bottom))
}

// latestStatus returns the user's latest status ("" for none), cached.
func (s *Server) latestStatus(ctx context.Context, did syntax.DID, now time.Time) (string, error) {
	if mine, ok := s.users.statuses.get(did, now); ok {
		return mine, nil
	}
	gen := s.users.statuses.stamp()
	st, err := s.Store.LatestStatus(ctx, did)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	s.users.statuses.put(did, st.Status, now, gen)
	return st.Status, nil
}

// renderHome renders the whole home page with page's error or handle.
func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, page homePage) {
	ctx, now := r.Context(), s.now()
	ws, ok, err := s.sessionAt(r, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if ok {
		page.User = &userView{DID: ws.DID, DisplayName: orFriend(s.profile(ctx, ws.DID, now).name)}
		if page.NotesAllowed = s.notesAllowed(ctx, ws, now); !page.NotesAllowed {
			page.NotesUnavailable = msgNotesUnavailable
		}
		if page.Mine, err = s.latestStatus(ctx, ws.DID, now); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	tl, err := s.Live.current(ctx, s.Store, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	page.Timeline, page.Top = template.HTML(tl.lines), tl.top
	page.Behind = s.behind(ctx)
	if page.SignupPDS == "" {
		page.SignupPDS = s.SignupPDS
	}
	page.Options = statusOptions
	s.render(w, r, status, "home", page)
}

// topToday counts today's statuses among entries (newest first: the
// window's) and returns the five most posted, most first (ties: the one
// seen first).
func topToday(entries []windowEntry, now time.Time) []topStatus {
	var top []topStatus
	index := map[string]int{}
	for _, e := range entries {
		if !sameDay(e.CreatedAt, now) {
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
	return s.Behind != nil && s.Behind(ctx)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}
