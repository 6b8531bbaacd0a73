package geo

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzBoundaryReader: the reader numbers the features it yields from 0, each
// a unit with a code that reads back the same, a name, a kind of its level,
// no negative TPS count, only the names of the units above it and importable
// polygons; a feature error names the feature reading stopped at, and
// nothing is read after an error or the end.
func FuzzBoundaryReader(f *testing.F) {
	f.Add([]byte(collection(goodFeature("1001"), goodFeature("2002"))))
	f.Add([]byte(collection(feature(`"kode":"36.72","nama":"Cilegon","jenis":"kota","kode_provinsi":"36","provinsi":"Banten"`,
		`{"type":"MultiPolygon","coordinates":[`+squareCoords+`]}`))))
	f.Add([]byte(`{"crs":{"properties":{"name":"EPSG:4326"}},"type":"FeatureCollection","features":[],"name":"x"}`))
	f.Add([]byte(collection(feature(`"kode":"36.72.01.1001","nama":"A","jumlah_tps":-1`, squareGeometry))))
	f.Add([]byte(collection(goodFeature("1001"), `{"type":"Feature","geometry":`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := NewBoundaryReader(bytes.NewReader(data))
		read := 0
		for br.Next() {
			if br.Index() != read {
				t.Fatalf("feature %d read as index %d", read, br.Index())
			}
			b := br.Boundary()
			level := b.Code.Level()
			if code, err := ParseCode(string(b.Code)); err != nil || code != b.Code {
				t.Fatalf("feature %d: code %q reads as %q, %v", read, b.Code, code, err)
			}
			if b.Name == "" || !slices.Contains(KindsOf(level), b.Kind) {
				t.Fatalf("feature %d: name %q, kind %q of a %s", read, b.Name, b.Kind, level)
			}
			if b.TPSCount != nil && *b.TPSCount < 0 {
				t.Fatalf("feature %d: %d TPS", read, *b.TPSCount)
			}
			for l := range b.AncestorNames {
				if l >= level {
					t.Fatalf("feature %d, a %s, carries the name of a %s above it", read, level, l)
				}
			}
			wantImportablePolygons(t, b.Geometry)
			read++
		}
		var fe *FeatureError
		if errors.As(br.Err(), &fe) && fe.Index != br.Index() {
			t.Fatalf("error %v names feature %d; reading stopped at %d", fe, fe.Index, br.Index())
		}
		if br.Next() {
			t.Fatalf("a feature after the reader stopped (%v)", br.Err())
		}
	})
}
