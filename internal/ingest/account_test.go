package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/identity"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/gorilla/websocket"

	"github.com/statusphere/statusphere/internal/store"
)

// purgeCounter is a directory that records purges and DID resolutions.
type purgeCounter struct {
	*identity.MockDirectory
	mu       sync.Mutex
	purged   []string
	resolved int
}

func (d *purgeCounter) ResolveDID(ctx context.Context, did syntax.DID) (*identity.DIDDocument, error) {
	d.mu.Lock()
	d.resolved++
	d.mu.Unlock()
	return d.MockDirectory.ResolveDID(ctx, did)
}

func (d *purgeCounter) Purge(ctx context.Context, id syntax.AtIdentifier) error {
	d.mu.Lock()
	d.purged = append(d.purged, id.String())
	d.mu.Unlock()
	return d.MockDirectory.Purge(ctx, id)
}

// refreshRecorder is an IdentityRefresher that records its calls.
type refreshRecorder struct{ dids chan syntax.DID }

func (r *refreshRecorder) Refresh(_ context.Context, did syntax.DID) (store.Identity, error) {
	r.dids <- did
	return store.Identity{DID: did}, nil
}

func TestIngestAccountAndIdentityEvents(t *testing.T) {
	// A relay that sends the frames the test gives it, one at a time.
	send := make(chan []byte)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			select {
			case b := <-send:
				if err := conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
					return
				}
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer srv.Close()

	st, _ := openStore(t)
	ctx := context.Background()
	did := syntax.DID("did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	uri := statusURI(did, "3n2zvnxlhns2m")
	err := st.UpsertStatus(ctx, store.Status{URI: uri, AuthorDID: did, RKey: "3n2zvnxlhns2m", Status: "🦋",
		Record: []byte(`{}`), CreatedAt: time.Now(), IndexedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	mock := identity.NewMockDirectory()
	key, err := atcrypto.GeneratePrivateKeyK256()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	mock.Insert(identity.Identity{DID: did, Keys: map[string]identity.VerificationMethod{
		"atproto": {Type: "Multikey", PublicKeyMultibase: pub.Multibase()},
	}, Services: map[string]identity.ServiceEndpoint{
		"atproto_pds": {Type: "AtprotoPersonalDataServer", URL: "https://pds.example"},
	}})
	dir := &purgeCounter{MockDirectory: mock}
	refreshed := &refreshRecorder{dids: make(chan syntax.DID, 1)}
	r := startIngester(t, Config{RelayURL: "ws" + strings.TrimPrefix(srv.URL, "http"), DisableLease: true},
		Deps{Store: st, Directory: dir, Validator: catalog(t), Identities: refreshed})
	r.waitConnected(t)

	var seq int64
	sendEvent := func(f *frame) {
		t.Helper()
		seq++
		setSeq(f, seq)
		send <- encodeFrame(t, f)
		waitFor(t, 5*time.Second, "the event to be handled", func() bool { return r.Health().Cursor == seq })
	}
	account := func(active bool, status string) *frame {
		a := &comatproto.SyncSubscribeRepos_Account{Did: did.String(), Active: active, Time: syntax.DatetimeNow().String()}
		if status != "" {
			a.Status = &status
		}
		return &frame{kind: kindAccount, account: a}
	}
	shown := func() bool {
		tl, err := st.Timeline(ctx, 10, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return len(tl) == 1
	}

	for _, status := range []string{"deactivated", "takendown", "suspended", "deleted"} {
		sendEvent(account(false, status))
		if shown() {
			t.Errorf("account %s: its status still shows", status)
		}
		sendEvent(account(true, ""))
		if !shown() {
			t.Errorf("account active again after %s: its status does not show", status)
		}
	}
	sendEvent(account(false, "throttled"))
	if !shown() {
		t.Error("a throttled account's status was hidden")
	}

	// #identity: the signing key is forgotten and the handle refreshed.
	if _, err := r.verifier.PDS(ctx, did); err != nil { // caches the key
		t.Fatal(err)
	}
	sendEvent(&frame{kind: kindIdentity, identity: &comatproto.SyncSubscribeRepos_Identity{Did: did.String(), Time: syntax.DatetimeNow().String()}})
	select {
	case got := <-refreshed.dids:
		if got != did {
			t.Errorf("refreshed %s, want %s", got, did)
		}
	case <-time.After(5 * time.Second):
		t.Error("the identity was not refreshed")
	}
	if _, err := r.verifier.PDS(ctx, did); err != nil {
		t.Fatal(err)
	}
	dir.mu.Lock()
	purged, resolved := dir.purged, dir.resolved
	dir.mu.Unlock()
	if resolved != 2 {
		t.Error("the cached signing key survived #identity")
	}
	if len(purged) != 1 || purged[0] != did.String() {
		t.Errorf("directory purges %v, want [%s]", purged, did)
	}
}
