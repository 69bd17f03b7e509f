package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/lexicon"
	"github.com/statusphere/statusphere/internal/store"
)

// The XRPC error names of the spec that the queries answer with; the
// errors a query's lexicon declares are in the generated code.
const (
	xrpcInvalidRequest       = "InvalidRequest"
	xrpcMethodNotImplemented = "MethodNotImplemented"
	xrpcInternalServerError  = "InternalServerError"
)

// xrpcError is the body of an XRPC error response.
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message,omitempty"`
}

// writeXRPCError answers an XRPC call with {"error", "message"}. The
// errors a lexicon declares go out with 400, as the XRPC spec asks.
func writeXRPCError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, xrpcError{Error: name, Message: msg})
}

// xrpcFailed answers 500 for a failure of ours, logged once.
func (s *Server) xrpcFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		s.Log.Info("request abandoned by the client", "method", r.Method, "path", r.URL.Path, "error", err)
		w.WriteHeader(statusClientClosed)
		return
	}
	s.Log.Error("xrpc request failed", "path", r.URL.Path, "error", err)
	writeXRPCError(w, http.StatusInternalServerError, xrpcInternalServerError, "Something went wrong on our side.")
}

// xrpcParams parses and validates the query parameters of a call to nsid
// against its lexicon and decodes them into params (the generated type);
// a bad parameter is answered with 400 InvalidRequest and false.
func (s *Server) xrpcParams(w http.ResponseWriter, r *http.Request, nsid syntax.NSID, params any) bool {
	m, err := s.Lexicons.ValidateParams(nsid, r.URL.Query())
	if err != nil {
		msg := err.Error()
		var ve *lexicon.ValidationError
		if errors.As(err, &ve) {
			msg = "parameter " + ve.Message()
		}
		writeXRPCError(w, http.StatusBadRequest, xrpcInvalidRequest, msg)
		return false
	}
	b, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(b, params)
	}
	if err != nil {
		writeXRPCError(w, http.StatusBadRequest, xrpcInvalidRequest, err.Error())
		return false
	}
	return true
}

// xrpcQuery serves GET /xrpc/{nsid}: the query of that NSID
// ([Server.xrpcMethods]), or 501 MethodNotImplemented.
func (s *Server) xrpcQuery(w http.ResponseWriter, r *http.Request) {
	if h, ok := s.xrpcMethods()[syntax.NSID(r.PathValue("nsid"))]; ok {
		h(w, r)
		return
	}
	s.xrpcNotImplemented(w, r)
}

// xrpcNotImplemented answers POST /xrpc/{nsid} (XRPC procedures, of which
// the app serves none): 501 MethodNotImplemented, or 405 for one of our
// queries called with POST (the queries are GET).
func (s *Server) xrpcNotImplemented(w http.ResponseWriter, r *http.Request) {
	nsid := r.PathValue("nsid")
	if _, ok := s.xrpcMethods()[syntax.NSID(nsid)]; ok && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, HEAD")
		writeXRPCError(w, http.StatusMethodNotAllowed, xrpcInvalidRequest, nsid+" is a query: call it with GET")
		return
	}
	writeXRPCError(w, http.StatusNotImplemented, xrpcMethodNotImplemented, "This service does not implement "+strconv.Quote(nsid)+".")
}

// xrpcMethods are the XRPC queries the app serves, by NSID. The first
// three are public; getViewerStatus requires service auth.
func (s *Server) xrpcMethods() map[syntax.NSID]http.HandlerFunc {
	return map[syntax.NSID]http.HandlerFunc{
		lexicon.GetTimelineNSID:     s.getTimeline,
		lexicon.GetActorStatusNSID:  s.getActorStatus,
		lexicon.GetStatusNSID:       s.getStatus,
		lexicon.GetViewerStatusNSID: s.getViewerStatus,
	}
}

// encodeCursor turns a timeline position into an opaque cursor.
func encodeCursor(k store.TimelineKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(k.IndexedAt.UnixMicro(), 10) + " " + k.URI.String()))
}

// decodeCursor reads a cursor of encodeCursor.
func decodeCursor(c string) (store.TimelineKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return store.TimelineKey{}, errors.New("not a cursor of this service")
	}
	micros, uri, ok := strings.Cut(string(b), " ")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || n <= 0 {
		return store.TimelineKey{}, errors.New("not a cursor of this service")
	}
	u, err := syntax.ParseATURI(uri)
	if err != nil {
		return store.TimelineKey{}, fmt.Errorf("not a cursor of this service: %w", err)
	}
	return store.TimelineKey{IndexedAt: time.UnixMicro(n).UTC(), URI: u}, nil
}
