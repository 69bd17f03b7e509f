package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/pds"
	"github.com/statusphere/statusphere/internal/store"
)

// statusForm is the body of POST /status: a form field or JSON. Status is
// kept as whatever JSON value was sent, so the lexicon judges it.
type statusForm struct {
	Status any `json:"status"`
}

// readStatusForm reads the form from JSON or a form post.
func readStatusForm(r *http.Request) (statusForm, error) {
	var f statusForm
	if wantsJSONBody(r) {
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&f); err != nil {
			return f, fmt.Errorf("the body is not a JSON object: %w", err)
		}
		return f, nil
	}
	if err := r.ParseForm(); err != nil {
		return f, fmt.Errorf("could not read the form: %w", err)
	}
	if v, ok := r.PostForm["status"]; ok && len(v) == 1 {
		f.Status = v[0]
	}
	return f, nil
}

// postStatus serves POST /status: validate against the lexicon, write the
// record to the user's own repo, then store it at once (optimistic update).
func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, ok, err := s.currentSession(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.statusFailed(w, r, http.StatusUnauthorized, "Session required: log in to set your status.")
		return
	}
	form, err := readStatusForm(r)
	if err != nil {
		s.statusFailed(w, r, http.StatusBadRequest, "Invalid request: "+err.Error())
		return
	}
	now := time.Now().UTC()
	record := map[string]any{
		"$type":     lexicon.StatusNSID.String(),
		"status":    form.Status,
		"createdAt": now.Format("2006-01-02T15:04:05.000Z"),
	}
	if form.Status == nil {
		delete(record, "status")
	}
	if err := s.Lexicons.ValidateRecord(lexicon.StatusNSID, record); err != nil {
		s.statusFailed(w, r, http.StatusBadRequest, "Invalid status: "+err.Error())
		return
	}
	text, _ := form.Status.(string) // a string: the lexicon said so

	rkey := syntax.RecordKey(s.PDS.NextTID().String())
	var written pds.Written
	err = s.Auth.WithSession(ctx, ws.DID, ws.OAuthSessionID, func(api *atclient.APIClient, _ string) error {
		var err error
		written, err = pds.CreateRecord(ctx, api, ws.DID, lexicon.StatusNSID, rkey, record)
		return err
	})
	if err != nil {
		s.writeFailed(w, r, ws, err)
		return
	}

	raw, err := json.Marshal(record)
	if err != nil {
		s.serverError(w, r, fmt.Errorf("encode record: %w", err))
		return
	}
	st := store.Status{
		URI: written.URI, AuthorDID: ws.DID, RKey: rkey, Status: text, CID: written.CID,
		Record: raw, CreatedAt: now, IndexedAt: now,
	}
	if err := s.Store.UpsertStatus(ctx, st); err != nil {
		// The record is in the user's repo; the firehose will bring it.
		s.Log.Warn("optimistic status write failed; the firehose will catch up", "uri", written.URI, "error", err)
	}
	s.Log.Info("status posted", "uri", written.URI, "did", ws.DID)
	handle := ""
	if id, err := s.Store.Identity(ctx, ws.DID); err == nil {
		handle = id.Handle
	}
	view := newStatusView(st, handle, now)
	s.Live.publish(view, written.CID)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, view)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// writeFailed maps a failed PDS write to an answer the user can act on.
func (s *Server) writeFailed(w http.ResponseWriter, r *http.Request, ws store.WebSession, err error) {
	var ae *atclient.APIError
	switch {
	case errors.Is(err, oauth.ErrSessionNotFound),
		errors.As(err, &ae) && (ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden):
		s.Log.Info("status write refused: session no longer valid", "did", ws.DID, "error", err)
		if err := s.endSession(r.Context(), w, ws); err != nil {
			s.Log.Warn("ending invalid session", "did", ws.DID, "error", err)
		}
		s.statusFailed(w, r, http.StatusUnauthorized, "Your session has ended: log in again to set your status.")
	default:
		s.Log.Warn("status write failed", "did", ws.DID, "error", err)
		s.statusFailed(w, r, http.StatusBadGateway, "Could not write your status to your PDS. Please try again.")
	}
}

// statusFailed answers JSON clients with {"error"} and browsers with the page.
func (s *Server) statusFailed(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if wantsJSON(r) {
		jsonError(w, status, msg)
		return
	}
	s.renderHome(w, r, status, homePage{Error: msg})
}
