// Package oauth signs users in with atproto OAuth (PAR, PKCE, DPoP) through
// indigo's [oauth.ClientApp], and keeps their sessions in the database.
//
// [New] builds a loopback client for development (no public URL) or a
// confidential client (private_key_jwt with a P-256 key) for production.
// [Client.WithSession] hands callers an API client for a user's PDS; calls
// for one session are serialised and always start from the tokens last
// saved, so two concurrent requests never both refresh the tokens, and a
// refreshed token is saved (upserted) before anyone else uses the session.
// Auth requests older than [AuthRequestTTL] are pruned.
//
// Logins ask for [Scopes]: the atproto base scope, the app's permission set
// include:org.gostatusphere.authFull (the note collection and the app's
// XRPC methods, for the app's service when it has a public URL) and
// repo:xyz.statusphere.status, which the set cannot grant (another
// authority's NSID). A server that cannot resolve the set refuses the
// request (invalid_scope); the login is then retried with [BaseScopes]
// (statuses only). [Client.Granted] reads what the server granted, from the
// token response stored with the session, so callers can leave out what
// the session may not do ([Grant.CanWriteNotes]).
//
// [Client.StartLogin] runs indigo's login steps one by one so that a
// failure says which one failed: no such account, or which server (the
// network for a handle, the DID directory, the PDS, the authorization
// server) could not be reached ([LoginError]). [Client.StartSignup] starts
// the same flow with prompt=create, which indigo's ClientApp cannot send
// itself: a transport adds it to the pushed authorization request.
//
// The package does not render pages or set cookies: that is package web.
package oauth
