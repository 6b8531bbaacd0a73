package geo

import (
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

func TestParseH3Cell(t *testing.T) {
	res7 := h3.LatLngToCell(h3.NewLatLng(-6.12, 106.15), 7)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"a res 7 cell", res7.String(), true},
		{"upper case hex", strings.ToUpper(res7.String()), true},
		{"a res 4 cell is not aggregated", h3.LatLngToCell(h3.NewLatLng(-6.12, 106.15), 4).String(), false},
		{"a res 10 cell is not aggregated", h3.LatLngToCell(h3.NewLatLng(-6.12, 106.15), 10).String(), false},
		{"not hexadecimal", "87zz10208ffffff", false},
		{"too short", "878c1020", false},
		{"the right length, not a cell", "000000000000000", false},
		{"a directed edge, not a cell", "1178c10208ffffff", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseH3Cell(tc.in)
			if tc.ok && (err != nil || c.String() != res7.String()) {
				t.Fatalf("ParseH3Cell(%q) = %v, %v; want %s", tc.in, c, err, res7)
			}
			if !tc.ok && err == nil {
				t.Fatalf("ParseH3Cell(%q) = %v, want an error", tc.in, c)
			}
		})
	}
}

func TestH3ResolutionForZoom(t *testing.T) {
	// Hexagons of roughly 15-30 pixels: res 5 cells are ~17 km across (28 px at z8).
	want := map[int]int{0: 5, 5: 5, 7: 5, 8: 5, 9: 6, 10: 7, 11: 7, 12: 8, 13: 9, 16: 9, 22: 9}
	for z, res := range want {
		if got := H3ResolutionForZoom(z); got != res {
			t.Errorf("H3ResolutionForZoom(%d) = %d, want %d", z, got, res)
		}
	}
}

func TestH3CellPolygonIsTheClosedHexagon(t *testing.T) {
	c := h3.LatLngToCell(h3.NewLatLng(-6.12, 106.15), 8)
	p := H3CellPolygon(c)
	if len(p) != 1 || len(p[0]) != 7 || p[0][0] != p[0][6] {
		t.Fatalf("want one closed ring of 6 vertices, got %v", p)
	}
	centre := c.LatLng()
	if !planar.PolygonContains(p, orb.Point{centre.Lng, centre.Lat}) {
		t.Fatal("the hexagon does not contain its cell's centre: longitude and latitude swapped?")
	}
}

// square is a closed square of side d degrees with its south-west corner at (lon, lat).
func square(lon, lat, d float64) orb.Polygon {
	return orb.Polygon{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}

func TestH3CoverGivesATinyPolygonItsCell(t *testing.T) {
	// 100 m across: far smaller than a res 5 cell (~252 km²), whose centre it misses.
	tiny := orb.MultiPolygon{square(106.15, -6.12, 0.001)}
	for _, res := range H3Resolutions {
		inside, edge := H3Cover(tiny, res)
		home := h3.LatLngToCell(h3.NewLatLng(-6.1195, 106.1505), res)
		if len(inside) != 0 && res < 9 {
			t.Errorf("res %d: %d cells wholly inside a 100 m square", res, len(inside))
		}
		if !slices.Contains(edge, home) {
			t.Errorf("res %d: the cell holding the square, %s, is not a candidate", res, home)
		}
	}
}

// TestH3CoverFindsEveryOverlappingCell checks the candidates against a brute
// force over every cell near a concave polygon with a hole: each cell whose
// hexagon meets the polygon's interior is listed, the inside cells lie wholly
// within it, and inside and edge do not share a cell.
func TestH3CoverFindsEveryOverlappingCell(t *testing.T) {
	// An L of 6 x 6 km with a 1 km hole in its corner block.
	l := orb.Polygon{
		{{106.10, -6.20}, {106.16, -6.20}, {106.16, -6.17}, {106.13, -6.17}, {106.13, -6.14}, {106.10, -6.14}, {106.10, -6.20}},
		{{106.11, -6.19}, {106.11, -6.18}, {106.12, -6.18}, {106.12, -6.19}, {106.11, -6.19}},
	}
	mp := orb.MultiPolygon{l}
	for _, res := range []int{7, 8, 9} {
		inside, edge := H3Cover(mp, res)
		listed := map[h3.Cell]bool{}
		for _, c := range inside {
			listed[c] = true
		}
		for _, c := range edge {
			if listed[c] {
				t.Fatalf("res %d: cell %s is both inside and edge", res, c)
			}
			listed[c] = true
		}
		// Every cell within reach of the polygon's bounding box.
		centre := h3.LatLngToCell(h3.NewLatLng(-6.17, 106.13), res)
		reach := int(6_000/h3.HexagonEdgeLengthAvgM(res)) + 2
		for _, c := range centre.GridDisk(reach) {
			hex := H3CellPolygon(c)
			meets := false
			// A cell meets the interior if a vertex of one lies strictly in the other, or their centres are inside.
			for _, v := range hex[0][:6] {
				if planar.PolygonContains(l, v) {
					meets = true
				}
			}
			for _, v := range l[0] {
				if planar.PolygonContains(hex, v) {
					meets = true
				}
			}
			if meets && !listed[c] {
				t.Errorf("res %d: cell %s overlaps the polygon but is not a candidate", res, c)
			}
		}
		for _, c := range inside {
			for _, v := range H3CellPolygon(c)[0] {
				if !planar.PolygonContains(l, v) {
					t.Errorf("res %d: inside cell %s has vertex %v outside the polygon (or in its hole)", res, c, v)
				}
			}
		}
		if res == 9 && len(inside) == 0 {
			t.Error("res 9: no cell inside a 6 km polygon")
		}
	}
}
