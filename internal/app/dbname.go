package app

import (
	"net/url"
	"strings"
)

// databaseName names the database of a -database-url in errors and logs:
// the SQLite path as given, or a PostgreSQL URL without its password and
// query (which may carry one).
func databaseName(raw string) string {
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable PostgreSQL URL)"
	}
	u.RawQuery = ""
	return u.Redacted()
}
