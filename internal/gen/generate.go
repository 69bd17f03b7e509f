// Package gen holds the Go types generated from the app's lexicons (the
// lexicons/ folder at the repository root), one package per NSID authority:
// internal/gen/xyz/statusphere for xyz.statusphere.*. Everything below this
// folder except this file is written by the lexgen command
// (internal/lexgen/cmd/lexgen; `statusphere lex gen` does the same); do not
// edit it. Run `make generate` (go generate ./...) after changing a lexicon;
// CI fails when the committed code is stale.
package gen

//go:generate go run ../lexgen/cmd/lexgen -lexicons ../../lexicons -out . -import github.com/statusphere/statusphere/internal/gen
