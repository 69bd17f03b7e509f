// Package config reads statusphere's settings from command-line flags and
// STATUSPHERE_* environment variables (flags win), fills in defaults that
// need no configuration at all, and validates everything up front: a bad
// setting fails at start with a message naming it.
package config
