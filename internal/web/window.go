package web

import (
	"bytes"
	"slices"
	"time"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// windowSize is how many of the newest statuses the live hub keeps in
// memory: the poll reads as many, the page shows the first timelineSize.
const windowSize = 50

// windowEntry is one status of the window with its rendered timeline line.
type windowEntry struct {
	store.TimelineEntry
	line []byte // the "status-line" template's output on the window's day
	ago  string // the line's relative time ("5m")
}

// timelineWindow is an immutable snapshot of the newest statuses as the
// home page shows them. Every change builds a new one; views read it
// without a lock.
type timelineWindow struct {
	version uint64
	day     int64         // the UTC day the lines were rendered on ("today")
	minute  int64         // the minute their relative times were taken at
	entries []windowEntry // newest first: IndexedAt descending, then URI
	lines   []byte        // the first timelineSize lines, or the empty text
	top     []topStatus   // today's most posted statuses in the window
	block   []byte        // the "top today" strip and the lines: the page's part
}

// dayOf numbers t's UTC day.
func dayOf(t time.Time) int64 {
	d := t.Unix() / 86400
	if t.Unix() < 0 && t.Unix()%86400 != 0 {
		d--
	}
	return d
}

// timelineOrder orders entries as the store's timeline does.
func timelineOrder(a, b store.TimelineEntry) int {
	if c := b.IndexedAt.Compare(a.IndexedAt); c != 0 {
		return c
	}
	switch {
	case a.URI < b.URI:
		return -1
	case a.URI > b.URI:
		return 1
	}
	return 0
}

// sameEntry reports whether a and b show the same on the page and in the
// same place.
func sameEntry(a, b store.TimelineEntry) bool {
	return a.URI == b.URI && entryVersion(a) == entryVersion(b) && a.Status.Status == b.Status.Status && a.Handle == b.Handle &&
		a.AuthorDID == b.AuthorDID && a.IndexedAt.Equal(b.IndexedAt) && a.CreatedAt.Equal(b.CreatedAt)
}

// sameEntries reports whether the window w holds exactly entries.
func (w *timelineWindow) sameEntries(entries []store.TimelineEntry) bool {
	if w == nil || len(w.entries) != len(entries) {
		return false
	}
	for i := range entries {
		if !sameEntry(w.entries[i].TimelineEntry, entries[i]) {
			return false
		}
	}
	return true
}

// changedAuthors lists the authors of the entries that differ between old
// and entries: added, removed or changed.
func changedAuthors(old *timelineWindow, entries []store.TimelineEntry) []syntax.DID {
	before := map[syntax.ATURI]store.TimelineEntry{}
	if old != nil {
		for _, e := range old.entries {
			before[e.URI] = e.TimelineEntry
		}
	}
	var out []syntax.DID
	for _, e := range entries {
		if b, ok := before[e.URI]; !ok || !sameEntry(b, e) {
			out = append(out, e.AuthorDID)
		}
		delete(before, e.URI)
	}
	for _, e := range before {
		out = append(out, e.AuthorDID)
	}
	return out
}

// goneFrom lists the statuses of old that entries, the next window, lost
// other than by being pushed past its end by newer ones: deleted, or their
// account hidden.
func goneFrom(old *timelineWindow, entries []store.TimelineEntry) []syntax.ATURI {
	if old == nil {
		return nil
	}
	present := make(map[syntax.ATURI]bool, len(entries))
	for _, e := range entries {
		present[e.URI] = true
	}
	var out []syntax.ATURI
	for _, e := range old.entries {
		if present[e.URI] || len(entries) == windowSize && timelineOrder(e.TimelineEntry, entries[len(entries)-1]) > 0 {
			continue
		}
		out = append(out, e.URI)
	}
	return out
}

// buildWindow renders the window of entries (sorted, at most windowSize)
// as of now, reusing the lines of old that did not change (nor their
// relative time).
func buildWindow(v *views, old *timelineWindow, entries []store.TimelineEntry, now time.Time) (*timelineWindow, error) {
	w := &timelineWindow{day: dayOf(now), minute: now.Unix() / 60, entries: make([]windowEntry, 0, len(entries))}
	reuse := map[syntax.ATURI]windowEntry{}
	if old != nil {
		w.version = old.version + 1
		if old.day == w.day {
			for _, e := range old.entries {
				reuse[e.URI] = e
			}
		}
	}
	var lines bytes.Buffer
	for i, e := range entries {
		we := windowEntry{TimelineEntry: e, ago: ago(e.CreatedAt, now)}
		if r, ok := reuse[e.URI]; ok && r.ago == we.ago && sameEntry(r.TimelineEntry, e) {
			we.line = r.line
		} else {
			line, err := v.statusLine(entryLine(e, now))
			if err != nil {
				return nil, err
			}
			we.line = line
		}
		we.Record = nil // rendered; the window keeps only what the page needs
		w.entries = append(w.entries, we)
		if i < timelineSize {
			lines.Write(we.line)
		}
	}
	w.lines = lines.Bytes()
	if len(entries) == 0 {
		w.lines = v.home.empty
	}
	w.top = topToday(w.entries, now)
	block, err := v.timelineBlock(w.lines, w.top)
	if err != nil {
		return nil, err
	}
	w.block = block
	return w, nil
}

// withEntries returns the window's entries with adds put in their place
// (replacing an entry with the same URI), at most windowSize.
func withEntries(base []store.TimelineEntry, adds ...store.TimelineEntry) []store.TimelineEntry {
	out := make([]store.TimelineEntry, 0, len(base)+len(adds))
	for _, e := range base {
		if !slices.ContainsFunc(adds, func(a store.TimelineEntry) bool { return a.URI == e.URI }) {
			out = append(out, e)
		}
	}
	out = append(out, adds...)
	slices.SortStableFunc(out, timelineOrder)
	if len(out) > windowSize {
		out = out[:windowSize]
	}
	return out
}

// timelineEntries returns the window's entries.
func (w *timelineWindow) timelineEntries() []store.TimelineEntry {
	if w == nil {
		return nil
	}
	out := make([]store.TimelineEntry, len(w.entries))
	for i, e := range w.entries {
		out[i] = e.TimelineEntry
	}
	return out
}
