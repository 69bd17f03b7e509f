package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/statusphere/statusphere/internal/lease"
	"github.com/statusphere/statusphere/internal/store"
)

// flushTimeout bounds the final cursor write at shutdown.
const flushTimeout = 5 * time.Second

// cursorState tracks how far the ingester has got. handled ≥ stored: events
// that needed no write move handled at once, and stored at the next flush;
// events with writes move both in the transaction that stores their rows.
type cursorState struct {
	stored    int64 // the cursor in the database
	handled   int64 // the last event fully handled
	have      bool  // handled holds a position (false: start live, or from oldest)
	lastFlush time.Time
}

// loadCursor reads the stored cursor into i.cur, retrying database errors
// until ctx ends. No stored cursor leaves i.cur empty.
func (i *Ingester) loadCursor(ctx context.Context) error {
	bo := lease.Backoff{Base: i.cfg.BackoffMin, Max: i.cfg.BackoffMax}
	for {
		c, err := i.store.Cursor(ctx, i.source)
		switch {
		case err == nil:
			i.cur = cursorState{stored: c, handled: c, have: true, lastFlush: time.Now()}
			i.m.cursor.Store(c)
			return nil
		case errors.Is(err, store.ErrNotFound):
			i.cur = cursorState{lastFlush: time.Now()}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.storeError()
		i.log.Error("reading the ingest cursor", "error", err)
		if !lease.Sleep(ctx, bo.Next()) {
			return ctx.Err()
		}
	}
}

// markHandled records that the event at pos is fully handled without a
// write of its own; the cursor passes it at the next flush.
func (i *Ingester) markHandled(pos int64) {
	i.cur.handled, i.cur.have = pos, true
}

// flushIfDue writes the handled cursor when it is ahead of the stored one
// and CursorFlushInterval has passed since the last write. A failed write is
// logged and left for the next flush.
func (i *Ingester) flushIfDue(ctx context.Context) {
	if time.Since(i.cur.lastFlush) < i.cfg.CursorFlushInterval {
		return
	}
	if err := i.flush(ctx); err != nil && ctx.Err() == nil {
		i.m.storeError()
		i.log.Error("storing the ingest cursor", "error", err, "seq", i.cur.handled)
	}
}

// flush writes the handled cursor if it is ahead of the stored one.
func (i *Ingester) flush(ctx context.Context) error {
	i.cur.lastFlush = time.Now()
	if !i.cur.have || i.cur.handled == i.cur.stored {
		return nil
	}
	pos := i.cur.handled
	if err := i.store.SetCursor(ctx, i.source, pos); err != nil {
		return fmt.Errorf("ingest: store cursor %d: %w", pos, err)
	}
	i.setStored(pos)
	return nil
}

// finalFlush flushes under a fresh short timeout: ctx is usually already
// cancelled when the ingester shuts down.
func (i *Ingester) finalFlush() {
	if i.leaseLost.Load() {
		return // the cursor is another ingester's now
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := i.flush(ctx); err != nil {
		i.m.storeError()
		i.log.Error("storing the ingest cursor at shutdown", "error", err, "seq", i.cur.handled)
		return
	}
	if i.cur.have {
		i.log.Info("ingest stopped", "seq", i.cur.stored)
	}
}

func (i *Ingester) setStored(pos int64) {
	i.cur.stored, i.cur.handled, i.cur.have = pos, pos, true
	i.m.cursor.Store(pos)
}

// writeTx runs fn and stores the cursor pos in one transaction. A failed
// transaction is retried with backoff until it commits or ctx ends (then
// ctx's error is returned and the cursor has not moved): an event is never
// skipped because the database failed.
func (i *Ingester) writeTx(ctx context.Context, pos int64, fn func(tx *store.Tx) error) error {
	bo := lease.Backoff{Base: i.cfg.BackoffMin, Max: i.cfg.BackoffMax}
	for {
		err := i.store.InTx(ctx, func(tx *store.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return tx.SetCursor(ctx, i.source, pos)
		})
		if err == nil {
			i.setStored(pos)
			i.cur.lastFlush = time.Now()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i.m.storeError()
		i.log.Error("storing an event; will retry", "error", err, "seq", pos)
		if !lease.Sleep(ctx, bo.Next()) {
			return ctx.Err()
		}
	}
}
