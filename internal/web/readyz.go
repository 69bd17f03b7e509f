package web

import "net/http"

// Ready serves /readyz: whether this process should get traffic now, 200
// or 503, with each check's details as JSON. It may be public (the
// operator's choice), so its checks report states and numbers, never
// error text.
func Ready(checks map[string]Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, ready := runChecks(r.Context(), checks)
		out["ok"] = ready
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, statusFor(ready), out)
	})
}
