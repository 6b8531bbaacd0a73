package geo

import (
	"slices"
	"testing"
)

func TestParseCodeAcceptsDottedCodesAtEveryLevel(t *testing.T) {
	for _, s := range []string{"36", "36.72", "36.72.01", "36.72.01.1001", "36.01.01.2001"} {
		got, err := ParseCode(s)
		if err != nil {
			t.Errorf("ParseCode(%q): unexpected error %v", s, err)
			continue
		}
		if got != Code(s) {
			t.Errorf("ParseCode(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestParseCodeAcceptsDigitsWithoutDots(t *testing.T) {
	// Kemendagri segment widths 2.2.2.4 (DOMAIN.md): dots go after digits 2, 4 and 6.
	cases := []struct{ in, want string }{
		{"36", "36"},
		{"3672", "36.72"},
		{"367201", "36.72.01"},
		{"3672011001", "36.72.01.1001"},
		{"3601012001", "36.01.01.2001"},
	}
	for _, c := range cases {
		got, err := ParseCode(c.in)
		if err != nil {
			t.Errorf("ParseCode(%q): unexpected error %v", c.in, err)
			continue
		}
		if got != Code(c.want) {
			t.Errorf("ParseCode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseCodeRefusesMalformedCodes(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"letters", "ab"},
		{"letters among digits", "36a2"},
		{"letters in a dotted part", "36.7x"},
		{"kabupaten part of one digit", "36.7"},
		{"kabupaten part of three digits", "36.721"},
		{"desa part of three digits", "36.72.01.101"},
		{"desa part of five digits", "36.72.01.10011"},
		{"1 digit", "3"},
		{"3 digits", "367"},
		{"5 digits", "36720"},
		{"7 digits", "3672011"},
		{"8 digits", "36720110"},
		{"11 digits", "36720110011"},
		{"too many parts", "36.72.01.1001.01"},
		{"empty part", "36..01"},
		{"trailing dot", "36."},
		{"leading dot", ".36"},
		{"negative number", "-36"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, err := ParseCode(c.in); err == nil {
				t.Errorf("ParseCode(%q) = %q, want an error", c.in, got)
			}
		})
	}
}

func TestCodeLevelIsTheNumberOfParts(t *testing.T) {
	cases := []struct {
		code Code
		want Level
	}{
		{"36", Provinsi},
		{"36.72", Kabupaten},
		{"36.72.01", Kecamatan},
		{"36.72.01.1001", Desa},
	}
	for _, c := range cases {
		if got := c.code.Level(); got != c.want {
			t.Errorf("Code(%q).Level() = %v, want %v", c.code, got, c.want)
		}
	}
}

func TestCodeParentIsThePrefixOneLevelUp(t *testing.T) {
	cases := []struct{ code, want Code }{
		{"36.72.01.1001", "36.72.01"},
		{"36.72.01", "36.72"},
		{"36.72", "36"},
		{"36", ""},
	}
	for _, c := range cases {
		if got := c.code.Parent(); got != c.want {
			t.Errorf("Code(%q).Parent() = %q, want %q", c.code, got, c.want)
		}
	}
}

func TestCodeAncestorIsThePrefixAtThatLevel(t *testing.T) {
	cases := []struct {
		code  Code
		level Level
		want  Code
	}{
		{"36.72.01.1001", Desa, "36.72.01.1001"},
		{"36.72.01.1001", Kecamatan, "36.72.01"},
		{"36.72.01.1001", Kabupaten, "36.72"},
		{"36.72.01.1001", Provinsi, "36"},
		{"36.01.05", Kabupaten, "36.01"},
		{"36.01.05", Kecamatan, "36.01.05"},
		{"36", Provinsi, "36"},
	}
	for _, c := range cases {
		if got := c.code.Ancestor(c.level); got != c.want {
			t.Errorf("Code(%q).Ancestor(%v) = %q, want %q", c.code, c.level, got, c.want)
		}
	}
}

func TestCodeIDIsTheCodeWithoutDots(t *testing.T) {
	cases := []struct {
		code Code
		want int64
	}{
		{"36.72.01.1001", 3672011001},
		{"36.01.01.2001", 3601012001},
		{"36.72.01", 367201},
		{"36.01", 3601},
		{"36", 36},
	}
	for _, c := range cases {
		if got := c.code.ID(); got != c.want {
			t.Errorf("Code(%q).ID() = %d, want %d", c.code, got, c.want)
		}
	}
}

func TestCodeKindFollowsKemendagriConvention(t *testing.T) {
	// Kabupaten codes run 01-69, kota 71-99; in the last part of a desa code
	// a leading 1 means kelurahan and a leading 2 means desa.
	cases := []struct {
		code Code
		want string
	}{
		{"36", "provinsi"},
		{"36.01", "kabupaten"}, // Kab. Pandeglang
		{"36.03", "kabupaten"}, // Kab. Tangerang
		{"36.69", "kabupaten"},
		{"36.71", "kota"}, // Kota Tangerang
		{"36.72", "kota"}, // Kota Cilegon
		{"36.74", "kota"}, // Kota Tangerang Selatan
		{"36.99", "kota"},
		{"36.72.01", "kecamatan"},
		{"36.01.01.2001", "desa"},
		{"36.72.01.1001", "kelurahan"},
	}
	for _, c := range cases {
		if got := c.code.Kind(); got != c.want {
			t.Errorf("Code(%q).Kind() = %q, want %q", c.code, got, c.want)
		}
	}
}

func TestParseLevelReadsEveryLevelName(t *testing.T) {
	cases := []struct {
		name string
		want Level
	}{
		{"provinsi", Provinsi},
		{"kabupaten", Kabupaten},
		{"kecamatan", Kecamatan},
		{"desa", Desa},
	}
	for _, c := range cases {
		got, ok := ParseLevel(c.name)
		if !ok || got != c.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, true", c.name, got, ok, c.want)
		}
		if s := c.want.String(); s != c.name {
			t.Errorf("%d.String() = %q, want %q", int(c.want), s, c.name)
		}
	}
}

func TestParseLevelRoundTripsString(t *testing.T) {
	if len(Levels) != 4 {
		t.Fatalf("Levels has %d entries, want the 4 Kemendagri levels", len(Levels))
	}
	for _, l := range Levels {
		got, ok := ParseLevel(l.String())
		if !ok || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, true", l.String(), got, ok, l)
		}
	}
}

func TestParseLevelRefusesUnknownNames(t *testing.T) {
	// "kota" and "kelurahan" are kinds of units, not levels.
	for _, s := range []string{"", "kota", "kelurahan", "negara", "4"} {
		if l, ok := ParseLevel(s); ok {
			t.Errorf("ParseLevel(%q) = %v, true; want false", s, l)
		}
	}
}

func TestKindsOfListsTheKindsOfEachLevel(t *testing.T) {
	cases := []struct {
		level Level
		want  []string
	}{
		{Provinsi, []string{"provinsi"}},
		{Kabupaten, []string{"kabupaten", "kota"}},
		{Kecamatan, []string{"kecamatan"}},
		{Desa, []string{"desa", "kelurahan"}},
	}
	for _, c := range cases {
		got := slices.Clone(KindsOf(c.level))
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("KindsOf(%v) = %v, want %v", c.level, got, c.want)
		}
	}
}

func TestCodeKindIsAmongKindsOfItsLevel(t *testing.T) {
	for _, c := range []Code{"36", "36.01", "36.72", "36.72.01", "36.01.01.2001", "36.72.01.1001"} {
		if !slices.Contains(KindsOf(c.Level()), c.Kind()) {
			t.Errorf("Code(%q).Kind() = %q, not in KindsOf(%v) = %v", c, c.Kind(), c.Level(), KindsOf(c.Level()))
		}
	}
}
