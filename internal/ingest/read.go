package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxPooledFrame is the largest read buffer kept for reuse: the odd huge
// frame does not pin its memory.
const maxPooledFrame = 1 << 20

// framePool holds read buffers: a message is read into one, handled, and
// the buffer goes back, so steady reading allocates nothing per message.
var framePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// releaseFrame returns a read buffer to the pool.
func releaseFrame(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledFrame {
		return
	}
	buf.Reset()
	framePool.Put(buf)
}

// readMessages reads whole messages of type msgType into pooled buffers
// sent to out until the connection fails (the error goes to errc, then out
// is closed); the receiver releases each buffer (releaseFrame). Messages of
// another type, or longer than MaxFrameBytes, are skipped and counted as
// malformed without dropping the connection.
func (i *Ingester) readMessages(ctx context.Context, conn *websocket.Conn, msgType int, out chan<- *bytes.Buffer, errc chan<- error) {
	defer close(out)
	limit := i.cfg.MaxFrameBytes
	lr := new(io.LimitedReader)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(i.cfg.ReadTimeout))
		mt, r, err := conn.NextReader()
		if err != nil {
			errc <- err
			return
		}
		buf := framePool.Get().(*bytes.Buffer)
		lr.R, lr.N = r, limit+1
		if _, err := buf.ReadFrom(lr); err != nil {
			releaseFrame(buf)
			errc <- err
			return
		}
		if int64(buf.Len()) > limit || mt != msgType {
			n, err := io.Copy(io.Discard, r)
			i.m.malformedFrame()
			i.log.Warn("skipping a message", "reason", frameProblem(mt, msgType, limit), "bytes", int64(buf.Len())+n)
			releaseFrame(buf)
			if err != nil {
				errc <- err
				return
			}
			continue
		}
		select {
		case out <- buf:
		case <-ctx.Done():
			releaseFrame(buf)
			errc <- ctx.Err()
			return
		}
	}
}

// frameProblem says why a message was skipped.
func frameProblem(got, want int, limit int64) string {
	switch {
	case got != want && want == websocket.BinaryMessage:
		return "not a binary message"
	case got != want:
		return "not a text message"
	}
	return fmt.Sprintf("larger than %d bytes", limit)
}
