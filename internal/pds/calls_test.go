package pds

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atclient"
)

// overCap is longer than the largest cap of any JSON call (listRepos').
const overCap = 16<<20 + 1

// method is one call of the package, for the table every call is run
// through.
type method struct {
	nsid string // the XRPC method it calls
	ok   string // a 2xx answer it accepts
	call func(ctx context.Context, c *Client, api *atclient.APIClient, host string) error
}

var (
	statusURI = "at://" + testDID.String() + "/xyz.statusphere.status/3kznmn7xqxl22"
	written   = `{"uri":"` + statusURI + `","cid":"bafyrecord"}`
	status    = map[string]any{"$type": "xyz.statusphere.status", "status": "🦋"}
)

var methods = []method{
	{"com.atproto.repo.getRecord", `{"uri":"` + statusURI + `","cid":"bafy","value":{}}`, func(ctx context.Context, c *Client, _ *atclient.APIClient, host string) error {
		_, err := c.GetRecord(ctx, host, testDID, "xyz.statusphere.status", "3kznmn7xqxl22")
		return err
	}},
	{"com.atproto.repo.listRecords", `{"records":[]}`, func(ctx context.Context, c *Client, _ *atclient.APIClient, host string) error {
		_, err := c.ListRecords(ctx, host, testDID, "xyz.statusphere.status", "", 10)
		return err
	}},
	{"com.atproto.sync.listRepos", `{"repos":[]}`, func(ctx context.Context, c *Client, _ *atclient.APIClient, host string) error {
		_, err := c.ListRepos(ctx, host, "", 10)
		return err
	}},
	{"com.atproto.sync.listReposByCollection", `{"repos":[]}`, func(ctx context.Context, c *Client, _ *atclient.APIClient, host string) error {
		_, err := c.ListReposByCollection(ctx, host, "xyz.statusphere.status", "", 10)
		return err
	}},
	{"com.atproto.sync.getRepo", "CAR bytes", func(ctx context.Context, c *Client, _ *atclient.APIClient, host string) error {
		rc, err := c.GetRepo(ctx, host, testDID, 1<<20)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	}},
	{"com.atproto.repo.createRecord", written, func(ctx context.Context, _ *Client, api *atclient.APIClient, _ string) error {
		_, err := CreateRecord(ctx, api, testDID, "xyz.statusphere.status", "3kznmn7xqxl22", status)
		return err
	}},
	{"com.atproto.repo.putRecord", written, func(ctx context.Context, _ *Client, api *atclient.APIClient, _ string) error {
		_, err := PutRecord(ctx, api, testDID, "xyz.statusphere.status", "3kznmn7xqxl22", status, WriteOptions{})
		return err
	}},
	{"com.atproto.repo.deleteRecord", `{}`, func(ctx context.Context, _ *Client, api *atclient.APIClient, _ string) error {
		return DeleteRecord(ctx, api, testDID, "xyz.statusphere.status", "3kznmn7xqxl22", WriteOptions{})
	}},
	{"com.atproto.repo.applyWrites", `{"results":[` + written + `]}`, func(ctx context.Context, _ *Client, api *atclient.APIClient, _ string) error {
		_, err := ApplyWrites(ctx, api, testDID, []Write{{Action: ActionCreate, Collection: "xyz.statusphere.status", Record: status}}, WriteOptions{})
		return err
	}},
	{"com.atproto.server.createSession", `{"did":"` + testDID.String() + `","accessJwt":"a","refreshJwt":"r"}`, func(ctx context.Context, c *Client, _ *atclient.APIClient, host string) error {
		_, err := c.CreateSession(ctx, host, "alice.test", "hunter2")
		return err
	}},
	{"com.atproto.server.deleteSession", ``, func(ctx context.Context, _ *Client, api *atclient.APIClient, _ string) error {
		return DeleteSession(ctx, api)
	}},
	{"com.example.procedure", `{"n":1}`, func(ctx context.Context, _ *Client, api *atclient.APIClient, _ string) error {
		var out struct{ N int }
		return Procedure(ctx, api, "com.example.procedure", map[string]any{"n": 1}, &out)
	}},
}

// session returns an API client for host authenticated as a password
// session of testDID.
func session(host string, client *http.Client) *atclient.APIClient {
	api := atclient.NewAPIClient(host)
	api.Client = client
	api.Auth = &atclient.PasswordAuth{Session: atclient.PasswordSessionData{
		AccessToken: "access", RefreshToken: "refresh", AccountDID: testDID, Host: host,
	}}
	return api
}

