package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// errNoActor is an actor whose handle does not resolve.
var errNoActor = errors.New("no such account")

// getActorStatus serves org.gostatusphere.getActorStatus: an account's
// current status (newest createdAt), the account named by DID or handle.
func (s *Server) getActorStatus(w http.ResponseWriter, r *http.Request) {
	var p gen.GetActorStatusParams
	if !s.xrpcParams(w, r, lexicon.GetActorStatusNSID, &p) {
		return
	}
	did, err := s.actorDID(r.Context(), p.Actor)
	if errors.Is(err, errNoActor) {
		writeXRPCError(w, http.StatusBadRequest, gen.GetActorStatusErrStatusNotFound, "No account "+p.Actor.String()+" is known: "+err.Error())
		return
	}
	e, err := s.Store.LatestStatusEntry(r.Context(), did)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeXRPCError(w, http.StatusBadRequest, gen.GetActorStatusErrStatusNotFound, "No status of "+p.Actor.String()+".")
		return
	case err != nil:
		s.xrpcFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, gen.GetActorStatusOutput{Status: newView(e)})
}

// actorDID returns the DID of an at-identifier: a DID as it is, a handle
// resolved (and verified both ways) by the identity directory, within a
// few seconds. A handle that does not resolve is errNoActor.
func (s *Server) actorDID(ctx context.Context, actor syntax.AtIdentifier) (syntax.DID, error) {
	if did, err := actor.AsDID(); err == nil {
		return did, nil
	}
	h, err := actor.AsHandle()
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoActor, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	id, err := s.Identities.Directory().LookupHandle(ctx, h)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoActor, err)
	}
	return id.DID, nil
}
