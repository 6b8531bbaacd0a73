package api

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseSearch: a /search query taken has a trimmed text of 1 to
// MaxQueryLength characters with a letter or digit, a limit from 1 to
// MaxSearchLimit, and a code prefix only for digits and dots; a refusal is a
// 400 naming one of its parameters (or q, when no text is given).
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"q=cilegon", "q=36.72&limit=50", "q=3672", "q=kota+ser&limit=0", "q=%20%20", "q=--", "limit=5",
		"q=a&q=b", "q=%FF%FE", "q=36..72"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		c := queryContext("/search", rawQuery)
		q, err := parseSearch(c)
		if err != nil {
			wantBadParameter(t, err, append(slices.Collect(maps.Keys(c.QueryParams())), ParamQuery)...)
			return
		}
		if n := utf8.RuneCountInString(q.Text); n < 1 || n > MaxQueryLength || q.Text != strings.TrimSpace(q.Text) ||
			strings.IndexFunc(q.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
			t.Fatalf("%q: text %q", rawQuery, q.Text)
		}
		if q.Limit < 1 || q.Limit > MaxSearchLimit {
			t.Fatalf("%q: limit %d", rawQuery, q.Limit)
		}
		if q.CodePrefix != "" && strings.Trim(q.Text, "0123456789.") != "" {
			t.Fatalf("%q: code prefix %q from text %q", rawQuery, q.CodePrefix, q.Text)
		}
	})
}
