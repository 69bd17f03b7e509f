// Package web is statusphere's HTTP face: the home page with the timeline,
// login and logout through atproto OAuth, posting a status, the OAuth client
// metadata, and static assets.
//
// Pages are server-rendered with html/template from embedded templates and
// work without JavaScript; app.js only spares the reload. Every
// state-changing route is behind [http.CrossOriginProtection]. Sessions are
// server-side: the cookie holds a random ID whose hash names a row in the
// database, so logout really ends them. The package calls services (oauth,
// pds, identity, lexicon) and the store; nothing imports it.
package web
