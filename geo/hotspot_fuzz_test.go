package geo

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// fuzzMaxVertices is small, so that the fuzzer reaches the vertex bound.
const fuzzMaxVertices = 64

// FuzzParsePolygonArea: an area that parses has at most the vertices allowed,
// passes the ring checks (wantImportablePolygons), and reads back the same
// from its WKT.
func FuzzParsePolygonArea(f *testing.F) {
	for _, s := range []string{
		"POLYGON((106 -6, 107 -6, 107 -7, 106 -6))",
		"MULTIPOLYGON(((106 -6, 107 -6, 107 -7, 106 -6)), ((105 -6, 105.5 -6, 105.5 -6.5, 105 -6)))",
		`{"type":"Polygon","coordinates":[[[106,-6],[107,-6],[107,-7],[106,-6]],[[106.5,-6.2],[106.6,-6.2],[106.6,-6.3],[106.5,-6.2]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[106,-6],[107,-6],[107,-7],[106,-6]]]]}`,
		"POINT(106 -6)",
		"POLYGON((NaN -6, 107 -6, 107 -7, NaN -6))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mp, err := ParsePolygonArea(s, fuzzMaxVertices)
		if err != nil {
			return
		}
		wantImportablePolygons(t, mp)
		vertices := 0
		for _, p := range mp {
			for _, r := range p {
				vertices += len(r)
			}
		}
		if vertices > fuzzMaxVertices {
			t.Fatalf("%q: %d vertices accepted; at most %d", s, vertices, fuzzMaxVertices)
		}
		again, err := ParsePolygonArea(wkt.MarshalString(mp), fuzzMaxVertices)
		if err != nil || !orb.Equal(again, mp) {
			t.Fatalf("%q reads as %v, whose WKT reads as %v, %v", s, mp, again, err)
		}
	})
}

// wantImportablePolygons fails unless mp has polygons, each with rings, every
// ring closed, of at least 4 positions, and every position on the globe.
func wantImportablePolygons(t *testing.T, mp orb.MultiPolygon) {
	t.Helper()
	if len(mp) == 0 {
		t.Fatal("no polygon")
	}
	for _, p := range mp {
		if len(p) == 0 {
			t.Fatalf("a polygon without rings in %v", mp)
		}
		for _, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("ring %v is not closed with at least 4 positions", r)
			}
			for _, pt := range r {
				if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -90 && pt[1] <= 90) {
					t.Fatalf("position %v is off the globe", pt)
				}
			}
		}
	}
}
