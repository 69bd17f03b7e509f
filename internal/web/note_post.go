package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// noteNSID is the collection of the note, the status's sidecar record.
const noteNSID = syntax.NSID(gen.NoteNSID)

// newNoteRecord builds the note of a status post with the type generated
// from the lexicon and validates it: nil for no note (absent, or only
// spaces: the form always sends the field); the error is a message for
// the user.
func (s *Server) newNoteRecord(value any, now time.Time) (*gen.Note, error) {
	if value == nil {
		return nil, nil
	}
	text, ok := value.(string)
	if !ok {
		return nil, errors.New("note: must be a string")
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	rec := gen.Note{Text: text, CreatedAt: lexicon.FormatDatetime(now)}
	m, err := recordMap(rec)
	if err != nil {
		return nil, err
	}
	if err := s.Lexicons.ValidateRecord(noteNSID, m); err != nil {
		var ve *lexicon.ValidationError
		if errors.As(err, &ve) {
			return nil, errors.New("note: " + ve.Message())
		}
		return nil, err
	}
	return &rec, nil
}

// writeRecords writes the status, and its note if there is one, to the
// user's repo through api: the status alone with createRecord; the pair
// with one applyWrites (status first, same record key), so the repo holds
// both or neither. noteWritten is zero without a note.
func (s *Server) writeRecords(ctx context.Context, api *atclient.APIClient, did syntax.DID, rkey syntax.RecordKey, status statusphere.Status, note *gen.Note) (written, noteWritten Written, err error) {
	if note == nil {
		written, err = s.Records.CreateRecord(ctx, api, did, statusNSID, rkey, status)
		return written, Written{}, err
	}
	ws, err := s.Records.CreateRecords(ctx, api, did, []RecordCreate{
		{Collection: statusNSID, RKey: rkey, Record: status},
		{Collection: noteNSID, RKey: rkey, Record: *note},
	})
	if err != nil {
		return Written{}, Written{}, err
	}
	if len(ws) != 2 {
		return Written{}, Written{}, fmt.Errorf("writing a status and its note: %d results", len(ws))
	}
	return ws[0], ws[1], nil
}

// storeNote stores a note the PDS accepted beside its status (the
// optimistic update) and returns it as the timeline entry joins it.
func (s *Server) storeNote(ctx context.Context, did syntax.DID, rkey syntax.RecordKey, note gen.Note, written Written, now time.Time) (*store.Note, error) {
	raw, err := json.Marshal(note)
	if err != nil {
		return nil, fmt.Errorf("encode note: %w", err)
	}
	n := store.Note{
		URI: written.URI, AuthorDID: did, RKey: rkey, Text: note.Text, CID: written.CID,
		Record: raw, CreatedAt: now, IndexedAt: now,
	}
	if err := s.Store.UpsertNote(ctx, n); err != nil {
		// The note is in the user's repo; the firehose will bring it.
		s.Log.Warn("optimistic note write failed; the firehose will catch up", "uri", written.URI, "error", err)
	}
	return &n, nil
}