// TestCalls runs every call against an answer it accepts, an XRPC error,
// an answer over its cap and a cancelled context.
func TestCalls(t *testing.T) {
	for _, m := range methods {
		t.Run(m.nsid, func(t *testing.T) {
			run := func(t *testing.T, ctx context.Context, h http.HandlerFunc) error {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/xrpc/"+m.nsid {
						http.Error(w, "wrong method "+r.URL.Path, http.StatusTeapot)
						return
					}
					h(w, r)
				}))
				t.Cleanup(srv.Close)
				return m.call(ctx, New(srv.Client(), "statusphere-test"), session(srv.URL, srv.Client()), srv.URL)
			}
			t.Run("ok", func(t *testing.T) {
				if err := run(t, t.Context(), func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, m.ok) }); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("XRPC error", func(t *testing.T) {
				err := run(t, t.Context(), func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, `{"error":"InvalidRequest","message":"no"}`)
				})
				var ae *atclient.APIError
				if !errors.As(err, &ae) || ae.Name != "InvalidRequest" || ae.StatusCode != http.StatusBadRequest || ae.Message != "no" {
					t.Fatalf("err = %v, want an *atclient.APIError 400 InvalidRequest", err)
				}
			})
			t.Run("over the cap", func(t *testing.T) {
				err := run(t, t.Context(), func(w http.ResponseWriter, r *http.Request) {
					chunk := []byte(strings.Repeat("x", 64<<10))
					for n := 0; n < overCap; n += len(chunk) {
						if _, err := w.Write(chunk); err != nil {
							return
						}
					}
				})
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
			})
			t.Run("cancelled", func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				err := run(t, ctx, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, m.ok) })
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
			})
		})
	}
}

// request is what a test server received.
type request struct {
	method, path, auth string
	body               map[string]any
}

