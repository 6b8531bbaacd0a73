package geo

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseCode: a code that parses keeps the digits given, names one of the
// four levels by their count, reads back the same with or without its dots,
// is of a kind its level has, and its parent parses one level up.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"36", "36.72", "36.72.01", "36.72.01.1001", "3672011001", "36.72.01.2001", "367201"} {
		f.Add(s)
	}
	digitsOf := map[Level]int{Provinsi: 2, Kabupaten: 4, Kecamatan: 6, Desa: 10}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseCode(s)
		if err != nil {
			return
		}
		digits := strings.ReplaceAll(string(code), ".", "")
		if digits != strings.ReplaceAll(s, ".", "") {
			t.Fatalf("ParseCode(%q) = %q: the digits changed", s, code)
		}
		level := code.Level()
		if len(digits) != digitsOf[level] {
			t.Fatalf("ParseCode(%q) = %q: a %s code with %d digits", s, code, level, len(digits))
		}
		for _, form := range []string{string(code), digits} {
			if again, err := ParseCode(form); err != nil || again != code {
				t.Fatalf("ParseCode(%q) = %q, but %q reads as %q, %v", s, code, form, again, err)
			}
		}
		if !slices.Contains(KindsOf(level), code.Kind()) {
			t.Fatalf("%s: kind %q is not one of a %s's %v", code, code.Kind(), level, KindsOf(level))
		}
		if level == Provinsi {
			return
		}
		parent, err := ParseCode(string(code.Parent()))
		if err != nil || parent.Level() != level-1 || !strings.HasPrefix(string(code), string(parent)+".") {
			t.Fatalf("%s: parent %q (%v) is not the enclosing %s", code, code.Parent(), err, level-1)
		}
	})
}
