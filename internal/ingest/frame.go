package ingest

import (
	"bytes"
	"errors"
	"fmt"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/events"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// Message types of com.atproto.sync.subscribeRepos, as in a frame header.
const (
	kindCommit   = "#commit"
	kindSync     = "#sync"
	kindIdentity = "#identity"
	kindAccount  = "#account"
	kindInfo     = "#info"
	kindError    = "error"   // an error frame (op -1)
	kindUnknown  = "unknown" // a message type this package does not know
)

// errMalformed marks a frame that could not be decoded at all.
var errMalformed = errors.New("malformed frame")

// frame is one decoded message of the subscribeRepos event stream: a header
// (op and type) followed by a body, both DAG-CBOR. Exactly one of the
// pointers is set, except for an unknown message type, which has none.
type frame struct {
	kind     string
	msgType  string // the header's t, as sent
	commit   *comatproto.SyncSubscribeRepos_Commit
	sync     *comatproto.SyncSubscribeRepos_Sync
	identity *comatproto.SyncSubscribeRepos_Identity
	account  *comatproto.SyncSubscribeRepos_Account
	info     *comatproto.SyncSubscribeRepos_Info
	errFrame *events.ErrorFrame
}

// seq returns the frame's stream sequence number, if its type has one.
func (f *frame) seq() (int64, bool) {
	switch {
	case f.commit != nil:
		return f.commit.Seq, true
	case f.sync != nil:
		return f.sync.Seq, true
	case f.identity != nil:
		return f.identity.Seq, true
	case f.account != nil:
		return f.account.Seq, true
	}
	return 0, false
}

// time returns the frame's event timestamp (RFC 3339), if it has one.
func (f *frame) time() string {
	switch {
	case f.commit != nil:
		return f.commit.Time
	case f.sync != nil:
		return f.sync.Time
	case f.identity != nil:
		return f.identity.Time
	case f.account != nil:
		return f.account.Time
	}
	return ""
}

// decodeFrame decodes one binary websocket message of subscribeRepos. It
// never panics: whatever the bytes, it returns a frame or an error wrapping
// errMalformed. A message type it does not know decodes to kind "unknown"
// (the stream may grow new types; they are not errors). A frame whose body
// is followed by more bytes, or whose sequence number is not positive, is
// malformed.
func decodeFrame(b []byte) (f *frame, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: decoder panic: %v", errMalformed, r)
		}
	}()
	br := bytes.NewReader(b)
	cr := cbg.NewCborReader(br)
	var h events.EventHeader
	if err := h.UnmarshalCBOR(cr); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errMalformed, err)
	}
	f = &frame{msgType: h.MsgType}
	switch h.Op {
	case events.EvtKindErrorFrame:
		f.kind = kindError
		f.errFrame = new(events.ErrorFrame)
		err = f.errFrame.UnmarshalCBOR(cr)
	case events.EvtKindMessage:
		switch h.MsgType {
		case kindCommit:
			f.kind, f.commit = kindCommit, new(comatproto.SyncSubscribeRepos_Commit)
			err = f.commit.UnmarshalCBOR(cr)
		case kindSync:
			f.kind, f.sync = kindSync, new(comatproto.SyncSubscribeRepos_Sync)
			err = f.sync.UnmarshalCBOR(cr)
		case kindIdentity:
			f.kind, f.identity = kindIdentity, new(comatproto.SyncSubscribeRepos_Identity)
			err = f.identity.UnmarshalCBOR(cr)
		case kindAccount:
			f.kind, f.account = kindAccount, new(comatproto.SyncSubscribeRepos_Account)
			err = f.account.UnmarshalCBOR(cr)
		case kindInfo:
			f.kind, f.info = kindInfo, new(comatproto.SyncSubscribeRepos_Info)
			err = f.info.UnmarshalCBOR(cr)
		default:
			// A type from a newer protocol version: skip its body unread.
			f.kind = kindUnknown
			return f, nil
		}
	default:
		return nil, fmt.Errorf("%w: unknown header op %d", errMalformed, h.Op)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s body: %v", errMalformed, f.kind, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the %s body", errMalformed, br.Len(), f.kind)
	}
	if seq, ok := f.seq(); ok && seq <= 0 {
		return nil, fmt.Errorf("%w: %s with sequence number %d", errMalformed, f.kind, seq)
	}
	return f, nil
}
