package lexgen

import (
	"go/token"
	"strings"
	"unicode"
)

// export turns a lexicon name ("createdAt", "cid-link", "demoObject") into
// an exported Go identifier ("CreatedAt", "CidLink", "DemoObject").
func export(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if r > unicode.MaxASCII {
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "X" + out
	}
	return out
}

// packageName turns the last NSID authority segment into a Go package name:
// lower-case letters and digits, not a keyword, not starting with a digit.
func packageName(segment string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(segment) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "x" + out
	}
	if token.IsKeyword(out) {
		out += "lex"
	}
	return out
}

// goComment formats text as a Go comment block with the given prefix
// ("// " or "\t// "), one comment line per text line.
func goComment(prefix, text string) string {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight(prefix+strings.TrimSpace(line), " \t"))
		b.WriteByte('\n')
	}
	return b.String()
}

// sentence makes a description usable after "X is": a lower-case start and
// no trailing period.
func sentence(desc string) string {
	desc = strings.TrimSpace(desc)
	desc = strings.TrimSuffix(desc, ".")
	if desc == "" {
		return ""
	}
	r := []rune(desc)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
