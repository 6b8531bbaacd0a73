package geo

import (
	"slices"
	"testing"
)

func TestParseJurisdiction(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codes []string
		want  []string
		err   bool
	}{
		{"kabupaten and a desa elsewhere", []string{"36.03", "36.71.01.1001"}, []string{"36.03", "36.71.01.1001"}, false},
		{"codes without dots", []string{"3603", "3671011001"}, []string{"36.03", "36.71.01.1001"}, false},
		{"repeats and units inside listed ones dropped", []string{"36.03.01", "36.03", "36.03.01.2001", "36.03"}, []string{"36.03"}, false},
		{"sorted", []string{"36.72", "36.01"}, []string{"36.01", "36.72"}, false},
		{"empty", nil, nil, true},
		{"a bad code", []string{"36.03", "36.3"}, nil, true},
		{"not a code", []string{"' OR 1=1--"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := ParseJurisdiction(tc.codes)
			if tc.err {
				if err == nil {
					t.Fatalf("got %v, want an error", j)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := j.Strings(); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestJurisdictionContains(t *testing.T) {
	j := Jurisdiction{"36.03", "36.71.01.1001"}
	for code, want := range map[Code]bool{
		"36.03":         true,  // the kabupaten itself
		"36.03.01.2001": true,  // a desa inside it
		"36.71.01.1001": true,  // the listed desa
		"36.71.01.1002": false, // its neighbour
		"36.71.01":      false, // the kecamatan around the listed desa
		"36":            false, // the provinsi around both
		"36.30.01.2001": false, // a code that starts with "36.3" but is not in 36.03
	} {
		if got := j.Contains(code); got != want {
			t.Errorf("%v contains %s: %v, want %v", j, code, got, want)
		}
	}
	for code, want := range map[Code]bool{
		"36.03.01.2001": true,  // inside
		"36.71.01":      true,  // around the listed desa
		"36":            true,  // around both
		"36.71.01.1002": false, // beside the listed desa
		"36.72":         false, // another kabupaten
		"31":            false, // another provinsi
	} {
		if got := j.Touches(code); got != want {
			t.Errorf("%v touches %s: %v, want %v", j, code, got, want)
		}
	}
	var everywhere Jurisdiction
	if !everywhere.Contains("11.01.01.2001") {
		t.Error("no jurisdiction must mean everywhere")
	}
}
