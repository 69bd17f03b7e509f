package web

import (
	"context"
	"net/http"
	"time"
)

// Check reports on one part of the process for /healthz: its details, and
// whether it is healthy.
type Check func(ctx context.Context) (details any, ok bool)

// Health serves /healthz: 200 when every check passes, else 503, with each
// check's details as JSON. The ingest-only process serves it too.
func Health(checks map[string]Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		out := map[string]any{}
		healthy := true
		for name, check := range checks {
			details, ok := check(ctx)
			out[name] = details
			healthy = healthy && ok
		}
		out["ok"] = healthy
		code := http.StatusOK
		if !healthy {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, out)
	})
}
