// Package app assembles statusphere's parts into a running process: it
// opens the store, builds the HTTP client, identity directory, OAuth client,
// lexicon catalog and web server from a [config.Config], and runs the web
// server and background jobs until the context ends, then shuts down
// gracefully. cmd/statusphere calls it; tests build the same app with
// options production never sets (an HTTP client that reaches the local
// test network).
package app
