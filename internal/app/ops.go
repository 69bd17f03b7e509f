package app

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statusphere/statusphere/internal/web"
)

// opsHandler serves the operations endpoints, for -ops-addr only: the
// metrics, the detailed health report (errors included), readiness and
// the Go profiler.
func opsHandler(reg *prometheus.Registry, health, ready map[string]web.Check) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(reg))
	mux.Handle("GET /healthz", web.Health(health))
	mux.Handle("GET /readyz", web.Ready(ready))
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}
