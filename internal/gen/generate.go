// Package gen holds the Go types generated from the app's lexicons (the
// lexicons/ folder at the repository root), one package per NSID authority:
// internal/gen/xyz/statusphere for xyz.statusphere.*. Everything below this
// folder except this file is written by `statusphere lex gen`; do not edit
// it. Run `make generate` (go generate ./...) after changing a lexicon; CI
// fails when the committed code is stale.
package gen

//go:generate go run ../../cmd/statusphere lex gen -lexicons ../../lexicons -out . -import github.com/statusphere/statusphere/internal/gen
