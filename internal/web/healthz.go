package web

import (
	"context"
	"net/http"
	"time"
)

// Check reports on one part of the process for a health endpoint: its
// details, and whether it is healthy.
type Check func(ctx context.Context) (details any, ok bool)

// checkTimeout bounds one round of checks.
const checkTimeout = 3 * time.Second

// runChecks runs every check and returns their details by name, and
// whether all passed.
func runChecks(ctx context.Context, checks map[string]Check) (map[string]any, bool) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	out := map[string]any{}
	healthy := true
	for name, check := range checks {
		details, ok := check(ctx)
		out[name] = details
		healthy = healthy && ok
	}
	return out, healthy
}

// Health serves the detailed health report: 200 when every check passes,
// else 503, with each check's details as JSON (errors included). It
// belongs on the operations listener only.
func Health(checks map[string]Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, healthy := runChecks(r.Context(), checks)
		out["ok"] = healthy
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, statusFor(healthy), out)
	})
}

// Liveness serves the public /healthz: {"ok":true} with 200 when every
// check passes, else {"ok":false} with 503, and never any detail.
func Liveness(checks map[string]Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, healthy := runChecks(r.Context(), checks)
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, statusFor(healthy), map[string]bool{"ok": healthy})
	})
}

func statusFor(healthy bool) int {
	if healthy {
		return http.StatusOK
	}
	return http.StatusServiceUnavailable
}
