package geo

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseH3Cell: a cell that parses is of an aggregated resolution, its
// String is the input in lower case and parses back to the same cell, and its
// polygon is a closed ring on the globe; a refusal is an *H3Error.
func FuzzParseH3Cell(f *testing.F) {
	for _, s := range []string{"858c138ffffffff", "898c138dd37ffff", "85080003fffffff", "848c139ffffffff", "8a8c138dd367fff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseH3Cell(s)
		if err != nil {
			if h3err := (*H3Error)(nil); !errors.As(err, &h3err) {
				t.Fatalf("ParseH3Cell(%q): error %v is a %T, not an *H3Error", s, err, err)
			}
			return
		}
		if r := c.Resolution(); r < H3MinRes || r > H3MaxRes {
			t.Fatalf("ParseH3Cell(%q) = %s of resolution %d", s, c, r)
		}
		if c.String() != strings.ToLower(s) {
			t.Fatalf("ParseH3Cell(%q) = %s", s, c)
		}
		if again, err := ParseH3Cell(c.String()); err != nil || again != c {
			t.Fatalf("%s reads back as %s, %v", c, again, err)
		}
		ring := H3CellPolygon(c)[0]
		if len(ring) < 6 || ring[0] != ring[len(ring)-1] {
			t.Fatalf("%s: polygon %v is not a closed ring of at least 5 vertices", c, ring)
		}
		for _, pt := range ring {
			if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -90 && pt[1] <= 90) {
				t.Fatalf("%s: vertex %v is off the globe", c, pt)
			}
		}
	})
}
