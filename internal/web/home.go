package web

import (
	"context"
	"errors"
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
	User     *userView
	Error    string
	Handle   string
	Options  []string
	Mine     string
	Timeline template.HTML // the rendered status lines
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
}

// URIAttr is the line's data-uri attribute: the AT-URI as a plain string.
// (Written as {{.URI}} inside data-uri="…", html/template would take the
// attribute for a URL and replace the at:// URI with "#ZgotmplZ".)
func (v statusView) URIAttr() template.HTMLAttr {
	return template.HTMLAttr(`data-uri="` + html.EscapeString(v.URI) + `"`)
}

// home serves GET /. No view queries the database: the timeline is the
// live hub's window, rendered once per version; sessions, latest statuses
// and display names are cached. The logged-out page is the same for every
// visitor and kept whole per window version.
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
	if !ok {
		p := s.publicPage(tl)
		writeHTMLLength(w, http.StatusOK, p.length, p.body)
		return
	}
	mine, err := s.latestStatus(ctx, ws.DID, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.views.home
	writeHTMLParts(w, http.StatusOK, p.top, s.profile(ctx, ws.DID, now).card, p.options(mine), tl.block, p.bottom)
}

// publicPage returns the logged-out home page of the window tl.
func (s *Server) publicPage(tl *timelineWindow) *publicPage {
	if p, ok := s.public.get(tl); ok {
		return p
	}
	p := s.views.home
	return s.public.put(tl, slices.Concat(p.top, p.loginCard, p.optionsOut, tl.block, p.bottom))
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
	page.Timeline = template.HTML(tl.lines)
	page.Options = statusOptions
	s.render(w, r, status, "home", page)
}

// newStatusView describes st by its author's handle, or DID when unknown.
func newStatusView(st store.Status, handle string, now time.Time) statusView {
	author := handle
	if author == "" {
		author = st.AuthorDID.String()
	}
	return statusView{
		URI:        st.URI.String(),
		Status:     st.Status,
		Author:     author,
		ProfileURL: "https://bsky.app/profile/" + st.AuthorDID.String(),
		Date:       dateOf(st.CreatedAt),
		Today:      sameDay(st.CreatedAt, now),
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}
