package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// getViewerStatusNSID is the XRPC method of [Server.getViewerStatus].
const getViewerStatusNSID = syntax.NSID(gostatusphere.GetViewerStatusNSID)

// viewerStatusOutput is the output of org.gostatusphere.getViewerStatus.
type viewerStatusOutput struct {
	Viewer syntax.DID                                 `json:"viewer"`
	Status *gostatusphere.GetViewerStatusViewerStatus `json:"status,omitempty"`
}

// getViewerStatus serves GET /xrpc/org.gostatusphere.getViewerStatus: the
// caller's newest status, the caller proven by service auth.
func (s *Server) getViewerStatus(w http.ResponseWriter, r *http.Request) {
	viewer, err := s.viewerFromServiceAuth(r, getViewerStatusNSID)
	if err != nil {
		s.serviceAuthFailed(w, r, err)
		return
	}
	out := viewerStatusOutput{Viewer: viewer}
	st, err := s.Store.LatestStatus(r.Context(), viewer)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		out.Status = &gostatusphere.GetViewerStatusViewerStatus{
			Uri: st.URI, Record: json.RawMessage(st.Record), IndexedAt: lexicon.FormatDatetime(st.IndexedAt),
		}
		if cid, err := syntax.ParseCID(st.CID); err == nil {
			out.Status.Cid = &cid
		}
	}
	writeJSON(w, http.StatusOK, out)
}
