// Package deploy holds what runs statusphere on a server: systemd units
// (systemd/) for the one-machine SQLite setup and the split layout on
// PostgreSQL, and the Containerfile of the container image. It has no Go
// code; its tests check those files with systemd's own tools.
package deploy
