package web

import (
	"errors"
	"net/http"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// getViewerStatus serves org.gostatusphere.getViewerStatus: the caller's
// current status (newest createdAt) as the one status view ([newView]),
// the caller proven by service auth.
func (s *Server) getViewerStatus(w http.ResponseWriter, r *http.Request) {
	viewer, err := s.viewerFromServiceAuth(r, lexicon.GetViewerStatusNSID)
	if err != nil {
		s.serviceAuthFailed(w, r, err)
		return
	}
	out := gen.GetViewerStatusOutput{Viewer: viewer}
	e, err := s.Store.LatestStatusEntry(r.Context(), viewer)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.xrpcFailed(w, r, err)
		return
	default:
		v := newView(e)
		out.Status = &v
	}
	writeJSON(w, http.StatusOK, out)
}
