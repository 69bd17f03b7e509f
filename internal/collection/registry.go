package collection

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/statusphere/statusphere/internal/store"
)

// Registry maps collection NSIDs to their handlers. The stream and the
// backfill ask it which collections matter and hand it every verified
// operation; they never name a collection themselves. Register every
// handler before use; a Registry is then safe for concurrent reads.
type Registry struct {
	handlers map[syntax.NSID]Handler
	nsids    []syntax.NSID // sorted
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{handlers: map[syntax.NSID]Handler{}} }

// Register makes h the handler of collection nsid.
func (r *Registry) Register(nsid syntax.NSID, h Handler) {
	if _, ok := r.handlers[nsid]; !ok {
		r.nsids = append(r.nsids, nsid)
		slices.Sort(r.nsids)
	}
	r.handlers[nsid] = h
}

// NSIDs returns the registered collections, sorted.
func (r *Registry) NSIDs() []syntax.NSID { return slices.Clone(r.nsids) }

// Wants reports whether nsid has a handler.
func (r *Registry) Wants(nsid syntax.NSID) bool {
	_, ok := r.handlers[nsid]
	return ok
}

// WantsPath reports whether a repository path ("collection/rkey") names a
// record of a registered collection. It parses nothing: the stream's
// filter before verification stays cheap.
func (r *Registry) WantsPath(path string) bool {
	coll, rkey, ok := strings.Cut(path, "/")
	if !ok || rkey == "" {
		return false
	}
	_, ok = r.handlers[syntax.NSID(coll)]
	return ok
}

// Apply applies one verified operation (create, update or delete) through
// its collection's handler, in tx.
func (r *Registry) Apply(ctx context.Context, tx *store.Tx, action string, rec Record) (Result, error) {
	h, ok := r.handlers[rec.Collection]
	if !ok {
		return Result{}, fmt.Errorf("no handler for collection %s", rec.Collection)
	}
	res := Result{Action: action, URI: rec.URI()}
	var err error
	switch action {
	case "create", "update":
		res.Invalid, err = h.Put(ctx, tx, rec)
	case "delete":
		err = h.Delete(ctx, tx, res.URI)
	default:
		return Result{}, fmt.Errorf("operation %q on %s", action, res.URI)
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s %s: %w", action, res.URI, err)
	}
	return res, nil
}

// Replace hands every registered collection its records of a verified
// snapshot of did's repository (none, for a collection the snapshot does
// not hold), in tx, and returns the handlers' results.
func (r *Registry) Replace(ctx context.Context, tx *store.Tx, did syntax.DID, recs []Record) ([]Result, error) {
	byColl := make(map[syntax.NSID][]Record, len(r.nsids))
	for _, rec := range recs {
		byColl[rec.Collection] = append(byColl[rec.Collection], rec)
	}
	var out []Result
	for _, nsid := range r.nsids {
		res, err := r.handlers[nsid].Replace(ctx, tx, did, byColl[nsid])
		if err != nil {
			return nil, fmt.Errorf("replace the %s records of %s: %w", nsid, did, err)
		}
		out = append(out, res...)
	}
	return out, nil
}

// Default returns the registry of the collections statusphere stores,
// validated with v: xyz.statusphere.status and its sidecar,
// org.gostatusphere.note.
func Default(v Validator) *Registry {
	r := NewRegistry()
	r.Register(StatusNSID, NewStatus(v))
	r.Register(NoteNSID, NewNote(v))
	return r
}
