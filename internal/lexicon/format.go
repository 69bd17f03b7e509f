package lexicon

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/clipperhouse/uax29/v2/graphemes"
)

// GraphemeLen counts the extended grapheme clusters of s under the Unicode
// 17 segmentation rules (UAX #29), as the reference implementation does with
// Intl.Segmenter. indigo counts with rivo/uniseg, whose older rules split
// Indic conjuncts such as "क्ष" into two graphemes.
func GraphemeLen(s string) int {
	n := 0
	g := graphemes.FromString(s)
	for g.Next() {
		n++
	}
	return n
}

// CheckFormat reports whether s is valid for the lexicon string format (one
// of at-identifier, at-uri, cid, datetime, did, handle, language, nsid,
// record-key, tid, uri). An unknown format is an error: the schema check
// rejects such schemas, so it only happens for a schema built by hand.
//
// Every format is checked by indigo's atproto/syntax parser except two that
// are fixed here to agree with the interop vectors and the reference:
// datetime (see [ParseDatetime]) and language (well-formed BCP 47, see
// [CheckLanguageSyntax]).
func CheckFormat(format, s string) error {
	var err error
	switch format {
	case "at-identifier":
		_, err = syntax.ParseAtIdentifier(s)
	case "at-uri":
		_, err = syntax.ParseATURI(s)
	case "cid":
		_, err = syntax.ParseCID(s)
	case "datetime":
		_, err = ParseDatetime(s)
	case "did":
		_, err = syntax.ParseDID(s)
	case "handle":
		_, err = syntax.ParseHandle(s)
	case "language":
		err = CheckLanguageSyntax(s)
	case "nsid":
		_, err = syntax.ParseNSID(s)
	case "record-key":
		_, err = syntax.ParseRecordKey(s)
	case "tid":
		_, err = syntax.ParseTID(s)
	case "uri":
		_, err = syntax.ParseURI(s)
	default:
		return fmt.Errorf("unknown string format %q", format)
	}
	return err
}

