package lexicon

import (
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	genstatus "github.com/statusphere/statusphere/internal/gen/xyz/statusphere"
)

// StatusNSID is the collection of the app's record, xyz.statusphere.status:
// the constant generated from lexicons/.
const StatusNSID syntax.NSID = genstatus.StatusNSID

// DatetimeLayout formats times as the reference implementation does
// (Date.toISOString): UTC, millisecond precision, "Z".
const DatetimeLayout = "2006-01-02T15:04:05.000Z"

// FormatDatetime formats t as an atproto datetime with [DatetimeLayout].
func FormatDatetime(t time.Time) string {
	return t.UTC().Format(DatetimeLayout)
}

// NewStatusRecord builds the app's record for a status set at createdAt, in
// data-model form, and validates it: the error is a *[ValidationError] such
// as "status: must be a single grapheme, has 2".
func (c *Catalog) NewStatusRecord(status string, createdAt time.Time) (map[string]any, error) {
	rec := map[string]any{
		"$type":     string(StatusNSID),
		"status":    status,
		"createdAt": FormatDatetime(createdAt),
	}
	if err := c.ValidateRecord(StatusNSID, rec); err != nil {
		return nil, err
	}
	return rec, nil
}
