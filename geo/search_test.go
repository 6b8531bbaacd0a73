package geo

import "testing"

func TestCodePrefixReadsTheStartOfACodeWithOrWithoutDots(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"3", "3", true},
		{"36", "36", true},
		{"367", "36.7", true},
		{"3672", "36.72", true},
		{"36720", "36.72.0", true},
		{"3672011", "36.72.01.1", true},
		{"3672011001", "36.72.01.1001", true},
		{"36.", "36.", true},
		{"36.7", "36.7", true},
		{"36.72.01", "36.72.01", true},
		{"36.72.01.1001", "36.72.01.1001", true},
		{"36720110011", "", false}, // longer than a desa code
		{"36.72.01.10011", "", false},
		{"367.2", "", false}, // a dot where no code has one
		{"3.672", "", false},
		{"36..72", "", false},
		{".36", "", false},
		{"36.72.01.1001.", "", false},
		{"36 72", "", false},
		{"cilegon", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := CodePrefix(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("CodePrefix(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
