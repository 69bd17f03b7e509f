package web

import (
	"net/http"
)

// maxBody bounds every request body.
const maxBody = 64 << 10

// routes is the one route table.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /signup", s.signup)
	mux.HandleFunc("GET /oauth/callback", s.oauthCallback)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /status", s.postStatus)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("GET /lexicons", s.lexicons)
	mux.HandleFunc("GET /xrpc/{nsid}", s.xrpcQuery)
	mux.HandleFunc("POST /xrpc/{nsid}", s.xrpcNotImplemented)
	if s.LexIndex != nil {
		s.lexIndexRoutes(mux)
	}
	mux.Handle("GET /healthz", Liveness(s.Checks))
	mux.HandleFunc("GET /oauth-client-metadata.json", s.clientMetadata)
	mux.HandleFunc("GET /oauth/jwks.json", s.jwks)
	mux.HandleFunc("GET /.well-known/did.json", s.didDocument)
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.views.static))
	mux.HandleFunc("GET /favicon.ico", s.favicon)
	mux.HandleFunc("GET /", s.notFound) // = notFoundPattern
	for pattern, h := range s.Extra {
		mux.Handle(pattern, h)
	}

	csrf := http.NewCrossOriginProtection()
	return s.metrics.instrument(securityHeaders(limitBody(csrf.Handler(mux)), s.Secure), s.patterns())
}

// patterns lists the route patterns: those of routes and of Extra.
func (s *Server) patterns() []string {
	out := []string{"GET /{$}", "GET /login", "POST /login", "POST /signup", "GET /oauth/callback", "POST /logout", "POST /status",
		"GET /events", "GET /lexicons", "GET /healthz", "GET /oauth-client-metadata.json", "GET /oauth/jwks.json",
		"GET /.well-known/did.json", "GET /xrpc/{nsid}", "POST /xrpc/{nsid}", "GET /static/", "GET /favicon.ico", "GET /"}
	if s.LexIndex != nil {
		out = append(out, lexIndexPatterns...)
	}
	for pattern := range s.Extra {
		out = append(out, pattern)
	}
	return out
}

// limitBody caps request bodies at maxBody.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}
