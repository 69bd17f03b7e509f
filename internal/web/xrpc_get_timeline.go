package web

import (
	"net/http"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// getTimeline serves org.gostatusphere.getTimeline: a page of the
// timeline, newest first, keyset-paged (the cursor is the position of the
// page's last status, so no status is skipped or repeated as new ones
// arrive).
func (s *Server) getTimeline(w http.ResponseWriter, r *http.Request) {
	var p gen.GetTimelineParams
	if !s.xrpcParams(w, r, lexicon.GetTimelineNSID, &p) {
		return
	}
	limit := 50
	if p.Limit != nil {
		limit = int(*p.Limit)
	}
	var after store.TimelineKey
	if p.Cursor != nil {
		var err error
		if after, err = decodeCursor(*p.Cursor); err != nil {
			writeXRPCError(w, http.StatusBadRequest, gen.GetTimelineErrInvalidCursor, "cursor: "+err.Error())
			return
		}
	}
	entries, err := s.Store.TimelineAfter(r.Context(), limit+1, after)
	if err != nil {
		s.xrpcFailed(w, r, err)
		return
	}
	out := gen.GetTimelineOutput{Statuses: make([]gen.DefsStatusView, 0, limit)}
	for i, e := range entries {
		if i == limit {
			c := encodeCursor(entries[i-1].Key())
			out.Cursor = &c
			break
		}
		out.Statuses = append(out.Statuses, newView(e))
	}
	writeJSON(w, http.StatusOK, out)
}
