package geo

import (
	"math"
	"strings"
	"testing"
)

func TestBBoxValidateAcceptsBoxesOnTheGlobe(t *testing.T) {
	cases := []struct {
		name string
		box  BBox
	}{
		{"Banten", BBox{MinLon: 105.1, MinLat: -7.1, MaxLon: 106.8, MaxLat: -5.8}},
		{"point box", BBox{MinLon: 106.15, MinLat: -6.12, MaxLon: 106.15, MaxLat: -6.12}},
		{"whole world", BBox{MinLon: -180, MinLat: -90, MaxLon: 180, MaxLat: 90}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.box.Validate(); err != nil {
				t.Errorf("Validate(%+v) = %v, want nil", c.box, err)
			}
		})
	}
}

func TestBBoxValidateRefusesBoxesOffTheGlobeOrInverted(t *testing.T) {
	cases := []struct {
		name    string
		box     BBox
		mention string // a word the error message must contain
	}{
		{"min longitude below -180", BBox{MinLon: -181, MinLat: -7, MaxLon: 106, MaxLat: -6}, "longitude"},
		{"max longitude above 180", BBox{MinLon: 105, MinLat: -7, MaxLon: 181, MaxLat: -6}, "longitude"},
		{"both longitudes above 180", BBox{MinLon: 190, MinLat: -7, MaxLon: 200, MaxLat: -6}, "longitude"},
		{"min latitude below -90", BBox{MinLon: 105, MinLat: -91, MaxLon: 106, MaxLat: -6}, "latitude"},
		{"max latitude above 90", BBox{MinLon: 105, MinLat: -7, MaxLon: 106, MaxLat: 91}, "latitude"},
		{"min latitude above max latitude", BBox{MinLon: 105, MinLat: -6, MaxLon: 106, MaxLat: -7}, "latitude"},
		{"min longitude above max longitude", BBox{MinLon: 106, MinLat: -7, MaxLon: 105, MaxLat: -6}, "longitude"},
		{"across the antimeridian", BBox{MinLon: 170, MinLat: -20, MaxLon: -170, MaxLat: -10}, "antimeridian"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.box.Validate()
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error", c.box)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("Validate(%+v) = %q, want it to mention %q", c.box, err, c.mention)
			}
		})
	}
}

// NaN is no coordinate on the globe, yet strconv.ParseFloat (used for the
// bbox query parameter) reads "NaN" without error, so Validate must refuse it.
func TestBBoxValidateRefusesNaNCoordinates(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name string
		box  BBox
	}{
		{"NaN min longitude", BBox{MinLon: nan, MinLat: -7, MaxLon: 106, MaxLat: -6}},
		{"NaN max longitude", BBox{MinLon: 105, MinLat: -7, MaxLon: nan, MaxLat: -6}},
		{"NaN min latitude", BBox{MinLon: 105, MinLat: nan, MaxLon: 106, MaxLat: -6}},
		{"NaN max latitude", BBox{MinLon: 105, MinLat: -7, MaxLon: 106, MaxLat: nan}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.box.Validate(); err == nil {
				t.Errorf("Validate(%+v) = nil, want an error", c.box)
			}
		})
	}
}
