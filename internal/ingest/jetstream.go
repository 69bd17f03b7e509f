package ingest

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"
	"github.com/statusphere/statusphere/internal/collection"
)

// jetstreamEvent is one Jetstream message (JSON).
type jetstreamEvent struct {
	DID    string `json:"did"`
	TimeUS int64  `json:"time_us"`
	Kind   string `json:"kind"` // commit, identity, account
	Commit *struct {
		Rev        string          `json:"rev"`
		Operation  string          `json:"operation"` // create, update, delete
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
		CID        string          `json:"cid"`
	} `json:"commit"`
	Identity *struct {
		DID string `json:"did"`
	} `json:"identity"`
	Account *struct {
		DID    string  `json:"did"`
		Active bool    `json:"active"`
		Status *string `json:"status"`
	} `json:"account"`
}

// runJetstream reads Jetstream until ctx ends, like runRelay. Its cursor
// is the time_us of the last event handled; it resumes JetstreamRewind
// before it.
func (i *Ingester) runJetstream(ctx context.Context) {
	i.runSessions(ctx, "jetstream", i.jetstreamSession)
}

// jetstreamURL is the URL to dial: the registered collections only, from
// the cursor less the rewind (none: live).
func (i *Ingester) jetstreamURL() string {
	u := *i.url
	q := url.Values{}
	for _, nsid := range i.collections.NSIDs() {
		q.Add("wantedCollections", nsid.String())
	}
	if i.cur.have {
		from := max(i.cur.handled-i.cfg.JetstreamRewind.Microseconds(), 0)
		q.Set("cursor", strconv.FormatInt(from, 10))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// jetstreamSession dials once and handles messages until the connection
// or ctx ends.
func (i *Ingester) jetstreamSession(ctx context.Context) error {
	return i.session(ctx, "jetstream", i.jetstreamURL(), websocket.TextMessage, i.handleJetstream)
}

// handleJetstream handles one Jetstream message. Nothing can be verified:
// records are only validated against the lexicon.
func (i *Ingester) handleJetstream(ctx context.Context, b []byte) error {
	var ev jetstreamEvent
	if err := json.Unmarshal(b, &ev); err != nil || ev.TimeUS <= 0 {
		i.m.malformedFrame()
		i.log.Warn("skipping a malformed jetstream message", "error", err, "bytes", len(b))
		return nil
	}
	i.m.event(ev.Kind)
	i.observe(time.UnixMicro(ev.TimeUS))
	// Replays after a rewind carry positions at or before the cursor: they
	// are applied again (harmless) but never move the cursor back.
	pos := max(ev.TimeUS, i.cur.handled)
	var err error
	switch {
	case ev.Kind == "commit" && ev.Commit != nil:
		err = i.handleJetstreamCommit(ctx, pos, &ev)
	case ev.Kind == "identity" && ev.Identity != nil:
		err = i.handleIdentity(ctx, pos, ev.DID)
	case ev.Kind == "account" && ev.Account != nil:
		err = i.handleAccount(ctx, pos, ev.DID, ev.Account.Active, ev.Account.Status)
	default:
		i.markHandled(pos)
	}
	if err != nil {
		return err
	}
	i.flushIfDue(ctx)
	return nil
}

// handleJetstreamCommit applies one Jetstream commit event on a registered
// collection.
func (i *Ingester) handleJetstreamCommit(ctx context.Context, pos int64, ev *jetstreamEvent) error {
	c := ev.Commit
	nsid, err := syntax.ParseNSID(c.Collection)
	if err != nil || !i.collections.Wants(nsid) {
		i.markHandled(pos)
		return nil
	}
	did, err := syntax.ParseDID(ev.DID)
	if err != nil {
		i.m.malformedFrame()
		i.log.Warn("skipping a jetstream commit with a bad DID", "did", ev.DID, "seq", pos, "error", err)
		i.markHandled(pos)
		return nil
	}
	rkey, err := syntax.ParseRecordKey(c.RKey)
	if err != nil {
		i.m.malformedFrame()
		i.log.Warn("skipping a jetstream commit with a bad record key", "did", did, "seq", pos, "error", err)
		i.markHandled(pos)
		return nil
	}
	rec := collection.Record{DID: did, Collection: nsid, RKey: rkey, Rev: c.Rev, IndexedAt: time.Now().UTC()}
	switch c.Operation {
	case "create", "update":
		rec.CID, rec.JSON = c.CID, c.Record
	case "delete":
	default:
		i.m.malformedFrame()
		i.log.Warn("skipping a jetstream commit with an unknown operation", "uri", rec.URI(), "seq", pos, "operation", c.Operation)
		i.markHandled(pos)
		return nil
	}
	// After a rewind, events up to the cursor come again: applied again,
	// harmlessly, but not counted again.
	rr := repoRev{did: did, rev: c.Rev, orSame: true}
	if _, err := syntax.ParseTID(c.Rev); err != nil {
		rr.rev = "" // no usable rev: applied as it comes
	}
	return i.apply(ctx, pos, rr, []recordOp{{action: c.Operation, rec: rec}}, ev.TimeUS > i.cur.handled || !i.cur.have)
}
