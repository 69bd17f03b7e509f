package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/oauth"
	"github.com/statusphere/statusphere/internal/store"
)

// statusForm is the body of POST /status: a form field or JSON. Status is
// kept as whatever JSON value was sent, so that a wrong type is refused
// with a message rather than coerced.
type statusForm struct {
	Status any `json:"status"`
	Note   any `json:"note"` // optional: the text of the status's note
}

// readStatusForm reads the form from JSON or a form post; invalid UTF-8 is
// refused before anything else looks at it.
func readStatusForm(r *http.Request) (statusForm, error) {
	var f statusForm
	if wantsJSONBody(r) {
		b, err := readBody(r)
		if err != nil {
			return f, err
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return f, &inputError{status: http.StatusBadRequest, msg: "Invalid request: the body is not a JSON object.", err: err}
		}
		return f, nil
	}
	if err := readForm(r); err != nil {
		return f, err
	}
	if v, ok := r.PostForm["status"]; ok && len(v) == 1 {
		f.Status = v[0]
	}
	if v, ok := r.PostForm["note"]; ok && len(v) == 1 {
		f.Note = v[0]
	}
	return f, nil
}

// newStatusRecord builds the record with the type generated from the
// lexicon and validates it: the error is a message for the user.
func (s *Server) newStatusRecord(value any, now time.Time) (statusphere.Status, error) {
	text, ok := value.(string)
	switch {
	case value == nil:
		return statusphere.Status{}, errors.New("status: required")
	case !ok:
		return statusphere.Status{}, errors.New("status: must be a string")
	}
	rec := statusphere.Status{Status: text, CreatedAt: lexicon.FormatDatetime(now)}
	m, err := recordMap(rec)
	if err != nil {
		return statusphere.Status{}, err
	}
	if err := s.Lexicons.ValidateRecord(statusNSID, m); err != nil {
		return statusphere.Status{}, err
	}
	return rec, nil
}

// statusNSID is the collection of the status record, from the generated code.
const statusNSID = syntax.NSID(statusphere.StatusNSID)

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
		s.inputFailed(w, r, err)
		return
	}
	now := s.now().UTC()
	record, err := s.newStatusRecord(form.Status, now)
	if err != nil {
		s.statusFailed(w, r, http.StatusBadRequest, "Invalid status: "+err.Error())
		return
	}
	note, err := s.newNoteRecord(form.Note, now)
	if err != nil {
		s.statusFailed(w, r, http.StatusBadRequest, "Invalid note: "+err.Error())
		return
	}
	if note != nil && !s.CanWriteNotes(ctx, ws) {
		// The PDS would refuse the pair for want of the grant; say why.
		s.statusFailed(w, r, http.StatusForbidden, msgNotesUnavailable)
		return
	}
	rkey := syntax.RecordKey(s.tids.Next().String())
	var written, noteWritten Written
	err = s.Auth.WithSession(ctx, ws.DID, ws.OAuthSessionID, func(api *atclient.APIClient, _ string) error {
		var err error
		written, noteWritten, err = s.writeRecords(ctx, api, ws.DID, rkey, record, note)
		return err
	})
	if err != nil {
		s.writeFailed(w, r, ws, err)
		return
	}
	entry, err := s.storeWritten(ctx, ws.DID, rkey, record, written, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if note != nil {
		if entry.Note, err = s.storeNote(ctx, ws.DID, rkey, *note, noteWritten, now); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.users.statuses.set(ws.DID, entry.Status.Status, s.now())
	if err := s.Live.publish(entry); err != nil {
		s.Log.Error("showing a posted status", "uri", entry.URI, "error", err)
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, entryLine(entry, now))
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// storeWritten stores a record the PDS accepted (the optimistic update) and
// returns its timeline entry.
func (s *Server) storeWritten(ctx context.Context, did syntax.DID, rkey syntax.RecordKey, record statusphere.Status, written Written, now time.Time) (store.TimelineEntry, error) {
	raw, err := json.Marshal(record)
	if err != nil {
		return store.TimelineEntry{}, fmt.Errorf("encode record: %w", err)
	}
	st := store.Status{
		URI: written.URI, AuthorDID: did, RKey: rkey, Status: record.Status, CID: written.CID,
		Record: raw, CreatedAt: now, IndexedAt: now,
	}
	if err := s.Store.UpsertStatus(ctx, st); err != nil {
		// The record is in the user's repo; the firehose will bring it.
		s.Log.Warn("optimistic status write failed; the firehose will catch up", "uri", written.URI, "error", err)
	}
	s.Log.Info("status posted", "uri", written.URI, "did", did)
	handle := ""
	if id, err := s.Store.Identity(ctx, did); err == nil {
		handle = id.Handle
	}
	return store.TimelineEntry{Status: st, Handle: handle}, nil
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
