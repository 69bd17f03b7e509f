package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/lexindex"
)

// LexIndex is the lexicon aggregator's index; *lexindex.Index has it.
type LexIndex interface {
	Resolve(ctx context.Context, nsid syntax.NSID) (lexindex.Resolved, error)
	Overview(ctx context.Context, query, authority string) (*lexindex.Overview, error)
	Schema(ctx context.Context, nsid syntax.NSID, uri syntax.ATURI) (*lexindex.SchemaPage, error)
	Diff(ctx context.Context, uri syntax.ATURI, from, to int64) (*lexindex.Diff, error)
	Validate(ctx context.Context, nsid syntax.NSID, record []byte) error
	FetchRecord(ctx context.Context, uri syntax.ATURI) ([]byte, error)
}

// resolveLexicon serves com.atproto.lexicon.resolveLexicon from the index:
// the authoritative schema of ?nsid= with its URI and CID, an ETag (the
// CID) and 304 when If-None-Match names it; LexiconNotFound otherwise.
func (s *Server) resolveLexicon(w http.ResponseWriter, r *http.Request) {
	nsid, err := syntax.ParseNSID(r.URL.Query().Get("nsid"))
	if err != nil {
		writeXRPCError(w, http.StatusBadRequest, xrpcInvalidRequest, "nsid must be an NSID")
		return
	}
	res, err := s.LexIndex.Resolve(r.Context(), nsid)
	if errors.Is(err, lexindex.ErrNotFound) {
		writeXRPCError(w, http.StatusBadRequest, "LexiconNotFound", "no authoritative schema is indexed for "+nsid.String())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	etag := `"` + res.CID + `"`
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(res) //nolint:errcheck // the client went away
}

// validateRecordInput is the input of org.gostatusphere.validateRecord.
type validateRecordInput struct {
	Collection string          `json:"collection"`
	Record     json.RawMessage `json:"record"`
}

// ValidationVerdict is the output of org.gostatusphere.validateRecord and
// of the validate box.
type ValidationVerdict struct {
	Valid  bool              `json:"valid"`
	Errors []ValidationIssue `json:"errors,omitempty"`
}

// ValidationIssue is one reason a record is invalid, at Path ("" for the
// record itself).
type ValidationIssue struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// validateRecord serves the org.gostatusphere.validateRecord procedure: a
// record validated against the indexed authoritative schema of its
// collection.
func (s *Server) validateRecord(w http.ResponseWriter, r *http.Request) {
	var in validateRecordInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Record) == 0 {
		writeXRPCError(w, http.StatusBadRequest, xrpcInvalidRequest, "the input must be {collection, record}")
		return
	}
	nsid, err := syntax.ParseNSID(in.Collection)
	if err != nil {
		writeXRPCError(w, http.StatusBadRequest, xrpcInvalidRequest, "collection must be an NSID")
		return
	}
	v, err := s.verdict(r.Context(), nsid, in.Record)
	if errors.Is(err, lexindex.ErrNotFound) {
		writeXRPCError(w, http.StatusBadRequest, "LexiconNotFound", "no authoritative schema is indexed for "+nsid.String())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// verdict validates record against nsid's indexed schema; only a failure
// to validate at all is an error.
func (s *Server) verdict(ctx context.Context, nsid syntax.NSID, record []byte) (ValidationVerdict, error) {
	err := s.LexIndex.Validate(ctx, nsid, record)
	var ve *lexicon.ValidationError
	switch {
	case err == nil:
		return ValidationVerdict{Valid: true}, nil
	case errors.As(err, &ve):
		return ValidationVerdict{Errors: []ValidationIssue{{Path: ve.Path, Message: ve.Reason}}}, nil
	}
	return ValidationVerdict{}, err
}