// record starts a server that records each request and answers it with
// answer, and returns a password session on it.
func record(t *testing.T, answer string) (*atclient.APIClient, *[]request) {
	t.Helper()
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := request{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization")}
		if r.Body != nil {
			json.NewDecoder(r.Body).Decode(&req.body) //nolint:errcheck // an empty body stays nil
		}
		got = append(got, req)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return session(srv.URL, srv.Client()), &got
}

func TestWrites(t *testing.T) {
	no := false
	t.Run("createRecord", func(t *testing.T) {
		api, got := record(t, written)
		w, err := CreateRecordWith(t.Context(), api, testDID, "xyz.statusphere.status", "", json.RawMessage(`{"status":"🦋","extra":{"kept":true}}`), WriteOptions{Validate: &no})
		if err != nil || w.URI.String() != statusURI || w.CID != "bafyrecord" {
			t.Fatalf("CreateRecordWith = %+v, %v", w, err)
		}
		b := (*got)[0].body
		if (*got)[0].auth != "Bearer access" || b["repo"] != testDID.String() || b["validate"] != false || b["rkey"] != nil {
			t.Errorf("request = %+v", (*got)[0])
		}
		if rec := b["record"].(map[string]any); rec["extra"].(map[string]any)["kept"] != true {
			t.Errorf("the record lost a field it did not know: %v", rec)
		}
	})
	t.Run("putRecord", func(t *testing.T) {
		api, got := record(t, written)
		if _, err := PutRecord(t.Context(), api, testDID, "xyz.statusphere.status", "self", status, WriteOptions{SwapRecord: "bafyold"}); err != nil {
			t.Fatal(err)
		}
		b := (*got)[0].body
		if b["rkey"] != "self" || b["swapRecord"] != "bafyold" || b["record"].(map[string]any)["status"] != "🦋" || b["validate"] != nil {
			t.Errorf("body = %v", b)
		}
	})
	t.Run("bad URI answered", func(t *testing.T) {
		api, _ := record(t, `{"uri":"not a uri","cid":"bafy"}`)
		if _, err := PutRecord(t.Context(), api, testDID, "xyz.statusphere.status", "self", status, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "bad URI") {
			t.Fatalf("err = %v, want a bad URI error", err)
		}
	})
	t.Run("deleteRecord", func(t *testing.T) {
		api, got := record(t, `{}`)
		if err := DeleteRecord(t.Context(), api, testDID, "xyz.statusphere.status", "self", WriteOptions{SwapCommit: "bafycommit"}); err != nil {
			t.Fatal(err)
		}
		if b := (*got)[0].body; b["rkey"] != "self" || b["swapCommit"] != "bafycommit" || b["record"] != nil {
			t.Errorf("body = %v", b)
		}
	})
}

func TestApplyWrites(t *testing.T) {
	writes := []Write{
		{Action: ActionCreate, Collection: "xyz.statusphere.status", Record: status},
		{Action: ActionUpdate, Collection: "com.example.note", RKey: "3kznmn7xqxl22", Record: json.RawMessage(`{"text":"hi"}`)},
		{Action: ActionDelete, Collection: "com.example.note", RKey: "3kznmn7xqxl21"},
	}
	t.Run("one commit", func(t *testing.T) {
		api, got := record(t, `{"commit":{"cid":"bafyc","rev":"r"},"results":[`+written+`,{"uri":"at://`+testDID.String()+`/com.example.note/3kznmn7xqxl22","cid":"bafynote"},{"$type":"com.atproto.repo.applyWrites#deleteResult"}]}`)
		res, err := ApplyWrites(t.Context(), api, testDID, writes, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].CID != "bafyrecord" || res[1].URI.Collection() != "com.example.note" || res[2] != (Written{}) {
			t.Fatalf("results = %+v", res)
		}
		ops := (*got)[0].body["writes"].([]any)
		want := []string{"#create", "#update", "#delete"}
		for i, op := range ops {
			o := op.(map[string]any)
			if !strings.HasSuffix(o["$type"].(string), want[i]) {
				t.Errorf("write %d = %v", i, o)
			}
		}
		if o := ops[0].(map[string]any); o["rkey"] != nil || o["value"].(map[string]any)["status"] != "🦋" {
			t.Errorf("create = %v", o)
		}
		if o := ops[2].(map[string]any); o["rkey"] != "3kznmn7xqxl21" || o["value"] != nil {
			t.Errorf("delete = %v", o)
		}
	})
	t.Run("results that do not match", func(t *testing.T) {
		api, _ := record(t, `{"results":[`+written+`]}`)
		if _, err := ApplyWrites(t.Context(), api, testDID, writes, WriteOptions{}); err == nil {
			t.Fatal("1 result for 3 writes was accepted")
		}
	})
	for _, bad := range []Write{
		{Action: ActionUpdate, Collection: "com.example.note", Record: status},
		{Action: ActionCreate, Collection: "com.example.note"},
		{Action: "upsert", Collection: "com.example.note", RKey: "x", Record: status},
	} {
		t.Run("refused "+string(bad.Action), func(t *testing.T) {
			api, got := record(t, `{}`)
			if _, err := ApplyWrites(t.Context(), api, testDID, []Write{bad}, WriteOptions{}); err == nil || len(*got) != 0 {
				t.Fatalf("err = %v after %d requests, want an error before any", err, len(*got))
			}
		})
	}
}

func TestSession(t *testing.T) {
	var refreshed, retried bool
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		json.NewDecoder(r.Body).Decode(&in) //nolint:errcheck // checked below
		if in["identifier"] != "alice.test" || in["password"] != "hunter2" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"AuthenticationRequired","message":"Invalid identifier or password"}`)
			return
		}
		io.WriteString(w, `{"did":"`+testDID.String()+`","accessJwt":"old","refreshJwt":"refresh"}`)
	})
	mux.HandleFunc("POST /xrpc/com.atproto.server.refreshSession", func(w http.ResponseWriter, r *http.Request) {
		refreshed = r.Header.Get("Authorization") == "Bearer refresh"
		io.WriteString(w, `{"did":"`+testDID.String()+`","accessJwt":"new","refreshJwt":"refresh2"}`)
	})
	mux.HandleFunc("POST /xrpc/com.atproto.repo.putRecord", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer new" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"ExpiredToken"}`)
			return
		}
		var in map[string]any
		retried = json.NewDecoder(r.Body).Decode(&in) == nil && in["rkey"] == "self"
		io.WriteString(w, written)
	})
	mux.HandleFunc("POST /xrpc/com.atproto.server.deleteSession", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer refresh2" {
			http.Error(w, "wrong token", http.StatusUnauthorized)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(srv.Client(), "statusphere-test")

	if _, err := c.CreateSession(t.Context(), srv.URL, "alice.test", "nope"); err == nil || !strings.Contains(err.Error(), "AuthenticationRequired") {
		t.Fatalf("a wrong password: %v", err)
	}
	api, err := c.CreateSession(t.Context(), srv.URL, "alice.test", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if api.AccountDID == nil || *api.AccountDID != testDID {
		t.Fatalf("session DID = %v", api.AccountDID)
	}
	// An expired access token is refreshed and the write sent again, body
	// and all.
	if _, err := PutRecord(t.Context(), api, testDID, "xyz.statusphere.status", "self", status, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !refreshed || !retried {
		t.Fatalf("refreshed %t, retried with the body %t", refreshed, retried)
	}
	if err := DeleteSession(t.Context(), api); err != nil {
		t.Fatal(err)
	}
	if err := DeleteSession(t.Context(), atclient.NewAPIClient(srv.URL)); err == nil {
		t.Fatal("DeleteSession of a client without a password session succeeded")
	}
}
