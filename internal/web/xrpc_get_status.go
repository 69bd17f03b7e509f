package web

import (
	"errors"
	"net/http"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// getStatus serves org.gostatusphere.getStatus: one status by AT-URI.
func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	var p gen.GetStatusParams
	if !s.xrpcParams(w, r, lexicon.GetStatusNSID, &p) {
		return
	}
	e, err := s.Store.StatusEntry(r.Context(), p.Uri)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeXRPCError(w, http.StatusBadRequest, gen.GetStatusErrStatusNotFound, "No status at "+p.Uri.String()+".")
		return
	case err != nil:
		s.xrpcFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, gen.GetStatusOutput{Status: newView(e)})
}
