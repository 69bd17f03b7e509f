// Package web is statusphere's HTTP face: the home page with the timeline,
// login, sign-up (OAuth prompt=create on a PDS of the user's choice) and
// logout through atproto OAuth, posting a status (with an optional note,
// its org.gostatusphere.note sidecar, written in the same applyWrites),
// the live timeline (server-sent events), the XRPC queries
// org.gostatusphere.getTimeline, getActorStatus, getStatus and
// getViewerStatus at /xrpc/{nsid}, the OAuth client metadata, a 404 page,
// and static assets. The page works on a phone (no horizontal scrolling at
// 390 px), in dark mode and with a screen reader (labelled controls,
// aria-pressed, a polite live region), and says when the timeline may be
// behind (the "ingest" check of [Deps.Checks] fails).
//
// There is one way to build a status view: [newView] makes the lexicon's
// org.gostatusphere.defs#statusView of a stored status (its record and its
// note verbatim); the XRPC queries return it and the home page and
// /events render their lines from it. Query parameters are parsed and
// validated by the query's lexicon before a handler sees them.
//
// Pages are server-rendered with html/template from embedded templates and
// work without JavaScript; app.js only spares the reload. A view of the
// home page makes no query: the timeline is the [Live] hub's window of the
// newest statuses, kept by local posts and by [Server.Watch]'s poll of the
// store (which also sees deletes, hidden accounts and other processes'
// rows) and rendered once per version with its "top today" strip (again
// each minute for the lines' relative times); sessions, their grants,
// latest statuses and display names are cached and invalidated by logout,
// expiry and new statuses (see userRecheck); the rest of the page is
// rendered once. The logged-out page is kept whole per window version and
// "behind" state. Every
// state-changing route is behind [http.CrossOriginProtection]; a login
// starts only from a same-origin POST, rate-limited per client address and
// in all ([Limits]). Every response forbids framing and sniffing and allows
// only the app's own scripts and styles (no inline code). Sessions are
// server-side: the cookie holds a random ID whose hash names a row in the
// database, so logout really ends them. Text chosen by someone else (an
// OAuth error description) is logged, never shown.
//
// XRPC methods that act for the caller take atproto service auth
// (viewerFromServiceAuth: a JWT from the caller's PDS for the app's
// service DID and the method, checked against the caller's DID document);
// with a public URL the app serves its did:web document at
// /.well-known/did.json. The home page offers the note field only when the
// user's session was granted notes, and says so when it was not
// ([Server.CanWriteNotes]).
//
// The package depends on small interfaces it declares: [Store], [Auth],
// [Identities], [Lexicons] and [Records] (PDS reads and writes, adapted to
// package pds in records_pds.go). Records are built with the types
// generated from the lexicons. [Server.Close] ends open event streams at
// shutdown. Nothing imports this package but the app's wiring.
package web
