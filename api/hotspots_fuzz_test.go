package api

import (
	"maps"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// FuzzParseHotspots: a /hotspots query. A refusal is a 400 naming one of its
// parameters (or area, when no area is given). A query taken selects exactly
// one area: a code, a valid box or a polygon whose WKB reads back as a
// MultiPolygon; its resolution, k and permutations are within bounds.
func FuzzParseHotspots(f *testing.F) {
	for _, s := range []string{
		"area=36.72",
		"area=3672011001&unit=h3&res=9&k=5&value=incidents",
		"bbox=106,-7,107,-6&method=moran&permutations=99&seed=18446744073709551615",
		"polygon=POLYGON((106 -6, 107 -6, 107 -7, 106 -6))&fdr=true",
		`polygon={"type":"MultiPolygon","coordinates":[[[[106,-6],[107,-6],[107,-7],[106,-6]]]]}`,
		"area=36&bbox=106,-7,107,-6",
		"",
		"area=36&unit=desa&res=8",
		"area=36&method=moran&fdr=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		c := queryContext("/hotspots", rawQuery)
		req, err := parseHotspots(c)
		if err != nil {
			wantBadParameter(t, err, append(slices.Collect(maps.Keys(c.QueryParams())), ParamArea)...)
			return
		}
		q := req.query
		areas := 0
		if q.Area != "" {
			areas++
			if code, err := geo.ParseCode(string(q.Area)); err != nil || code != q.Area {
				t.Fatalf("%q: area %q", rawQuery, q.Area)
			}
		}
		if q.BBox != nil {
			areas++
			if err := q.BBox.Validate(); err != nil {
				t.Fatalf("%q: box %+v: %v", rawQuery, q.BBox, err)
			}
		}
		if q.Polygon != nil {
			areas++
			if g, err := wkb.Unmarshal(q.Polygon); err != nil {
				t.Fatalf("%q: polygon WKB unreadable: %v", rawQuery, err)
			} else if _, ok := g.(orb.MultiPolygon); !ok {
				t.Fatalf("%q: polygon WKB is a %T", rawQuery, g)
			}
		}
		if areas != 1 {
			t.Fatalf("%q: %d areas selected", rawQuery, areas)
		}
		switch req.unit {
		case UnitDesa:
			if q.H3Res != 0 {
				t.Fatalf("%q: desa at H3 resolution %d", rawQuery, q.H3Res)
			}
		case UnitH3:
			if q.H3Res < geo.H3MinRes || q.H3Res > geo.H3MaxRes || q.K < 1 || q.K > MaxK {
				t.Fatalf("%q: H3 resolution %d, k %d", rawQuery, q.H3Res, q.K)
			}
		default:
			t.Fatalf("%q: unit %q", rawQuery, req.unit)
		}
		if !slices.Contains(data.HotspotValues(), q.Value) {
			t.Fatalf("%q: value %q", rawQuery, q.Value)
		}
		if req.moran && (req.permutations < MinPermutations || req.permutations > MaxPermutations || req.fdr) {
			t.Fatalf("%q: Moran's I with %d permutations, fdr %v", rawQuery, req.permutations, req.fdr)
		}
	})
}
