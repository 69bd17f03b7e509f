package lexicon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/bluesky-social/indigo/atproto/lexicon"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Catalog holds lexicon schemas and validates records against them. It is
// safe for concurrent use: the web write path and the firehose ingester
// share one. Schemas can be added after loading (lexicon resolution does),
// never replaced or removed.
type Catalog struct {
	mu   sync.RWMutex
	base *lexicon.BaseCatalog
	docs map[syntax.NSID]Doc
}

// Doc is one schema file held by a [Catalog].
type Doc struct {
	// NSID is the schema's id.
	NSID syntax.NSID
	// File is the parsed schema; treat it as read-only.
	File *lexicon.SchemaFile
	// JSON is the schema file as it was loaded.
	JSON json.RawMessage
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{base: lexicon.NewBaseCatalog(), docs: map[syntax.NSID]Doc{}}
}

// Load reads every *.json file under fsys (for example statusphere.Lexicons)
// as a lexicon schema and returns the catalog of them. A file that is not a
// valid schema, or a second schema with the same id, is an error naming the
// file.
func Load(fsys fs.FS) (*Catalog, error) {
	c := NewCatalog()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if _, err := c.AddSchemaJSON(b); err != nil {
			return fmt.Errorf("loading lexicon %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ParseSchema parses one lexicon schema file and checks it against the
// lexicon language rules (indigo's SchemaFile.CheckSchema: version 1, a
// valid NSID id, primary types only as "main", well-formed definitions).
func ParseSchema(b []byte) (*lexicon.SchemaFile, error) {
	var sf lexicon.SchemaFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("parsing lexicon schema JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parsing lexicon schema JSON: trailing data after the schema object")
	}
	if sf.Defs == nil {
		return nil, errors.New("lexicon schema has no defs")
	}
	if err := sf.FinishParse(); err != nil {
		return nil, fmt.Errorf("lexicon schema %s: %w", sf.ID, err)
	}
	if err := sf.CheckSchema(); err != nil {
		return nil, fmt.Errorf("lexicon schema %s: %w", sf.ID, err)
	}
	return &sf, nil
}

// AddSchemaJSON parses a schema file (see [ParseSchema]) and adds it to the
// catalog, returning its NSID. Adding an NSID the catalog already holds is an
// error.
func (c *Catalog) AddSchemaJSON(b []byte) (syntax.NSID, error) {
	sf, err := ParseSchema(b)
	if err != nil {
		return "", err
	}
	nsid := syntax.NSID(sf.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.docs[nsid]; ok {
		return "", fmt.Errorf("lexicon schema %s is already in the catalog", nsid)
	}
	// AddSchemaFile finishes and checks the file itself, and finishing twice
	// would expand union refs twice: hand it a fresh copy.
	var fresh lexicon.SchemaFile
	if err := json.Unmarshal(b, &fresh); err != nil {
		return "", fmt.Errorf("parsing lexicon schema JSON: %w", err)
	}
	if err := c.base.AddSchemaFile(fresh); err != nil {
		return "", fmt.Errorf("adding lexicon schema %s: %w", nsid, err)
	}
	c.docs[nsid] = Doc{NSID: nsid, File: sf, JSON: slices.Clone(b)}
	return nsid, nil
}

// Has reports whether the catalog holds the schema with this NSID.
func (c *Catalog) Has(nsid syntax.NSID) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.docs[nsid]
	return ok
}

// Doc returns the schema file with this NSID.
func (c *Catalog) Doc(nsid syntax.NSID) (Doc, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.docs[nsid]
	return d, ok
}

// Docs returns every schema file in the catalog, sorted by NSID.
func (c *Catalog) Docs() []Doc {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Doc, 0, len(c.docs))
	for _, d := range c.docs {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Doc) int { return strings.Compare(string(a.NSID), string(b.NSID)) })
	return out
}

// resolve looks up a schema reference: an NSID with an optional "#name"
// fragment ("#main" when absent).
func (c *Catalog) resolve(ref string) (*lexicon.Schema, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, err := c.base.Resolve(ref)
	if err != nil {
		return nil, &SchemaNotFoundError{Ref: ref}
	}
	return s, nil
}
