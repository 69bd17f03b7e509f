package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/statusphere/statusphere/internal/pds"
)

// StartLogin begins a login for identifier (a handle, a DID, or the URL of
// a PDS) and returns the authorization server URL to send the browser to.
// A failure is a [*LoginError] whose message says which step failed and
// why: no such account, or which server (the network for a handle, the
// DID directory, the PDS, the authorization server) could not be reached.
func (c *Client) StartLogin(ctx context.Context, identifier string) (string, error) {
	identifier = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(identifier), "@"))
	if identifier == "" {
		return "", &LoginError{Msg: "Enter your handle (like alice.bsky.social), your DID, or your PDS's URL."}
	}
	if strings.HasPrefix(identifier, "https://") {
		u, err := url.Parse(identifier)
		if err != nil || u.Host == "" {
			return "", &LoginError{Msg: "That URL is not a valid PDS address.", Err: err}
		}
		as, err := c.authServerOf(ctx, u.Scheme+"://"+u.Host)
		if err != nil {
			return "", err
		}
		return c.startFlow(ctx, as, "", "")
	}
	id, err := syntax.ParseAtIdentifier(identifier)
	if err != nil {
		return "", &LoginError{Msg: fmt.Sprintf("%q is not a handle, a DID, or an https:// PDS address.", identifier), Err: err}
	}
	ident, err := c.app.Dir.Lookup(ctx, id)
	if err != nil {
		return "", lookupError(id, err)
	}
	host := ident.PDSEndpoint()
	if host == "" {
		return "", &LoginError{Msg: fmt.Sprintf("The account %s names no PDS in its DID document, so it cannot sign in.", identifier)}
	}
	as, err := c.authServerOf(ctx, host)
	if err != nil {
		return "", err
	}
	return c.startFlow(ctx, as, identifier, ident.DID)
}

// authServerOf asks the PDS at pdsURL for its authorization server.
func (c *Client) authServerOf(ctx context.Context, pdsURL string) (string, error) {
	as, err := c.app.Resolver.ResolveAuthServerURL(ctx, pdsURL)
	if err != nil {
		return "", &LoginError{Msg: serverProblem("the PDS", hostOf(pdsURL), err), Err: err}
	}
	return as, nil
}

// startFlow sends the pushed authorization request to the authorization
// server at asURL and returns the URL of its authorization page.
func (c *Client) startFlow(ctx context.Context, asURL, loginHint string, did syntax.DID) (string, error) {
	meta, err := c.app.Resolver.ResolveAuthServerMetadata(ctx, asURL)
	if err != nil {
		return "", &LoginError{Msg: serverProblem("the authorization server", hostOf(asURL), err), Err: err}
	}
	info, err := c.app.SendAuthRequest(ctx, meta, c.app.Config.Scopes, loginHint)
	if isInvalidScope(err) && !slices.Equal(c.app.Config.Scopes, BaseScopes) {
		// The server cannot resolve the permission set: sign in for
		// statuses only; the session's grant then says notes are off.
		c.log.Info("authorization server refused the permission set; asking for statuses only", "server", asURL, "error", err)
		info, err = c.app.SendAuthRequest(ctx, meta, BaseScopes, loginHint)
	}
	if err != nil {
		return "", &LoginError{Msg: serverProblem("the authorization server", hostOf(asURL), err), Err: err}
	}
	if did != "" {
		info.AccountDID = &did
	}
	if err := c.app.Store.SaveAuthRequestInfo(ctx, *info); err != nil {
		return "", fmt.Errorf("oauth: save the login's request: %w", err)
	}
	q := url.Values{"client_id": {c.app.Config.ClientID}, "request_uri": {info.RequestURI}}
	return meta.AuthorizationEndpoint + "?" + q.Encode(), nil
}

// lookupError is the message for a handle or DID that did not resolve.
func lookupError(id syntax.AtIdentifier, err error) error {
	switch {
	case errors.Is(err, identity.ErrHandleNotFound):
		return &LoginError{Msg: fmt.Sprintf("No account has the handle %s. Check the spelling, or log in with your DID.", id), Err: err}
	case errors.Is(err, identity.ErrDIDNotFound):
		return &LoginError{Msg: fmt.Sprintf("No account has the DID %s: the DID directory does not know it.", id), Err: err}
	case errors.Is(err, identity.ErrHandleMismatch), errors.Is(err, identity.ErrHandleNotDeclared):
		return &LoginError{Msg: fmt.Sprintf("The handle %s and its account's DID document do not name each other, so it cannot be trusted.", id), Err: err}
	case errors.Is(err, identity.ErrHandleReservedTLD), errors.Is(err, identity.ErrInvalidHandle):
		return &LoginError{Msg: fmt.Sprintf("%s is not a handle that can have an account.", id), Err: err}
	case errors.Is(err, identity.ErrDIDResolutionFailed) && pds.Unreachable(err):
		return &LoginError{Msg: "Could not reach the DID directory to look up your account (" + shortReason(err) + "). Try again in a moment.", Err: err}
	case errors.Is(err, identity.ErrDIDResolutionFailed):
		return &LoginError{Msg: "The DID directory gave no usable answer for your account (" + shortReason(err) + "). Try again in a moment.", Err: err}
	case id.IsHandle() && pds.Unreachable(err):
		return &LoginError{Msg: fmt.Sprintf("Could not reach the network to look up the handle %s (%s). Check your connection and try again.", id, shortReason(err)), Err: err}
	}
	return &LoginError{Msg: fmt.Sprintf("Could not look up %s (%s). Try again in a moment.", id, shortReason(err)), Err: err}
}

// serverProblem says that role ("the PDS") at host could not be reached,
// or answered something unusable.
func serverProblem(role, host string, err error) string {
	if pds.Unreachable(err) {
		return fmt.Sprintf("Could not reach %s %s (%s). Try again in a moment.", role, host, shortReason(err))
	}
	return fmt.Sprintf("%s %s did not answer as an atproto sign-in server should (%s).", capitalize(role), host, shortReason(err))
}

// shortReason is the innermost part of err, for the user.
func shortReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "DNS: " + dns.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i > 8 {
		msg = msg[i+2:]
	}
	return msg
}

// hostOf is the host of a URL, or the URL when it has none.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
