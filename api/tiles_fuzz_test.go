package api

import (
	"testing"

	"github.com/petarawan/petarawan/geo"
)

// FuzzParseTile: a tile is taken exactly when z, x and y are whole numbers
// with 0 <= z <= MaxZoom and 0 <= x, y < 2^z; a refusal is a 400 naming the
// first path parameter at fault.
func FuzzParseTile(f *testing.F) {
	f.Add("12", "3263", "2120")
	f.Add("0", "0", "0")
	f.Add("16", "65535", "65536")
	f.Add("17", "0", "0")
	f.Add("3", "-1", "0")
	f.Add("+3", "07", "-0")
	f.Add("63", "0", "0")
	f.Add("1", "1", "1.mvt")
	f.Add("99999999999999999999", "0", "0")
	names := [3]string{"tileMatrix", "tileCol", "tileRow"}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tile, err := parseTile(z, x, y, names)
		var nums [3]int
		fault := -1
		for i, s := range []string{z, x, y} {
			n, ok := wholeNumber(s)
			if !ok && fault < 0 {
				fault = i
			}
			nums[i] = n
		}
		switch {
		case fault >= 0:
		case nums[0] < 0 || nums[0] > geo.MaxZoom:
			fault = 0
		case nums[1] < 0 || nums[1] >= 1<<nums[0]:
			fault = 1
		case nums[2] < 0 || nums[2] >= 1<<nums[0]:
			fault = 2
		}
		if fault >= 0 {
			wantBadParameter(t, err, names[fault])
			return
		}
		if err != nil || tile != (geo.Tile{Z: nums[0], X: nums[1], Y: nums[2]}) {
			t.Fatalf("%s/%s/%s read as %+v, %v", z, x, y, tile, err)
		}
	})
}
