package geo

import (
	"fmt"
	"math"
)

// Vector tiles follow the WebMercatorQuad tile matrix set (EPSG:3857), as
// XYZ clients (MapLibre, QGIS) and OGC API - Tiles address it: zoom z from 0,
// column x from the west, row y from the north.

// MaxZoom is the deepest zoom served; clients overzoom its tiles beyond it.
const MaxZoom = 16

// IncidentMinZoom is the first zoom whose tiles hold incidents: below it a
// tile would hold tens of thousands of overlapping points.
const IncidentMinZoom = 8

// minZooms is the first zoom at which each level's units are in the tiles:
// coarser zooms show coarser levels, so that a tile never holds thousands of
// units smaller than a pixel.
var minZooms = map[Level]int{Provinsi: 0, Kabupaten: 4, Kecamatan: 7, Desa: 8}

// MinZoom is the first zoom whose tiles hold units of level l.
func MinZoom(l Level) int { return minZooms[l] }

// mercatorHalfWorld is half the width of the world in EPSG:3857 metres
// (pi times the WGS 84 equatorial radius): the world spans -it..+it on both axes.
const mercatorHalfWorld = math.Pi * 6378137

// Tile is one tile of WebMercatorQuad.
type Tile struct{ Z, X, Y int }

// TileError says which of z, x and y is out of range, and why.
type TileError struct {
	Field  string // "z", "x" or "y"
	Reason string
}

func (e *TileError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks that the zoom is served and the column and row exist at that zoom.
func (t Tile) Validate() error {
	if t.Z < 0 || t.Z > MaxZoom {
		return &TileError{"z", fmt.Sprintf("zoom %d is not served: zooms are 0 to %d (clients overzoom beyond %d)", t.Z, MaxZoom, MaxZoom)}
	}
	n := 1 << t.Z
	if t.X < 0 || t.X >= n {
		return &TileError{"x", fmt.Sprintf("column %d does not exist at zoom %d: columns are 0 to %d", t.X, t.Z, n-1)}
	}
	if t.Y < 0 || t.Y >= n {
		return &TileError{"y", fmt.Sprintf("row %d does not exist at zoom %d: rows are 0 to %d", t.Y, t.Z, n-1)}
	}
	return nil
}

// MercatorBox is a rectangle in EPSG:3857 metres.
type MercatorBox struct{ MinX, MinY, MaxX, MaxY float64 }

// Bounds is the tile's square in EPSG:3857.
func (t Tile) Bounds() MercatorBox {
	size := 2 * mercatorHalfWorld / float64(int(1)<<t.Z)
	minX := -mercatorHalfWorld + float64(t.X)*size
	maxY := mercatorHalfWorld - float64(t.Y)*size
	return MercatorBox{MinX: minX, MinY: maxY - size, MaxX: minX + size, MaxY: maxY}
}

// Grow widens the box by margin times its width on every side.
func (b MercatorBox) Grow(margin float64) MercatorBox {
	d := margin * (b.MaxX - b.MinX)
	return MercatorBox{b.MinX - d, b.MinY - d, b.MaxX + d, b.MaxY + d}
}

// maxMercatorLat is the latitude of the world's top edge in EPSG:3857.
const maxMercatorLat = 85.0511287798066

// TileAt is the tile of zoom z containing the point lon, lat (CRS84). Points
// beyond the Mercator latitude limit fall in the edge rows.
func TileAt(lon, lat float64, z int) Tile {
	n := float64(int(1) << z)
	x := (lon + 180) / 360 * n
	phi := math.Max(-maxMercatorLat, math.Min(maxMercatorLat, lat)) * math.Pi / 180
	y := (1 - math.Log(math.Tan(phi)+1/math.Cos(phi))/math.Pi) / 2 * n
	clamp := func(v float64) int { return int(math.Max(0, math.Min(n-1, math.Floor(v)))) }
	return Tile{Z: z, X: clamp(x), Y: clamp(y)}
}