// datetimeRegex is the atproto datetime profile of RFC 3339: the reference's
// (@atproto/syntax) expression without leap seconds, which the spec rules
// out. It is stricter than indigo's, which lets offsets up to ±29:59 through
// and leaves the fractional-second separator unescaped.
var datetimeRegex = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[012])-([0-2][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// ParseDatetime parses an atproto datetime strictly, as the spec and the
// interop vectors define it: RFC 3339 with an upper-case "T", seconds
// 00-59, any number of fractional digits, a "Z" or ±hh:mm offset (never
// -00:00), at most 64 characters, a real calendar date (no April 31st) that
// does not fall before year 0 in UTC. It is indigo's syntax.ParseDatetime
// plus a stricter regular expression (offsets bounded to ±23:59, fractions
// of any length). The reference's lexicon validator is more lenient (see
// docs/lexicon-validation.md).
func ParseDatetime(s string) (syntax.Datetime, error) {
	if len(s) > 64 {
		return "", errors.New("datetime is too long (64 characters max)")
	}
	if !datetimeRegex.MatchString(s) {
		return "", errors.New("datetime is not RFC 3339 with a Z or ±hh:mm offset")
	}
	if strings.HasSuffix(s, "-00:00") {
		return "", errors.New(`datetime can not use "-00:00" for UTC`)
	}
	// indigo's regex caps fractional digits at 20; the spec and the
	// reference do not, so longer fractions are checked with them cut.
	check := s
	if dot := strings.IndexByte(s, '.'); dot >= 0 {
		end := dot + 1
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		if end-dot-1 > 9 {
			check = s[:dot+10] + s[end:]
		}
	}
	if _, err := syntax.ParseDatetime(check); err != nil {
		return "", fmt.Errorf("datetime: %w", err)
	}
	return syntax.Datetime(s), nil
}

// bcp47Regex is the well-formed BCP 47 grammar of RFC 5646 §2.1, as the
// reference (@atproto/syntax) spells it.
var bcp47Regex = regexp.MustCompile(`^((?P<grandfathered>(en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE)|(art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang))|((?P<language>([A-Za-z]{2,3}(-(?P<extlang>[A-Za-z]{3}(-[A-Za-z]{3}){0,2}))?)|[A-Za-z]{4}|[A-Za-z]{5,8})(-(?P<script>[A-Za-z]{4}))?(-(?P<region>[A-Za-z]{2}|[0-9]{3}))?(-(?P<variant>[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-(?P<extension>[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+))*(-(?P<privateUseA>[xX](-[A-Za-z0-9]{1,8})+))?)|(?P<privateUseB>[xX](-[A-Za-z0-9]{1,8})+))$`)

var primarySubtagRegex = regexp.MustCompile(`^[a-z]{2,3}$`)

// CheckLanguageSyntax reports whether s is a well-formed BCP 47 language
// tag whose primary language subtag, if any, is two or three lower-case
// letters: the "language" string format. indigo's own check rejects
// upper-case private-use tags ("X-fr-CH"), which the interop vectors accept;
// the reference's record validator accepts "JA" and "jaja", which the
// vectors reject. Repeated variants or singletons are well-formed and pass
// here; [ParseLanguage] rejects them.
func CheckLanguageSyntax(s string) error {
	if s == "" {
		return errors.New("language tag is empty")
	}
	if len(s) > 128 {
		return errors.New("language tag is too long (128 characters max)")
	}
	m := bcp47Regex.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("%q is not a well-formed BCP 47 language tag", s)
	}
	if lang := m[bcp47Regex.SubexpIndex("language")]; lang != "" {
		primary, _, _ := strings.Cut(lang, "-")
		if !primarySubtagRegex.MatchString(primary) {
			return fmt.Errorf("language tag %q: primary subtag must be 2 or 3 lower-case letters", s)
		}
	}
	return nil
}

// ParseLanguage parses a BCP 47 language tag strictly: [CheckLanguageSyntax]
// plus RFC 5646 §4.1 validity (no variant subtag or extension singleton
// repeated, compared case-insensitively), as the interop vectors'
// language_parse_invalid cases require.
func ParseLanguage(s string) (syntax.Language, error) {
	if err := CheckLanguageSyntax(s); err != nil {
		return "", err
	}
	m := bcp47Regex.FindStringSubmatch(s)
	if m[bcp47Regex.SubexpIndex("grandfathered")] != "" || m[bcp47Regex.SubexpIndex("privateUseB")] != "" {
		return syntax.Language(s), nil
	}
	if sub, ok := repeatedSubtag(s); ok {
		return "", fmt.Errorf("language tag %q repeats the subtag %q", s, sub)
	}
	return syntax.Language(s), nil
}

var (
	extlangRegex   = regexp.MustCompile(`^[A-Za-z]{3}$`)
	scriptRegex    = regexp.MustCompile(`^[A-Za-z]{4}$`)
	regionRegex    = regexp.MustCompile(`^([A-Za-z]{2}|[0-9]{3})$`)
	variantRegex   = regexp.MustCompile(`^([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})$`)
	singletonRegex = regexp.MustCompile(`^[0-9A-WYZa-wyz]$`)
	extSubtagRegex = regexp.MustCompile(`^[A-Za-z0-9]{2,8}$`)
)

// repeatedSubtag walks a well-formed tag's subtags in grammar order and
// returns the first repeated variant or extension singleton.
func repeatedSubtag(s string) (string, bool) {
	sub := strings.Split(s, "-")
	i := 1
	if len(sub[0]) == 2 || len(sub[0]) == 3 {
		for n := 0; n < 3 && i < len(sub) && extlangRegex.MatchString(sub[i]); n++ {
			i++
		}
	}
	if i < len(sub) && scriptRegex.MatchString(sub[i]) {
		i++
	}
	if i < len(sub) && regionRegex.MatchString(sub[i]) {
		i++
	}
	seen := map[string]bool{}
	for ; i < len(sub) && variantRegex.MatchString(sub[i]); i++ {
		k := strings.ToLower(sub[i])
		if seen[k] {
			return sub[i], true
		}
		seen[k] = true
	}
	seen = map[string]bool{}
	for i < len(sub) && singletonRegex.MatchString(sub[i]) {
		k := strings.ToLower(sub[i])
		if seen[k] {
			return sub[i], true
		}
		seen[k] = true
		i++
		for i < len(sub) && extSubtagRegex.MatchString(sub[i]) {
			i++
		}
	}
	return "", false
}
