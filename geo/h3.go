package geo

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

// The H3 resolutions scores are aggregated to: res 5 cells average 252 km²,
// res 9 cells 0.105 km² (a few per desa in a town).
const (
	H3MinRes = 5
	H3MaxRes = 9
)

// H3Resolutions lists the aggregated resolutions, coarsest first.
var H3Resolutions = []int{5, 6, 7, 8, 9}

// H3CellAreaKm2 is the mean area of a cell of resolution res.
func H3CellAreaKm2(res int) float64 { return h3.HexagonAreaAvgKm2(res) }

// H3MinZoom is the first zoom whose tiles hold H3 cells; coarser tiles are empty.
const H3MinZoom = 5

// H3ResolutionForZoom is the resolution the H3 tiles of zoom z show: hexagons
// of about 15-30 pixels across (res 5 up to z8, one step per ~1.4 zooms, as
// a resolution is √7 ≈ 2.65 times finer), res 9 from z13.
func H3ResolutionForZoom(z int) int {
	if z <= 7 {
		return H3MinRes
	}
	return min(H3MaxRes, H3MinRes+(z-7)*5/7)
}

// H3Error says why a string is not an H3 cell of the aggregated resolutions.
type H3Error struct{ Reason string }

func (e *H3Error) Error() string { return e.Reason }

// ParseH3Cell reads an H3 cell index in its usual form, 15 hexadecimal
// digits (871f1d489ffffff); the cell must be valid and of a resolution
// between H3MinRes and H3MaxRes.
func ParseH3Cell(s string) (h3.Cell, error) {
	n, err := strconv.ParseUint(s, 16, 64)
	c := h3.Cell(n)
	if err != nil || len(s) != 15 || !c.IsValid() {
		return 0, &H3Error{fmt.Sprintf("%q is not an H3 cell index (15 hexadecimal digits, e.g. 871f1d489ffffff)", s)}
	}
	if r := c.Resolution(); r < H3MinRes || r > H3MaxRes {
		return 0, &H3Error{fmt.Sprintf("cell %s has resolution %d; cells are aggregated at resolutions %d-%d", s, r, H3MinRes, H3MaxRes)}
	}
	return c, nil
}

// H3CellPolygon is the cell's hexagon (or pentagon) as a closed ring in
// longitude, latitude order.
func H3CellPolygon(c h3.Cell) orb.Polygon {
	boundary := c.Boundary()
	ring := make(orb.Ring, 0, len(boundary)+1)
	for _, v := range boundary {
		ring = append(ring, orb.Point{v.Lng, v.Lat})
	}
	return orb.Polygon{append(ring, ring[0])}
}

// H3Cover lists, sorted, the cells of resolution res that may overlap the
// polygons, in two parts. edge holds the cells of points along every ring (at
// most half an edge apart) and their neighbours: every cell a ring crosses is
// among them, and they may overlap the polygons only partly. inside holds the
// cells beyond those whose centre lies in the polygons: as no ring crosses
// them, they lie wholly inside. They are found by flood fill from the edge
// cells, one point-in-polygon test each, rather than by h3's PolygonToCells,
// which tests every cell of the polygon's bounding box. (Rings are straight
// in longitude and latitude, as PostGIS draws them.)
func H3Cover(mp orb.MultiPolygon, res int) (inside, edge []h3.Cell) {
	isEdge := map[h3.Cell]bool{}
	sampled := map[h3.Cell]bool{}
	// Degrees of latitude per metre; longitude degrees are as long or shorter
	// at these latitudes, so steps in degrees are never further apart.
	step := h3.HexagonEdgeLengthAvgM(res) / 2 / 111_320
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 1; i < len(ring); i++ {
				a, b := ring[i-1], ring[i]
				n := max(1, int(math.Ceil(math.Hypot(b[0]-a[0], b[1]-a[1])/step)))
				for k := range n {
					t := float64(k) / float64(n)
					c := h3.LatLngToCell(h3.NewLatLng(a[1]+(b[1]-a[1])*t, a[0]+(b[0]-a[0])*t), res)
					if sampled[c] {
						continue
					}
					sampled[c] = true
					for _, d := range c.GridDisk(1) {
						isEdge[d] = true
					}
				}
			}
		}
	}
	seen := map[h3.Cell]bool{}
	var queue []h3.Cell
	for c := range isEdge {
		edge = append(edge, c)
		queue = append(queue, c.GridDisk(1)...)
	}
	for len(queue) > 0 {
		c := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if isEdge[c] || seen[c] {
			continue
		}
		seen[c] = true
		centre := c.LatLng()
		if planar.MultiPolygonContains(mp, orb.Point{centre.Lng, centre.Lat}) {
			inside = append(inside, c)
			queue = append(queue, c.GridDisk(1)...)
		}
	}
	slices.Sort(inside)
	slices.Sort(edge)
	return inside, edge
}

// geoPolygon converts a polygon to h3's form: rings without the closing point.
func geoPolygon(p orb.Polygon) h3.GeoPolygon {
	loop := func(r orb.Ring) h3.GeoLoop {
		l := make(h3.GeoLoop, 0, len(r))
		for _, pt := range r[:len(r)-1] {
			l = append(l, h3.NewLatLng(pt[1], pt[0]))
		}
		return l
	}
	gp := h3.GeoPolygon{GeoLoop: loop(p[0])}
	for _, hole := range p[1:] {
		gp.Holes = append(gp.Holes, loop(hole))
	}
	return gp
}
