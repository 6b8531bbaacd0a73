package geo

import (
	"errors"
	"math"
	"testing"
)

// FuzzTileValidate: a tile is valid exactly when 0 <= z <= MaxZoom and
// 0 <= x, y < 2^z; a refusal is a *TileError naming the first of z, x and y
// at fault (the api maps it to the path parameter); the centre of a valid
// tile's bounds lies in that tile.
func FuzzTileValidate(f *testing.F) {
	f.Add(0, 0, 0)
	f.Add(12, 3263, 2120)
	f.Add(MaxZoom, 1<<MaxZoom-1, 1<<MaxZoom-1)
	f.Add(MaxZoom+1, 0, 0)
	f.Add(3, 8, 0)
	f.Add(3, 0, -1)
	f.Add(-1, 0, 0)
	f.Add(62, 0, 0)
	f.Fuzz(func(t *testing.T, z, x, y int) {
		tile := Tile{Z: z, X: x, Y: y}
		err := tile.Validate()
		want := ""
		switch {
		case z < 0 || z > MaxZoom:
			want = "z"
		case x < 0 || x >= 1<<z:
			want = "x"
		case y < 0 || y >= 1<<z:
			want = "y"
		}
		if want == "" {
			if err != nil {
				t.Fatalf("%+v refused: %v", tile, err)
			}
			b := tile.Bounds()
			lon := (b.MinX + b.MaxX) / 2 / mercatorHalfWorld * 180
			lat := math.Atan(math.Sinh((b.MinY+b.MaxY)/2/6378137)) * 180 / math.Pi
			if got := TileAt(lon, lat, z); got != tile {
				t.Fatalf("%+v: the centre of its bounds (%g, %g) is in %+v", tile, lon, lat, got)
			}
			return
		}
		var te *TileError
		if !errors.As(err, &te) || te.Field != want {
			t.Fatalf("%+v: error %v (%T); want a *TileError on %s", tile, err, err, want)
		}
	})
}
