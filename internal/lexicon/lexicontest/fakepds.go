package lexicontest

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

// FakePDS is a minimal stand-in for a PDS: one account
// (lex.example.com, password hunter2), and com.atproto.server.createSession,
// deleteSession, com.atproto.repo.putRecord and getRecord over an in-memory
// repo. Its server is closed when the test ends.
type FakePDS struct {
	Server   *httptest.Server
	DID      syntax.DID
	Handle   syntax.Handle
	Password string

	mu      sync.Mutex
	records map[string]json.RawMessage // "collection/rkey" → value
	puts    []map[string]any
	ended   bool
}

// NewFakePDS starts a FakePDS.
func NewFakePDS(t testing.TB) *FakePDS {
	t.Helper()
	p := &FakePDS{
		DID: "did:plc:lexpublisher0000000000000", Handle: "lex.example.com", Password: "hunter2",
		records: map[string]json.RawMessage{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Identifier, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			xrpcFail(w, 400, "InvalidRequest", err.Error())
			return
		}
		if (in.Identifier != string(p.Handle) && in.Identifier != string(p.DID)) || in.Password != p.Password {
			xrpcFail(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		writeJSON(w, map[string]string{"did": string(p.DID), "handle": string(p.Handle), "accessJwt": "access-token", "refreshJwt": "refresh-token"})
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
		if in["repo"] != string(p.DID) {
			xrpcFail(w, 400, "InvalidRequest", "wrong repo")
			return
		}
		rec, _ := json.Marshal(in["record"])
		key := in["collection"].(string) + "/" + in["rkey"].(string)
		p.mu.Lock()
		p.records[key] = rec
		p.puts = append(p.puts, in)
		p.mu.Unlock()
		writeJSON(w, map[string]string{"uri": "at://" + string(p.DID) + "/" + key, "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq"})
	})
	mux.HandleFunc("GET /xrpc/com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("repo") != string(p.DID) {
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
		writeJSON(w, map[string]any{"uri": "at://" + string(p.DID) + "/" + key, "cid": "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq", "value": rec})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Server.Close)
	return p
}

// Put stores a record.
func (p *FakePDS) Put(collection, rkey, value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.records[collection+"/"+rkey] = json.RawMessage(value)
}

// Reset removes every record.
func (p *FakePDS) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.records = map[string]json.RawMessage{}
}

// Puts returns the putRecord requests received, decoded.
func (p *FakePDS) Puts() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]map[string]any(nil), p.puts...)
}

// SessionEnded reports whether deleteSession was called.
func (p *FakePDS) SessionEnded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ended
}

// Directory resolves the fake account (by handle or DID) to the fake PDS.
func (p *FakePDS) Directory() identity.Directory {
	dir := identity.NewMockDirectory()
	dir.Insert(identity.Identity{
		DID:         p.DID,
		Handle:      p.Handle,
		AlsoKnownAs: []string{"at://" + string(p.Handle)},
		Services:    map[string]identity.ServiceEndpoint{"atproto_pds": {Type: "AtprotoPersonalDataServer", URL: p.Server.URL}},
	})
	return dir
}

// TXT is a DNS TXT lookup over a fixed table (assignable to
// lexicon.TXTLookup); names not in it are NXDOMAIN.
func TXT(records map[string][]string) func(ctx context.Context, name string) ([]string, error) {
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
