package lexicon

import (
	"strings"
	"testing"
)

func TestLintAppLexicons(t *testing.T) {
	for _, issue := range appCatalog(t).Lint() {
		t.Errorf("lint: %s", issue)
	}
}

func TestLint(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   []string // substrings of issues, in order
	}{
		{"clean", `{"lexicon":1,"id":"com.example.clean","defs":{"main":{"type":"record","key":"tid","description":"d","record":{"type":"object","properties":{"a":{"type":"string","maxLength":10}}}}}}`, nil},
		{"missing description and unlimited string", `{"lexicon":1,"id":"com.example.lint","defs":{"main":{"type":"record","key":"tid","record":{"type":"object","properties":{"a":{"type":"string"}}}}}}`,
			[]string{"warn com.example.lint [missing-primary-description]", "warn com.example.lint [unlimited-string]"}},
		{"unresolved ref", `{"lexicon":1,"id":"com.example.refs","defs":{"main":{"type":"record","key":"tid","description":"d","record":{"type":"object","properties":{"a":{"type":"ref","ref":"com.example.elsewhere#thing"},"b":{"type":"ref","ref":"#local"}}}},"local":{"type":"object","properties":{}}}}`,
			[]string{"warn com.example.refs [unresolved-ref] reference com.example.elsewhere#thing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCatalog()
			if _, err := c.AddSchemaJSON([]byte(tc.schema)); err != nil {
				t.Fatalf("adding schema: %v", err)
			}
			issues := c.Lint()
			if len(issues) != len(tc.want) {
				t.Fatalf("issues = %v, want %d", issues, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(issues[i].String(), w) {
					t.Errorf("issue %d = %q, want %q", i, issues[i], w)
				}
			}
		})
	}
}

func TestBreakingChanges(t *testing.T) {
	before, err := ParseSchema(statusSchema(t))
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(string) string
		names []string
	}{
		{"same", func(s string) string { return s }, nil},
		{"description only", func(s string) string {
			return strings.Replace(s, "When the status was set.", "When it was set.", 1)
		}, nil},
		{"tighter length", func(s string) string { return strings.Replace(s, `"maxLength": 32`, `"maxLength": 16`, 1) }, []string{"string-length"}},
		{"record key", func(s string) string { return strings.Replace(s, `"key": "tid"`, `"key": "any"`, 1) }, []string{"record-key-type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after, err := ParseSchema([]byte(tc.edit(string(statusSchema(t)))))
			if err != nil {
				t.Fatalf("parsing the edited schema: %v", err)
			}
			issues := BreakingChanges(before, after)
			var names []string
			for _, i := range issues {
				names = append(names, i.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.names, ",") {
				t.Errorf("breaking changes = %v, want %v", issues, tc.names)
			}
		})
	}
}
