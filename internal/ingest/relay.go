package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"

	"github.com/statusphere/statusphere/internal/lease"
)

const (
	// frameQueue is how many frames read ahead of the one being handled
	// may wait in memory (typical frames are a few KB).
	frameQueue = 32
)

// streamError is an error frame sent by the server; it ends the connection.
type streamError struct{ name, message string }

func (e *streamError) Error() string {
	return fmt.Sprintf("server sent error frame %s: %s", e.name, e.message)
}

// runRelay reads subscribeRepos until ctx ends: it dials from the stored
// cursor, handles frames in order, and redials with backoff and jitter
// whenever the connection ends.
func (i *Ingester) runRelay(ctx context.Context) {
	i.runSessions(ctx, "firehose", i.relaySession)
}

// runSessions runs session (one connection to the source) again and again
// until ctx ends, storing the cursor after each and waiting with backoff and
// jitter before redialling.
func (i *Ingester) runSessions(ctx context.Context, name string, session func(context.Context) error) {
	if err := i.loadCursor(ctx); err != nil {
		return
	}
	defer i.finalFlush()
	bo := lease.Backoff{Base: i.cfg.BackoffMin, Max: i.cfg.BackoffMax}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			i.m.reconnect()
		}
		i.delivered.Store(false)
		err := session(ctx)
		i.setConnected(false)
		if ctx.Err() != nil {
			return
		}
		if err := i.flush(ctx); err != nil {
			i.log.Error("storing the ingest cursor", "error", err, "seq", i.cur.handled)
		}
		if i.delivered.Load() {
			// The source worked: a cut is not a refusal, reconnect soon.
			bo.Reset()
		}
		wait := bo.Next()
		i.log.Warn(name+" connection ended; reconnecting", "error", err, "seq", i.cur.handled, "retry_in", wait.Round(time.Millisecond))
		if !lease.Sleep(ctx, wait) {
			return
		}
	}
}

// subscribeURL is the URL to dial: the relay's, with the cursor to resume
// from (none for live events).
func (i *Ingester) subscribeURL() string {
	u := *i.url
	switch {
	case i.cur.have:
		u.RawQuery = url.Values{"cursor": {strconv.FormatInt(i.cur.handled, 10)}}.Encode()
	case i.cfg.FromOldest:
		u.RawQuery = url.Values{"cursor": {"0"}}.Encode()
	}
	return u.String()
}

// dial connects to target and marks the ingester connected. The returned
// context ends with ctx or stop; when it ends the connection is closed,
// which unblocks its reader.
func (i *Ingester) dial(ctx context.Context, name, target string) (*websocket.Conn, context.Context, func(), error) {
	conn, resp, err := i.dialer.DialContext(ctx, target, http.Header{"User-Agent": {i.cfg.UserAgent}})
	if err != nil {
		if resp != nil {
			return nil, nil, nil, fmt.Errorf("dial %s: %s: %w", target, resp.Status, err)
		}
		return nil, nil, nil, fmt.Errorf("dial %s: %w", target, err)
	}
	i.setConnected(true)
	i.log.Info(name+" connected", "url", target)
	sctx, cancel := context.WithCancel(ctx)
	go func() {
		<-sctx.Done()
		conn.Close()
	}()
	return conn, sctx, func() { cancel(); conn.Close() }, nil
}

// relaySession dials once and handles frames until the connection ends or
// ctx does.
func (i *Ingester) relaySession(ctx context.Context) error {
	return i.session(ctx, "firehose", i.subscribeURL(), websocket.BinaryMessage, i.handleFrame)
}

// session dials target once and hands each message of type msgType to
// handle, in order, until the connection ends or ctx does; the cursor is
// flushed when due meanwhile. handle must not keep the message's bytes: its
// buffer is reused once handle returns.
func (i *Ingester) session(ctx context.Context, name, target string, msgType int, handle func(context.Context, []byte) error) error {
	conn, sctx, stop, err := i.dial(ctx, name, target)
	if err != nil {
		return err
	}
	defer stop()
	msgs := make(chan *bytes.Buffer, frameQueue)
	readErr := make(chan error, 1)
	i.keepAlive(sctx, conn)
	go i.readMessages(sctx, conn, msgType, msgs, readErr)

	tick := time.NewTicker(i.cfg.CursorFlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case buf, ok := <-msgs:
			if !ok {
				return fmt.Errorf("read: %w", <-readErr)
			}
			i.delivered.Store(true)
			err := handle(ctx, buf.Bytes())
			releaseFrame(buf)
			if err != nil {
				return err
			}
		case <-tick.C:
			i.flushIfDue(ctx)
		}
	}
}

