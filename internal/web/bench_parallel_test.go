package web

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/store"
	"github.com/statusphere/statusphere/internal/store/storetest"
)

// parallelism is how many goroutines per CPU BenchmarkHomePageParallel runs.
const parallelism = 100

// BenchmarkHomePageParallel serves the home page from 100 goroutines per
// CPU at once (the load of a few hundred connections), cached logged out
// and logged in, on 10,000 statuses, and reports the latency percentiles
// of the views besides the time per view. Run it with -cpuprofile and
// -mutexprofile to see what drives the tail.
func BenchmarkHomePageParallel(b *testing.B) {
	st := storetest.SQLite(b)
	seedStatuses(b, st, 10_000)
	s := newTestServer(b, st)
	if _, err := s.profiles.put(s.views, benchUser, "Bench User", time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.CreateWebSession(b.Context(), store.WebSession{ID: sessionKey(benchCookie), DID: benchUser, OAuthSessionID: "x", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, cookie string }{{"logged-out", ""}, {"logged-in", benchCookie}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(parallelism)
			// Each goroutine keeps its latencies in its own slot: no lock
			// of the benchmark's shows in the mutex profile.
			slots := make([][]time.Duration, parallelism*runtime.GOMAXPROCS(0))
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				slot := &slots[next.Add(1)-1]
				// One request and writer per goroutine, as a server's
				// connection reuses its buffers: what is measured is the
				// handler's own work.
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if bc.cookie != "" {
					req.AddCookie(&http.Cookie{Name: cookieName, Value: bc.cookie})
				}
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					w.reset()
					start := time.Now()
					s.ServeHTTP(w, req)
					*slot = append(*slot, time.Since(start))
					if w.code != http.StatusOK || w.n == 0 {
						b.Errorf("GET / = %d, %d bytes", w.code, w.n)
						return
					}
				}
			})
			reportPercentiles(b, slices.Concat(slots...))
		})
	}
}

// discardWriter is a ResponseWriter that counts the body and forgets it.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// reset readies w for the next response.
func (w *discardWriter) reset() {
	clear(w.h)
	w.code, w.n = 0, 0
}

// reportPercentiles reports the 50th and 99th percentile of ds.
func reportPercentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), "p99-ns")
}
