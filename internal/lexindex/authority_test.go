package lexindex

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/statusphere/statusphere/internal/store"
)

// fakeAuthorities is a CheckerStore in memory.
type fakeAuthorities struct {
	mu  sync.Mutex
	got map[string]store.LexiconAuthority
	due []string
}

func (f *fakeAuthorities) DueLexiconAuthorities(context.Context, time.Time, int) ([]string, error) {
	return f.due, nil
}

func (f *fakeAuthorities) SetLexiconAuthority(_ context.Context, a store.LexiconAuthority) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[a.Authority] = a
	return nil
}

// TestChecker: verdicts for a did= record, none, a failed lookup (shown
// as failed, not as "none"), a hung lookup cut by the timeout; answers are
// cached for the TTL, failures for the shorter FailTTL.
func TestChecker(t *testing.T) {
	var (
		mu    sync.Mutex
		calls = map[string]int{}
	)
	lookup := func(ctx context.Context, name string) ([]string, error) {
		mu.Lock()
		calls[name]++
		mu.Unlock()
		switch name {
		case "_lexicon.example.com":
			return []string{"v=spf1", "did=did:plc:authorauthorauthorauthor"}, nil
		case "_lexicon.broken.org":
			return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
		case "_lexicon.hung.net":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	st := &fakeAuthorities{got: map[string]store.LexiconAuthority{}, due: []string{"example.com", "nobody.dev", "broken.org", "hung.net"}}
	c, err := NewChecker(st, lookup, CheckerConfig{Timeout: 50 * time.Millisecond, TTL: time.Minute, FailTTL: 10 * time.Second},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	if n, err := c.Pass(t.Context()); n != 4 || err != nil {
		t.Fatalf("Pass = %d, %v", n, err)
	}
	want := map[string]string{"example.com": store.AuthorityFound, "nobody.dev": store.AuthorityNone,
		"broken.org": store.AuthorityFailed, "hung.net": store.AuthorityFailed}
	for a, state := range want {
		if got := st.got[a]; got.State != state || (state == store.AuthorityFailed) != (got.Error != "") {
			t.Errorf("%s: %+v, want state %s", a, got, state)
		}
	}
	if got := st.got["example.com"].DID; got != "did:plc:authorauthorauthorauthor" {
		t.Errorf("example.com names %s", got)
	}
	now = now.Add(20 * time.Second) // past FailTTL, within TTL
	c.Pass(t.Context())
	mu.Lock()
	defer mu.Unlock()
	for name, want := range map[string]int{"_lexicon.example.com": 1, "_lexicon.nobody.dev": 1, "_lexicon.broken.org": 2, "_lexicon.hung.net": 2} {
		if calls[name] != want {
			t.Errorf("%s looked up %d times, want %d", name, calls[name], want)
		}
	}
}
