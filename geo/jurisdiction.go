package geo

import (
	"fmt"
	"slices"
	"strings"
)

// Jurisdiction is where a token may act: admin units of any level, whose
// desa it covers. Police jurisdiction is not the admin map (Kab. Tangerang
// is split between two Polda), so it may list single desa as well as
// kecamatan, kabupaten or provinsi. Nil means everywhere.
type Jurisdiction []Code

// MaxJurisdictionCodes bounds a jurisdiction's list: a Polres covers a few
// hundred desa at most, a Polda a few provinsi.
const MaxJurisdictionCodes = 5000

// ParseJurisdiction reads a list of admin codes (with or without dots),
// sorted, without repeats and without units inside another listed unit.
func ParseJurisdiction(codes []string) (Jurisdiction, error) {
	if len(codes) == 0 {
		return nil, fmt.Errorf("a jurisdiction lists at least one admin code")
	}
	if len(codes) > MaxJurisdictionCodes {
		return nil, fmt.Errorf("a jurisdiction lists at most %d codes, not %d", MaxJurisdictionCodes, len(codes))
	}
	j := make(Jurisdiction, 0, len(codes))
	for _, s := range codes {
		c, err := ParseCode(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		j = append(j, c)
	}
	slices.Sort(j)
	j = slices.Compact(j)
	// Sorted, a unit comes right before the units inside it.
	kept := j[:0]
	for _, c := range j {
		if len(kept) == 0 || !kept[len(kept)-1].Covers(c) {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// Covers tells whether unit inner is c or lies inside it.
func (c Code) Covers(inner Code) bool {
	return inner == c || strings.HasPrefix(string(inner), string(c)+".")
}

// Contains tells whether the unit with code c lies inside the jurisdiction.
func (j Jurisdiction) Contains(c Code) bool {
	return j == nil || slices.ContainsFunc(j, func(u Code) bool { return u.Covers(c) })
}

// Strings are the jurisdiction's codes as text.
func (j Jurisdiction) Strings() []string {
	out := make([]string, len(j))
	for i, c := range j {
		out[i] = string(c)
	}
	return out
}

// Touches tells whether the unit with code c lies inside the jurisdiction
// or contains part of it (a kabupaten around a listed desa).
func (j Jurisdiction) Touches(c Code) bool {
	return j.Contains(c) || slices.ContainsFunc(j, func(u Code) bool { return c.Covers(u) })
}
