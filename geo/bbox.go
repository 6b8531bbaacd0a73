package geo

import (
	"fmt"
	"math"
)

// BBox is a lon/lat bounding box in CRS84.
type BBox struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// Validate checks that the box lies on the globe and is not inverted.
// A box crossing the antimeridian (MinLon > MaxLon) is refused: Indonesia does not need it.
func (b BBox) Validate() error {
	for _, v := range []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat} {
		if math.IsNaN(v) {
			return fmt.Errorf("coordinates must be numbers, not NaN")
		}
	}
	switch {
	case b.MinLon < -180 || b.MaxLon > 180 || b.MinLon > 180 || b.MaxLon < -180:
		return fmt.Errorf("longitudes must be between -180 and 180")
	case b.MinLat < -90 || b.MaxLat > 90 || b.MinLat > 90 || b.MaxLat < -90:
		return fmt.Errorf("latitudes must be between -90 and 90")
	case b.MinLon > b.MaxLon:
		return fmt.Errorf("min longitude %g is greater than max longitude %g (boxes across the antimeridian are not supported)", b.MinLon, b.MaxLon)
	case b.MinLat > b.MaxLat:
		return fmt.Errorf("min latitude %g is greater than max latitude %g", b.MinLat, b.MaxLat)
	}
	return nil
}
