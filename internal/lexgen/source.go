package lexgen

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/format"
	"path"
	"slices"
	"strings"
	"text/template"
)

// source assembles and formats a schema's file.
func (f *file) source(p *pkg) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\n", Header, p.name)
	if len(f.imports) > 0 {
		paths := make([]string, 0, len(f.imports))
		for ip := range f.imports {
			paths = append(paths, ip)
		}
		slices.Sort(paths)
		b.WriteString("import (\n")
		std := true
		for _, ip := range paths {
			if first, _, _ := strings.Cut(ip, "/"); std && strings.Contains(first, ".") {
				std = false
				b.WriteString("\n")
			}
			if alias := f.imports[ip]; alias != "" && alias != path.Base(ip) {
				fmt.Fprintf(&b, "\t%s %q\n", alias, ip)
			} else {
				fmt.Fprintf(&b, "\t%q\n", ip)
			}
		}
		b.WriteString(")\n\n")
	}
	b.Write(f.body.Bytes())
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting generated code: %w\n%s", err, b.String())
	}
	return src, nil
}

//go:embed runtime.go.tmpl
var runtimeTemplate string

// runtime returns the package's shared helpers.
func (p *pkg) runtime() ([]byte, error) {
	tmpl, err := template.New("runtime").Parse(runtimeTemplate)
	if err != nil {
		return nil, fmt.Errorf("parsing the runtime template: %w", err)
	}
	var b bytes.Buffer
	err = tmpl.Execute(&b, map[string]any{
		"Header":  Header,
		"Package": p.name,
		"Schemas": strings.Join(p.schemas, ", "),
		"Unions":  p.unions,
	})
	if err != nil {
		return nil, fmt.Errorf("generating the runtime of %s: %w", p.dir, err)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the runtime of %s: %w", p.dir, err)
	}
	return src, nil
}