// keepAlive pings the server every third of ReadTimeout; pongs and pings
// from the server push the read deadline back, so a quiet but live
// connection stays up and a dead one is noticed.
func (i *Ingester) keepAlive(ctx context.Context, conn *websocket.Conn) {
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(i.cfg.ReadTimeout)) }
	conn.SetPongHandler(func(string) error { extend(); return nil })
	conn.SetPingHandler(func(data string) error {
		extend()
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	go func() {
		t := time.NewTicker(i.cfg.ReadTimeout / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failed ping shows up as a read error soon enough.
				_ = conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second))
			}
		}
	}()
}

// handleFrame decodes and handles one frame. It returns an error only when
// the connection must end: an error frame, or ctx ending in the middle of
// a write (the cursor has then not moved past the event).
func (i *Ingester) handleFrame(ctx context.Context, b []byte) error {
	if c, ok := scanCommitFrame(b, i.wantsPath); ok && !c.ours {
		i.skipCommit(ctx, c)
		return nil
	}
	f, err := decodeFrame(b)
	if err != nil {
		i.m.malformedFrame()
		i.log.Warn("skipping a malformed frame", "error", err, "bytes", len(b))
		return nil
	}
	i.m.event(f.kind)
	switch f.kind {
	case kindError:
		if f.errFrame.Error == "FutureCursor" {
			// Our cursor is ahead of everything the server has: it was reset
			// or is another server. Nothing after our cursor exists there, so
			// continuing live loses nothing it will ever send.
			i.log.Error("the server says our cursor is in its future; continuing from its live events",
				"seq", i.cur.handled, "error", f.errFrame.Message)
			i.cur.have = false
		}
		return &streamError{name: f.errFrame.Error, message: f.errFrame.Message}
	case kindInfo:
		msg := ""
		if f.info.Message != nil {
			msg = *f.info.Message
		}
		if f.info.Name == "OutdatedCursor" {
			i.log.Warn("our cursor is older than the server's backfill window: events in between are gone; continuing from what it sends",
				"seq", i.cur.handled, "message", msg)
		} else {
			i.log.Info("info from the server", "name", f.info.Name, "message", msg)
		}
		return nil
	case kindUnknown:
		i.log.Debug("skipping a message of unknown type", "type", f.msgType)
		return nil
	}
	seq, _ := f.seq()
	if !i.admit(seq) {
		return nil
	}
	i.observeRFC3339(f.time())
	switch f.kind {
	case kindCommit:
		err = i.handleCommit(ctx, seq, f.commit)
	case kindSync:
		err = i.handleSync(ctx, seq, f.sync)
	case kindIdentity:
		err = i.handleIdentity(ctx, seq, f.identity.Did)
	case kindAccount:
		err = i.handleAccount(ctx, seq, f.account.Did, f.account.Active, f.account.Status)
	}
	if err != nil {
		return err
	}
	i.flushIfDue(ctx)
	return nil
}

// skipCommit handles a #commit that touches none of our collections, as
// handleFrame and handleCommit would after decoding it: most commits only
// move the cursor, so neither their blocks nor their ops are decoded.
func (i *Ingester) skipCommit(ctx context.Context, c commitFilter) {
	i.m.event(kindCommit)
	if !i.admit(c.seq) {
		return
	}
	i.observeRFC3339(string(c.time))
	i.markHandled(c.seq)
	i.flushIfDue(ctx)
}

// admit reports whether the event at seq is past the cursor; an event at or
// before it is logged and skipped.
func (i *Ingester) admit(seq int64) bool {
	if i.cur.have && seq <= i.cur.handled {
		i.log.Warn("skipping an event at or before the cursor", "seq", seq, "cursor", i.cur.handled)
		return false
	}
	return true
}

// wantsPath reports whether a repository path ("collection/rkey") names a
// record of a registered collection, as collection.Registry.WantsPath does,
// without turning the whole path into a string.
func (i *Ingester) wantsPath(path []byte) bool {
	coll, rkey, ok := bytes.Cut(path, []byte{'/'})
	return ok && len(rkey) > 0 && i.collections.Wants(syntax.NSID(coll))
}
