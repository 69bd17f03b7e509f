// Package statusphere holds the app's lexicon schemas, embedded, so that
// internal packages can load them (go:embed cannot reach a parent folder).
package statusphere

import "embed"

// Lexicons is the lexicons/ tree: the app's schemas, the source of truth for
// validation, generated code and the /lexicons documentation page.
//
//go:embed lexicons
var Lexicons embed.FS
