package lexicon

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// fakePDS is a minimal stand-in for a PDS, for unit tests of resolution
// and publishing: one account, createSession, deleteSession, putRecord and
// getRecord over an in-memory repo. (TestLexiconPublishResolve runs the same
// code against the real PDS.)
type fakePDS struct {
	t        *testing.T
	srv      *httptest.Server
	did      syntax.DID
	handle   syntax.Handle
	password string

	mu      sync.Mutex
	records map[string]json.RawMessage // "collection/rkey" → value
	puts    []map[string]any
	ended   bool
}

func newFakePDS(t *testing.T) *fakePDS {
	t.Helper()
	p := &fakePDS{
		t: t, did: "did:plc:lexpublisher0000000000000", handle: "lex.example.com", password: "hunter2",
		records: map[string]json.RawMessage{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Identifier, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			xrpcFail(w, 400, "InvalidRequest", err.Error())
			return
		}
		if (in.Identifier != string(p.handle) && in.Identifier != string(p.did)) || in.Password != p.password {
			xrpcFail(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		writeJSON(w, map[string]string{"did": string(p.did), "handle": string(p.handle), "accessJwt": "access-token", "refreshJwt": "refresh-token"})
	})
	mux.HandleFunc("POST /xrpc/com.atproto.server.deleteSession", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer refresh-token" {
			xrpcFail(w, 401, "AuthenticationRequired", "bad token")
			return
		}
		p.mu.Lock()
		p.ended = true
		p.mu.Unlock()
	})
	mux.HandleFunc("POST /xrpc/com.atproto.repo.putRecord", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer access-token" {
			xrpcFail(w, 401, "AuthenticationRequired", "bad token")
			return
		}
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			xrpcFail(w, 400, "InvalidRequest", err.Error())
			return
		}
		if in["repo"] != string(p.did) {
			xrpcFail(w, 400, "InvalidRequest", "wrong repo")
			return
		}
		rec, _ := json.Marshal(in["record"])
		key := in["collection"].(string) + "/" + in["rkey"].(string)
		p.mu.Lock()
		p.records[key] = rec
		p.puts = append(p.puts, in)
		p.mu.Unlock()
		writeJSON(w, map[string]string{"uri": "at://" + string(p.did) + "/" + key, "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"})
	})
	mux.HandleFunc("GET /xrpc/com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("repo") != string(p.did) {
			xrpcFail(w, 400, "RepoNotFound", "no such repo")
			return
		}
		key := q.Get("collection") + "/" + q.Get("rkey")
		p.mu.Lock()
		rec, ok := p.records[key]
		p.mu.Unlock()
		if !ok {
			xrpcFail(w, 400, "RecordNotFound", "Could not locate record: "+key)
			return
		}
		writeJSON(w, map[string]any{"uri": "at://" + string(p.did) + "/" + key, "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq", "value": rec})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePDS) put(collection, rkey, value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.records[collection+"/"+rkey] = json.RawMessage(value)
}

// directory resolves the fake account to the fake PDS.
func (p *fakePDS) directory() identity.Directory {
	dir := identity.NewMockDirectory()
	dir.Insert(identity.Identity{
		DID:         p.did,
		Handle:      p.handle,
		AlsoKnownAs: []string{"at://" + string(p.handle)},
		Services:    map[string]identity.ServiceEndpoint{"atproto_pds": {Type: "AtprotoPersonalDataServer", URL: p.srv.URL}},
	})
	return dir
}

// txt is a DNS TXT lookup over a fixed table; missing names are NXDOMAIN.
func txt(records map[string][]string) TXTLookup {
	return func(ctx context.Context, name string) ([]string, error) {
		if v, ok := records[name]; ok {
			return v, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
}

func xrpcFail(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": name, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
