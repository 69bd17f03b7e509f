package web

import (
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsKnowEveryRoute: the route patterns whose metrics are resolved
// up front are those of the route files, and requests are counted under their
// pattern and code, resolved up front or not.
func TestMetricsKnowEveryRoute(t *testing.T) {
	var want []string
	for _, f := range routeFiles {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
			want = append(want, m[1])
		}
	}
	reg := prometheus.NewRegistry()
	e := newTestEnv(t, func(d *Deps) { d.Metrics = reg }, withLexIndex)
	patterns := e.s.patterns()
	slices.Sort(want)
	slices.Sort(patterns)
	if !slices.Equal(patterns, want) {
		t.Fatalf("patterns() = %q, the route files have %q", patterns, want)
	}
	e.do(request(http.MethodGet, "/", "", ""))
	e.do(request(http.MethodGet, "/nowhere", "", ""))
	e.do(request(http.MethodGet, "/static/nothing.css", "", ""))
	e.do(request(http.MethodPut, "/status", "", "")) // 405
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "statusphere_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if v := m.GetCounter().GetValue(); v != 0 {
				got[labels["route"]+" "+labels["code"]] = v
			}
		}
	}
	wantCounts := map[string]float64{"GET /{$} 200": 1, "GET /static/ 404": 1, "unmatched 404": 1, "unmatched 405": 1}
	if !maps.Equal(got, wantCounts) {
		t.Errorf("request counts %v, want %v", got, wantCounts)
	}
}
