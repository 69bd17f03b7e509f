// Command seed fills a statusphere database with synthetic statuses for load
// tests (scripts/bench-home.sh), waits until the identity resolver of a
// running server has looked up every author, or logs a seeded author in.
//
//	go run ./internal/store/storetest/seed -db bench.db -n 1000000 -authors 10000
//	go run ./internal/store/storetest/seed -db bench.db -wait-identities
//	go run ./internal/store/storetest/seed -db bench.db -login did:plc:seed00000
//
// -login stores a web session, and the OAuth session behind it, for the
// DID and prints the value of the session cookie that names it
// (statusphere_session) on stdout, for the caller's own requests: it is a
// working login to the server that reads this database.
//
// Statuses go through the store's own upsert, so every trigger and index
// sees them as it sees the firehose's. The authors are did:plc:seed00000…,
// unknown to any directory; the newest status is indexed now, the others a
// millisecond apart before it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// batch is how many statuses one transaction writes.
const batch = 20_000

var emojis = []string{"👍", "🦋", "🥳", "😊", "🙃", "🔥", "💯", "🤔"}

func main() {
	db := flag.String("db", "statusphere.db", "SQLite file path or postgres:// URL")
	n := flag.Int("n", 1_000_000, "statuses to add")
	authors := flag.Int("authors", 10_000, "distinct authors of the statuses")
	wait := flag.Bool("wait-identities", false, "wait until no author is pending identity lookup, print how long that took, and exit")
	login := flag.String("login", "", "store a web session for this DID, print its cookie value, and exit")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	s, err := store.Open(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	switch {
	case *wait:
		err = waitIdentities(ctx, s)
	case *login != "":
		err = printLogin(ctx, s, *login)
	default:
		err = seed(ctx, s, *n, max(*authors, 1))
	}
	if err != nil {
		log.Fatal(err)
	}
}

// printLogin logs did in for a day and prints the session's cookie value.
func printLogin(ctx context.Context, s *store.Store, did string) error {
	d, err := syntax.ParseDID(did)
	if err != nil {
		return fmt.Errorf("-login: %w", err)
	}
	value, err := webSession(ctx, s, d, 24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Println(value)
	return nil
}

// seed adds n statuses by authors authors, batch by batch.
func seed(ctx context.Context, s *store.Store, n, authors int) error {
	start := time.Now()
	newest := start.UTC()
	for lo := 0; lo < n; lo += batch {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, n); i++ {
				if err := tx.UpsertStatus(ctx, seedStatus(i, authors, newest.Add(-time.Duration(n-1-i)*time.Millisecond))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	fmt.Printf("seeded %d statuses by %d authors in %v\n", n, min(authors, n), time.Since(start).Round(time.Millisecond))
	return nil
}

func seedStatus(i, authors int, indexed time.Time) store.Status {
	did := fmt.Sprintf("did:plc:seed%05d", i%authors)
	rkey := fmt.Sprintf("3seed%09d", i)
	emoji := emojis[i%len(emojis)]
	created := indexed.Add(-time.Second)
	return store.Status{
		URI:       syntax.ATURI("at://" + did + "/xyz.statusphere.status/" + rkey),
		AuthorDID: syntax.DID(did),
		RKey:      syntax.RecordKey(rkey),
		Status:    emoji,
		Record: fmt.Appendf(nil, `{"$type":"xyz.statusphere.status","status":%q,"createdAt":%q}`,
			emoji, created.Format("2006-01-02T15:04:05.000Z")),
		CreatedAt: created,
		IndexedAt: indexed,
	}
}

// waitIdentities polls until no author is pending.
func waitIdentities(ctx context.Context, s *store.Store) error {
	start := time.Now()
	for {
		dids, err := s.PendingIdentities(ctx, time.Now().UTC(), 1)
		if err != nil {
			return err
		}
		if len(dids) == 0 {
			// Authors whose lookup failed wait for a retry: not done, say so.
			deferred, err := s.PendingIdentities(ctx, time.Now().UTC().Add(24*time.Hour), 1_000_000)
			if err != nil {
				return err
			}
			fmt.Printf("no author pending after %v (%d deferred after a failed lookup)\n",
				time.Since(start).Round(100*time.Millisecond), len(deferred))
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
