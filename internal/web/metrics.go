package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics counts requests and their durations by route pattern.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// routes holds each route's metrics resolved once, so a request takes
	// no lock of the vectors (read-only after [httpMetrics.instrument]).
	routes map[string]*routeMetrics
}

// routeMetrics are one route's duration and its counters of the usual
// status codes.
type routeMetrics struct {
	duration prometheus.Observer
	codes    map[int]prometheus.Counter
}

// counter returns the route's counter of code, if resolved (rm may be nil).
func (rm *routeMetrics) counter(code int) prometheus.Counter {
	if rm == nil {
		return nil
	}
	return rm.codes[code]
}

// commonCodes are the status codes whose counters are resolved up front.
var commonCodes = []int{200, 204, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 413, 429, statusClientClosed, 500, 502, 503}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusphere_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "statusphere_http_request_duration_seconds",
			Help:    "HTTP request durations by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach Flush and deadlines (for SSE).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush implements http.Flusher.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// notFoundPattern is the route of the 404 page: what no other route matches.
const notFoundPattern = "GET /"

// instrument records each request under the route pattern that served it
// ("unmatched" for none, or the 404 page); the metrics of patterns are
// resolved up front.
func (m *httpMetrics) instrument(next http.Handler, patterns []string) http.Handler {
	m.routes = map[string]*routeMetrics{}
	for _, p := range append(patterns, "unmatched") {
		if p == notFoundPattern {
			continue
		}
		rm := &routeMetrics{duration: m.duration.WithLabelValues(p), codes: map[int]prometheus.Counter{}}
		for _, code := range commonCodes {
			rm.codes[code] = m.requests.WithLabelValues(p, strconv.Itoa(code))
		}
		m.routes[p] = rm
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern // set by the mux on this request
		if route == "" || route == notFoundPattern {
			route = "unmatched"
		}
		rm, ok := m.routes[route]
		if c := rm.counter(rec.code); c != nil {
			c.Inc()
		} else {
			m.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		}
		if route == "GET /events" {
			return
		}
		if ok {
			rm.duration.Observe(time.Since(start).Seconds())
		} else {
			m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}
	})
}
