package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// invalidHandle is the handle a view shows for an author whose handle the
// app does not know (or that does not verify), as atproto AppViews do.
const invalidHandle = syntax.Handle("handle.invalid")

// newView is the one way to build a status view: the
// org.gostatusphere.defs#statusView of a stored status, with the status
// record and its note (if one is stored) verbatim. The XRPC queries return
// it; the home page and /events render their lines from it ([lineOf]).
func newView(e store.TimelineEntry) gen.DefsStatusView {
	handle := invalidHandle
	if h, err := syntax.ParseHandle(e.Handle); err == nil {
		handle = h
	}
	v := gen.DefsStatusView{
		Uri:       e.URI,
		Cid:       syntax.CID(e.CID),
		Author:    gen.DefsAuthorView{Did: e.AuthorDID, Handle: handle},
		Status:    statusRecordJSON(e.Status),
		IndexedAt: lexicon.FormatDatetime(e.IndexedAt),
	}
	if e.Note != nil && json.Valid(e.Note.Record) && len(e.Note.Record) > 0 {
		v.Note = json.RawMessage(e.Note.Record)
	}
	return v
}

// statusRecordJSON is the status record as stored, or, for a row stored
// without a status record (only rows written by hand can be: ingest and
// the web store what they validated), the record its columns describe.
func statusRecordJSON(st store.Status) json.RawMessage {
	if rec, err := readStatusRecord(st.Record); err == nil && rec.Type == statusphere.StatusNSID && rec.Status != "" {
		return json.RawMessage(st.Record)
	}
	b, err := json.Marshal(statusphere.Status{Status: st.Status, CreatedAt: lexicon.FormatDatetime(st.CreatedAt)})
	if err != nil { // a struct of two strings always encodes
		panic(fmt.Sprintf("encode status record: %v", err))
	}
	return b
}

// lineOf renders a status view as a timeline line of the home page and
// /events: the emoji of the status record, the note's text, the author by
// handle (or DID), the day and the time (absolute and relative to now).
func lineOf(v gen.DefsStatusView, now time.Time) statusView {
	rec, _ := readStatusRecord(v.Status) // a stored record decodes; an odd one shows no emoji
	created, err := lexicon.ParseDatetime(rec.CreatedAt)
	createdAt := time.Time{}
	if err == nil {
		createdAt = created.Time()
	}
	author := v.Author.Handle.String()
	if v.Author.Handle == invalidHandle {
		author = v.Author.Did.String()
	}
	line := statusView{
		URI:        v.Uri.String(),
		Status:     rec.Status,
		Author:     author,
		ProfileURL: "https://bsky.app/profile/" + v.Author.Did.String(),
		Date:       dateOf(createdAt),
		Today:      sameDay(createdAt, now),
		CreatedAt:  createdAt.UTC().Format(time.RFC3339),
		Ago:        ago(createdAt, now),
	}
	if len(v.Note) > 0 {
		var note struct{ Text string }
		if err := json.Unmarshal(v.Note, &note); err == nil {
			line.Note = note.Text
		}
	}
	return line
}

// statusFields are the fields of a status record a line shows. The page
// reads them with a plain struct (the generated type keeps every unknown
// field, which a line does not need, at a cost on every page view).
type statusFields struct {
	Type      string `json:"$type"`
	Status    string `json:"status"`
	CreatedAt string `json:"createdAt"`
}

func readStatusRecord(b []byte) (statusFields, error) {
	var f statusFields
	err := json.Unmarshal(b, &f)
	return f, err
}

// entryLine is the line of a stored status: [lineOf] of its [newView].
func entryLine(e store.TimelineEntry, now time.Time) statusView {
	return lineOf(newView(e), now)
}

// entryVersion names the version of an entry for the live hub: the
// status's CID, and its note's if it has one, so that the same status
// with a note is a new version.
func entryVersion(e store.TimelineEntry) string {
	if e.Note == nil {
		return e.CID
	}
	return e.CID + "+" + e.Note.CID
}
