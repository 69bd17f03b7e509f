package store

import (
	"strings"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, sqlite string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE a = $1 AND b = $2`, `WHERE a = ?1 AND b = ?2`},
		{`LIMIT $12`, `LIMIT ?12`},
		{`x = '$' || $3`, `x = '$' || ?3`},
	} {
		if got := dialectSQLite.rebind(tc.in); got != tc.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tc.in, got, tc.sqlite)
		}
		if got := dialectPostgres.rebind(tc.in); got != tc.in {
			t.Errorf("postgres rebind(%q) = %q, want it unchanged", tc.in, got)
		}
	}
}

func TestParseSQLiteURL(t *testing.T) {
	for _, tc := range []struct {
		url, name string
		memory    bool
		query     string // one expected key=value of the caller's query
		err       bool
	}{
		{url: "", name: "statusphere.db"},
		{url: "sqlite:", name: "statusphere.db"},
		{url: "data/app.db", name: "data/app.db"},
		{url: "/var/lib/statusphere/app.db", name: "/var/lib/statusphere/app.db"},
		{url: "sqlite:/tmp/x.db", name: "/tmp/x.db"},
		{url: "file:/tmp/x.db", name: "file:/tmp/x.db"},
		{url: "file:/tmp/x.db?mode=rwc", name: "file:/tmp/x.db", query: "mode=rwc"},
		{url: "sqlite:file:x.db?_pragma=cache_size(-20000)", name: "file:x.db", query: "_pragma=cache_size(-20000)"},
		{url: ":memory:", memory: true},
		{url: "sqlite::memory:", memory: true},
		{url: "file::memory:", name: "file::memory:", memory: true},
		{url: "file:mem1?mode=memory&cache=shared", name: "file:mem1", memory: true, query: "mode=memory"},
		{url: "mysql://localhost/db", err: true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got, err := parseSQLiteURL(tc.url)
			if tc.err {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.name != tc.name || got.memory != tc.memory {
				t.Errorf("got name %q memory %v, want %q %v", got.name, got.memory, tc.name, tc.memory)
			}
			if tc.query != "" {
				k, v, _ := strings.Cut(tc.query, "=")
				if got.query.Get(k) != v {
					t.Errorf("query %v lacks %s", got.query, tc.query)
				}
			}
		})
	}
}

func TestSQLiteDSN(t *testing.T) {
	target := sqliteTarget{name: "app.db"}
	w := target.dsn(false)
	for _, want := range []string{"busy_timeout", "journal_mode%28WAL%29", "foreign_keys%281%29", "_txlock=immediate"} {
		if !strings.Contains(w, want) {
			t.Errorf("write DSN %q lacks %s", w, want)
		}
	}
	r := target.dsn(true)
	if !strings.Contains(r, "query_only%281%29") || strings.Contains(r, "_txlock") {
		t.Errorf("read DSN %q: want query_only and no _txlock", r)
	}
}

func TestTimeEncoding(t *testing.T) {
	in := time.Date(2026, 1, 2, 3, 4, 5, 600_700_800, time.FixedZone("x", 3600))
	text := dialectSQLite.timeArg(in).(string)
	if text != "2026-01-02T02:04:05.600700Z" {
		t.Errorf("sqlite time = %q", text)
	}
	// Fixed width: text order is time order.
	if a, b := dialectSQLite.timeArg(in).(string), dialectSQLite.timeArg(in.Add(400*time.Microsecond)).(string); len(a) != len(b) || a >= b {
		t.Errorf("%q, %q: not fixed width or not ordered", a, b)
	}
	var got time.Time
	if err := (timeScan{&got}).Scan(text); err != nil {
		t.Fatal(err)
	}
	if want := in.Truncate(time.Microsecond); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("scan %q = %v, want %v UTC", text, got, want)
	}
	pg := dialectPostgres.timeArg(in).(time.Time)
	if pg.Location() != time.UTC || pg.Nanosecond() != 600_700_000 {
		t.Errorf("postgres time arg = %v", pg)
	}
	if err := (timeScan{&got}).Scan(int64(5)); err == nil {
		t.Errorf("scanning an int64 as a time: no error")
	}
}
