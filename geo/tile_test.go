package geo

import (
	"math"
	"testing"
)

func TestTileValidateRefusesWhatTheMatrixLacks(t *testing.T) {
	for _, c := range []struct {
		name  string
		tile  Tile
		field string // "" when valid
	}{
		{"the world tile", Tile{0, 0, 0}, ""},
		{"the last tile of the deepest zoom", Tile{MaxZoom, 1<<MaxZoom - 1, 1<<MaxZoom - 1}, ""},
		{"a negative zoom", Tile{-1, 0, 0}, "z"},
		{"a zoom beyond the deepest", Tile{MaxZoom + 1, 0, 0}, "z"},
		{"a column past the east edge", Tile{3, 8, 0}, "x"},
		{"a negative column", Tile{3, -1, 0}, "x"},
		{"a row past the south edge", Tile{3, 0, 8}, "y"},
		{"a negative row", Tile{3, 0, -1}, "y"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.tile.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("%v refused: %v", c.tile, err)
				}
				return
			}
			te, ok := err.(*TileError)
			if !ok || te.Field != c.field {
				t.Fatalf("%v: got %v, want an error on %s", c.tile, err, c.field)
			}
		})
	}
}

func TestTileBoundsCoverTheWorldInQuadrants(t *testing.T) {
	// EPSG:3857 spans +-20037508.342789244 m on both axes.
	const w = 20037508.342789244
	for _, c := range []struct {
		tile Tile
		want MercatorBox
	}{
		{Tile{0, 0, 0}, MercatorBox{-w, -w, w, w}},
		{Tile{1, 0, 0}, MercatorBox{-w, 0, 0, w}}, // north-west
		{Tile{1, 1, 1}, MercatorBox{0, -w, w, 0}}, // south-east
		{Tile{2, 3, 0}, MercatorBox{w / 2, w / 2, w, w}},
	} {
		got := c.tile.Bounds()
		for i, pair := range [][2]float64{{got.MinX, c.want.MinX}, {got.MinY, c.want.MinY}, {got.MaxX, c.want.MaxX}, {got.MaxY, c.want.MaxY}} {
			if math.Abs(pair[0]-pair[1]) > 1e-6 {
				t.Errorf("%v bounds[%d] = %.6f, want %.6f", c.tile, i, pair[0], pair[1])
			}
		}
	}
}

func TestTileAtFindsTheTileOfAPoint(t *testing.T) {
	// Monas, Jakarta, worked out by hand from the slippy-map formulas:
	// x = floor(286.8272/360*4096) = 3263, y = floor(0.517187*4096) = 2118.
	got := TileAt(106.8272, -6.1754, 12)
	if want := (Tile{12, 3263, 2118}); got != want {
		t.Fatalf("TileAt = %v, want %v", got, want)
	}
	// The point, projected (x = R*lon, y = R*ln(tan(pi/4+lat/2))), lies in the tile's bounds.
	const r = 6378137.0
	x := r * 106.8272 * math.Pi / 180
	y := r * math.Log(math.Tan(math.Pi/4+(-6.1754*math.Pi/180)/2))
	if b := got.Bounds(); x < b.MinX || x > b.MaxX || y < b.MinY || y > b.MaxY {
		t.Fatalf("point %.0f,%.0f is outside %v's bounds %+v", x, y, got, b)
	}
	for _, c := range []struct {
		lon, lat float64
		want     Tile
	}{
		{-180, 90, Tile{4, 0, 0}},   // the north pole row clamps to the top row
		{180, -90, Tile{4, 15, 15}}, // the east edge and south pole clamp to the last tile
	} {
		if got := TileAt(c.lon, c.lat, 4); got != c.want {
			t.Errorf("TileAt(%g, %g, 4) = %v, want %v", c.lon, c.lat, got, c.want)
		}
	}
}

func TestGrowWidensEverySideByAShareOfTheWidth(t *testing.T) {
	got := MercatorBox{0, 0, 4096, 4096}.Grow(64.0 / 4096)
	if want := (MercatorBox{-64, -64, 4160, 4160}); got != want {
		t.Fatalf("Grow = %+v, want %+v", got, want)
	}
}
