package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bluesky-social/indigo/atproto/auth"
	"github.com/bluesky-social/indigo/atproto/syntax"

	gen "github.com/statusphere/statusphere/internal/gen/org/gostatusphere"
)

// appViewServiceID is the fragment of the app's service in its DID
// document: did:web:<host>#statusphere_appview.
const appViewServiceID = "statusphere_appview"

// serviceAuthError is a refused service-auth token: 401 with an XRPC error
// body ({"error": Name, "message": Message}).
type serviceAuthError struct {
	Name    string
	Message string
	Err     error
}

func (e *serviceAuthError) Error() string {
	if e.Err != nil {
		return e.Name + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Name + ": " + e.Message
}

func (e *serviceAuthError) Unwrap() error { return e.Err }

// viewerFromServiceAuth returns the DID of the caller of the XRPC method
// lxm, proven by the atproto service-auth JWT in "Authorization: Bearer":
// minted by the caller's PDS (com.atproto.server.getServiceAuth) for this
// app's service DID (plain, or with #statusphere_appview) and this method,
// not expired, and signed by the key in the caller's DID document (indigo's
// [auth.ServiceAuthValidator]). The error is a *serviceAuthError; answer it
// with [Server.serviceAuthFailed].
func (s *Server) viewerFromServiceAuth(r *http.Request, lxm syntax.NSID) (syntax.DID, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", &serviceAuthError{Name: gen.GetViewerStatusErrAuthMissing, Message: "This method requires atproto service auth: Authorization: Bearer <JWT from com.atproto.server.getServiceAuth>."}
	}
	if s.ServiceDID == "" {
		return "", &serviceAuthError{Name: gen.GetViewerStatusErrInvalidToken, Message: "This server has no service DID (run it with -public-url) and accepts no service-auth token."}
	}
	v := auth.ServiceAuthValidator{Audience: s.audienceOf(token), Dir: s.Identities.Directory()}
	did, err := v.Validate(r.Context(), token, &lxm)
	if err != nil {
		return "", &serviceAuthError{Name: gen.GetViewerStatusErrInvalidToken, Message: "The service-auth token was refused: " + err.Error(), Err: err}
	}
	return did, nil
}

// audienceOf picks which of the app's two names the token must be
// addressed to: the service reference when the token names it, else the
// plain service DID (which a token for anyone else then fails). The token
// is not trusted here: the validator checks the audience it is given.
func (s *Server) audienceOf(token string) string {
	ref := s.ServiceDID + "#" + appViewServiceID
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return s.ServiceDID
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return s.ServiceDID
	}
	var claims struct {
		Aud any `json:"aud"`
	}
	if json.Unmarshal(b, &claims) == nil && claims.Aud == ref {
		return ref
	}
	return s.ServiceDID
}

// serviceAuthFailed answers a refused service-auth request: 401, a
// WWW-Authenticate challenge and the XRPC error body.
func (s *Server) serviceAuthFailed(w http.ResponseWriter, r *http.Request, err error) {
	var se *serviceAuthError
	if !errors.As(err, &se) {
		s.serverError(w, r, fmt.Errorf("service auth: %w", err))
		return
	}
	s.Log.Info("service auth refused", "path", r.URL.Path, "error", err)
	w.Header().Set("WWW-Authenticate", `Bearer realm="atproto service auth"`)
	writeXRPCError(w, http.StatusUnauthorized, se.Name, se.Message)
}
