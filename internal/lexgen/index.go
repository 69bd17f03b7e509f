package lexgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bluesky-social/indigo/atproto/lexicon"
)

// pkgFor returns the package of an NSID, creating it.
func (g *generator) pkgFor(nsid string) (*pkg, error) {
	segs := strings.Split(nsid, ".")
	if len(segs) < 3 {
		return nil, fmt.Errorf("NSID %q has fewer than three segments", nsid)
	}
	authority := make([]string, len(segs)-1)
	for i, s := range segs[:len(segs)-1] {
		authority[i] = strings.ToLower(s)
	}
	dir := strings.Join(authority, "/")
	if p, ok := g.pkgs[dir]; ok {
		return p, nil
	}
	p := &pkg{
		dir:        dir,
		name:       packageName(authority[len(authority)-1]),
		importPath: strings.TrimSuffix(g.cfg.ImportPath, "/") + "/" + dir,
		types:      map[string]string{},
	}
	g.pkgs[dir] = p
	return p, nil
}

// claim reserves a Go type name in a package.
func (p *pkg) claim(name, what string) error {
	if prev, ok := p.types[name]; ok {
		return fmt.Errorf("type name %s is wanted by both %s and %s", name, prev, what)
	}
	p.types[name] = what
	return nil
}

// baseName is the Go name of a schema's main definition.
func baseName(nsid string) string {
	return export(nsid[strings.LastIndexByte(nsid, '.')+1:])
}

// defOrder lists a schema's definitions: main first, then by name.
func defOrder(sf *lexicon.SchemaFile) []string {
	names := make([]string, 0, len(sf.Defs))
	for n := range sf.Defs {
		if n != "main" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if _, ok := sf.Defs["main"]; ok {
		names = append([]string{"main"}, names...)
	}
	return names
}

// index records every named definition and reserves its type name.
func (g *generator) index(sf *lexicon.SchemaFile) error {
	p, err := g.pkgFor(sf.ID)
	if err != nil {
		return err
	}
	p.schemas = append(p.schemas, sf.ID)
	if err := p.claim(baseName(sf.ID)+"NSID", sf.ID); err != nil {
		return err
	}
	for _, name := range defOrder(sf) {
		def := sf.Defs[name].Inner
		info := &defInfo{ref: sf.ID + "#" + name, pkg: p, def: def, typeName: baseName(sf.ID)}
		if name != "main" {
			info.typeName += export(name)
		}
		switch d := def.(type) {
		case lexicon.SchemaRecord:
			info.object, info.record = true, true
		case lexicon.SchemaObject:
			info.object = true
		case lexicon.SchemaArray, lexicon.SchemaBytes, lexicon.SchemaUnknown:
			info.nilable = true
		case lexicon.SchemaBoolean, lexicon.SchemaInteger, lexicon.SchemaString,
			lexicon.SchemaCIDLink, lexicon.SchemaBlob, lexicon.SchemaToken:
		default:
			_ = d
			continue // endpoints, subscriptions, permission sets: no data type
		}
		if err := p.claim(info.typeName, info.ref); err != nil {
			return err
		}
		g.defs[info.ref] = info
	}
	return nil
}

// lookup resolves a reference made from schema base.
func (g *generator) lookup(base, ref string) (*defInfo, error) {
	full := ref
	if strings.HasPrefix(ref, "#") {
		full = base + ref
	}
	if !strings.Contains(full, "#") {
		full += "#main"
	}
	info, ok := g.defs[full]
	if !ok {
		return nil, fmt.Errorf("reference %q: no such data definition among the schemas being generated", ref)
	}
	return info, nil
}

// canonicalType is the $type naming a definition: the bare NSID for main.
func canonicalType(ref string) string {
	return strings.TrimSuffix(ref, "#main")
}
