package geo

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// A small square near Kota Cilegon, closed, counter-clockwise.
const squareCoords = `[[[106.0,-6.0],[106.1,-6.0],[106.1,-6.1],[106.0,-6.1],[106.0,-6.0]]]`

const squareGeometry = `{"type":"Polygon","coordinates":` + squareCoords + `}`

var squarePolygon = orb.Polygon{{{106.0, -6.0}, {106.1, -6.0}, {106.1, -6.1}, {106.0, -6.1}, {106.0, -6.0}}}

// feature writes a GeoJSON Feature with the given properties (the inside of
// an object) and geometry (a JSON value).
func feature(props, geometry string) string {
	return `{"type":"Feature","properties":{` + props + `},"geometry":` + geometry + `}`
}

// collection writes a FeatureCollection of the given features.
func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// goodFeature is a valid desa feature with the given last code digits.
func goodFeature(desa string) string {
	return feature(`"kode":"36.72.01.`+desa+`","nama":"Desa `+desa+`"`, squareGeometry)
}

// readBoundaries reads every boundary of src; it returns what was read,
// the Index of each, and the error that stopped reading.
func readBoundaries(src string) ([]Boundary, []int, error) {
	br := NewBoundaryReader(strings.NewReader(src))
	var bs []Boundary
	var idx []int
	for br.Next() {
		bs = append(bs, br.Boundary())
		idx = append(idx, br.Index())
	}
	return bs, idx, br.Err()
}

func ptr[T any](v T) *T { return &v }

func TestBoundaryReaderReadsPolygonAndMultiPolygonFeatures(t *testing.T) {
	multi := `{"type":"MultiPolygon","coordinates":[` + squareCoords + `,[[[106.2,-6.0],[106.3,-6.0],[106.3,-6.1],[106.2,-6.0]]]]}`
	src := collection(
		feature(`"kode":"36.72.01.1001","nama":"Ketileng","jenis":"kelurahan","jumlah_tps":21,"kode_kpu_2024":"3672011001",`+
			`"kecamatan":"Cilegon","kabupaten":"Kota Cilegon","provinsi":"Banten",`+
			`"kode_kecamatan":"36.72.01","kode_kabupaten":"36.72","kode_provinsi":"36"`, squareGeometry),
		feature(`"kode":"36.01.01.2001","nama":"Sumberjaya","jenis":"desa","jumlah_tps":0`, multi),
	)
	got, idx, err := readBoundaries(src)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	want := []Boundary{
		{
			Code: "36.72.01.1001", Name: "Ketileng", Kind: "kelurahan",
			TPSCount: ptr(21), KPUCode2024: ptr("3672011001"),
			AncestorNames: map[Level]string{Kecamatan: "Cilegon", Kabupaten: "Kota Cilegon", Provinsi: "Banten"},
			Geometry:      orb.MultiPolygon{squarePolygon},
		},
		{
			Code: "36.01.01.2001", Name: "Sumberjaya", Kind: "desa",
			TPSCount:      ptr(0),
			AncestorNames: map[Level]string{},
			Geometry: orb.MultiPolygon{
				squarePolygon,
				{{{106.2, -6.0}, {106.3, -6.0}, {106.3, -6.1}, {106.2, -6.0}}},
			},
		},
	}
	if !reflect.DeepEqual(idx, []int{0, 1}) {
		t.Errorf("indexes = %v, want [0 1]", idx)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d boundaries, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("boundary %d =\n  %+v\nwant\n  %+v", i, got[i], want[i])
		}
	}
}

func TestBoundaryReaderLeavesAbsentOptionalPropertiesNil(t *testing.T) {
	got, _, err := readBoundaries(collection(goodFeature("1001")))
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("read %d boundaries, want 1", len(got))
	}
	if got[0].TPSCount != nil {
		t.Errorf("TPSCount = %d, want nil when jumlah_tps is absent", *got[0].TPSCount)
	}
	if got[0].KPUCode2024 != nil {
		t.Errorf("KPUCode2024 = %q, want nil when kode_kpu_2024 is absent", *got[0].KPUCode2024)
	}
	if len(got[0].AncestorNames) != 0 {
		t.Errorf("AncestorNames = %v, want none", got[0].AncestorNames)
	}
}

func TestBoundaryReaderKeepsOnlyAncestorNamesAboveTheFeaturesLevel(t *testing.T) {
	// A kecamatan feature carrying a "kecamatan" property: that is its own
	// name, not an ancestor's.
	src := collection(feature(`"kode":"36.72.01","nama":"Cilegon","kecamatan":"Cilegon","kabupaten":"Kota Cilegon","provinsi":"Banten"`, squareGeometry))
	got, _, err := readBoundaries(src)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	want := map[Level]string{Kabupaten: "Kota Cilegon", Provinsi: "Banten"}
	if len(got) != 1 || !reflect.DeepEqual(got[0].AncestorNames, want) {
		t.Errorf("read %+v, want one boundary with AncestorNames %v", got, want)
	}
}

func TestBoundaryReaderDerivesKindFromCodeWithoutJenis(t *testing.T) {
	cases := []struct {
		code Code
		want string
	}{
		{"36", "provinsi"},
		{"36.01", "kabupaten"},
		{"36.72", "kota"},
		{"36.72.01", "kecamatan"},
		{"36.01.01.2001", "desa"},
		{"36.72.01.1001", "kelurahan"},
	}
	for _, c := range cases {
		got, _, err := readBoundaries(collection(feature(`"kode":"`+string(c.code)+`","nama":"X"`, squareGeometry)))
		if err != nil {
			t.Errorf("kode %s: unexpected error: %v", c.code, err)
			continue
		}
		if len(got) != 1 || got[0].Code != c.code || got[0].Kind != c.want {
			t.Errorf("kode %s: read %+v, want one boundary of kind %q", c.code, got, c.want)
		}
	}
}

func TestBoundaryReaderIndexCountsFromZero(t *testing.T) {
	_, idx, err := readBoundaries(collection(goodFeature("1001"), goodFeature("1002"), goodFeature("1003")))
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if !reflect.DeepEqual(idx, []int{0, 1, 2}) {
		t.Errorf("indexes = %v, want [0 1 2]", idx)
	}
}

func TestBoundaryReaderRefusesBadFeaturesNamingTheirIndex(t *testing.T) {
	point := `{"type":"Point","coordinates":[106.0,-6.0]}`
	line := `{"type":"LineString","coordinates":[[106.0,-6.0],[106.1,-6.1]]}`
	polygon := func(ring string) string { return `{"type":"Polygon","coordinates":[` + ring + `]}` }
	desa := `"kode":"36.72.01.1001","nama":"Ketileng"`
	cases := []struct {
		name     string
		feature  string
		wantCode Code     // the code the error names, "" when none is readable
		mentions []string // words the Reason must contain (case-insensitive)
	}{
		{"missing kode", feature(`"nama":"Ketileng"`, squareGeometry), "", []string{"kode"}},
		{"kode without dots", feature(`"kode":"3672011001","nama":"Ketileng"`, squareGeometry), "", []string{"3672011001", "dots"}},
		{"kode not a code", feature(`"kode":"36.7","nama":"Ketileng"`, squareGeometry), "", []string{"36.7"}},
		{"missing nama", feature(`"kode":"36.72.01.1001"`, squareGeometry), "36.72.01.1001", []string{"nama"}},
		{"empty nama", feature(`"kode":"36.72.01.1001","nama":""`, squareGeometry), "36.72.01.1001", []string{"nama"}},
		{"Point geometry", feature(desa, point), "36.72.01.1001", []string{"Point"}},
		{"LineString geometry", feature(desa, line), "36.72.01.1001", []string{"LineString"}},
		{"null geometry", feature(desa, `null`), "36.72.01.1001", []string{"geometry"}},
		{"ring with 3 points", feature(desa, polygon(`[[106.0,-6.0],[106.1,-6.0],[106.0,-6.0]]`)), "36.72.01.1001", []string{"ring", "4"}},
		{"unclosed ring", feature(desa, polygon(`[[106.0,-6.0],[106.1,-6.0],[106.1,-6.1],[106.0,-6.1]]`)), "36.72.01.1001", []string{"closed"}},
		{"unclosed hole", feature(desa, `{"type":"Polygon","coordinates":[`+
			`[[106.0,-6.0],[106.1,-6.0],[106.1,-6.1],[106.0,-6.1],[106.0,-6.0]],`+
			`[[106.02,-6.02],[106.08,-6.02],[106.08,-6.08],[106.02,-6.08]]]}`), "36.72.01.1001", []string{"closed"}},
		{"unclosed second polygon", feature(desa, `{"type":"MultiPolygon","coordinates":[`+squareCoords+`,`+
			`[[[106.2,-6.0],[106.3,-6.0],[106.3,-6.1],[106.2,-6.1]]]]}`), "36.72.01.1001", []string{"closed"}},
		{"longitude 181", feature(desa, polygon(`[[181,-6.0],[106.1,-6.0],[106.1,-6.1],[181,-6.0]]`)), "36.72.01.1001", []string{"181"}},
		{"latitude -91", feature(desa, polygon(`[[106.0,-91],[106.1,-6.0],[106.1,-6.1],[106.0,-91]]`)), "36.72.01.1001", []string{"-91"}},
		{"jumlah_tps negative", feature(desa+`,"jumlah_tps":-3`, squareGeometry), "36.72.01.1001", []string{"jumlah_tps"}},
		{"jenis kota on a desa code", feature(desa+`,"jenis":"kota"`, squareGeometry), "36.72.01.1001", []string{"jenis", "kota"}},
		{"jenis desa on a kabupaten code", feature(`"kode":"36.72","nama":"Kota Cilegon","jenis":"desa"`, squareGeometry), "36.72", []string{"jenis", "desa"}},
		{"kode_kecamatan of another kecamatan", feature(desa+`,"kode_kecamatan":"36.72.02"`, squareGeometry), "36.72.01.1001", []string{"kode_kecamatan", "36.72.02"}},
		{"kode_kabupaten of another kabupaten", feature(desa+`,"kode_kabupaten":"36.71"`, squareGeometry), "36.72.01.1001", []string{"kode_kabupaten", "36.71"}},
		{"malformed JSON", `{"type":"Feature","properties":{"kode":"36.72.01.1001" "nama":"Ketileng"},"geometry":` + squareGeometry + `}`, "", []string{"JSON"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The bad feature alone (index 0), and after two good ones (index 2).
			for _, before := range [][]string{nil, {goodFeature("1002"), goodFeature("1003")}} {
				got, _, err := readBoundaries(collection(append(before, c.feature, goodFeature("1004"))...))
				if len(got) != len(before) {
					t.Errorf("read %d boundaries before the error, want %d", len(got), len(before))
				}
				var fe *FeatureError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v (%T), want a *FeatureError", err, err)
				}
				if fe.Index != len(before) {
					t.Errorf("Index = %d, want %d (%v)", fe.Index, len(before), err)
				}
				if fe.Code != c.wantCode {
					t.Errorf("Code = %q, want %q (%v)", fe.Code, c.wantCode, err)
				}
				for _, m := range c.mentions {
					if !strings.Contains(strings.ToLower(fe.Reason), strings.ToLower(m)) {
						t.Errorf("Reason %q does not mention %q", fe.Reason, m)
					}
				}
			}
		})
	}
}

func TestBoundaryReaderRefusesMalformedSecondFeatureAsIndexOne(t *testing.T) {
	// The second feature lacks the comma after "kode".
	src := `{"type":"FeatureCollection","features":[` + goodFeature("1001") + `,` +
		`{"type":"Feature","properties":{"kode":"36.72.01.1002" "nama":"X"},"geometry":` + squareGeometry + `}]}`
	got, _, err := readBoundaries(src)
	if len(got) != 1 {
		t.Errorf("read %d boundaries, want the 1 before the malformed one", len(got))
	}
	var fe *FeatureError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *FeatureError", err, err)
	}
	if fe.Index != 1 {
		t.Errorf("Index = %d, want 1 (%v)", fe.Index, err)
	}
	if !strings.Contains(fe.Reason, "JSON") {
		t.Errorf("Reason %q does not say the JSON is malformed", fe.Reason)
	}
}

func TestBoundaryReaderStopsAfterAnError(t *testing.T) {
	br := NewBoundaryReader(strings.NewReader(collection(feature(`"nama":"X"`, squareGeometry), goodFeature("1001"))))
	if br.Next() {
		t.Fatalf("Next() = true on a feature without kode")
	}
	first := br.Err()
	if first == nil {
		t.Fatalf("Err() = nil after a feature without kode")
	}
	if br.Next() {
		t.Errorf("Next() = true after an error; want reading to stop")
	}
	if br.Err() != first {
		t.Errorf("Err() changed from %v to %v", first, br.Err())
	}
}

func TestBoundaryReaderRefusesFilesThatAreNotLonLatFeatureCollections(t *testing.T) {
	good := goodFeature("1001")
	cases := []struct {
		name     string
		src      string
		mentions []string
	}{
		{"empty input", ``, []string{"FeatureCollection"}},
		{"top level an array", `[` + good + `]`, []string{"FeatureCollection"}},
		{"top level a string", `"FeatureCollection"`, []string{"FeatureCollection"}},
		{"type Feature", `{"type":"Feature","features":[` + good + `]}`, []string{"FeatureCollection"}},
		{"type Topology", `{"type":"Topology","features":[` + good + `]}`, []string{"FeatureCollection"}},
		{"no features member", `{"type":"FeatureCollection"}`, []string{"features"}},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, []string{"features"}},
		{"crs EPSG:3857", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[` + good + `]}`, []string{"3857", "reproject"}},
		{"crs EPSG:3857 short", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[` + good + `]}`, []string{"3857", "reproject"}},
		{"truncated after a feature", `{"type":"FeatureCollection","features":[` + good, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := readBoundaries(c.src)
			if err == nil {
				t.Fatalf("no error; read %d boundaries", len(got))
			}
			if c.name != "truncated after a feature" && len(got) != 0 {
				t.Errorf("read %d boundaries from a file that is refused", len(got))
			}
			var fe *FeatureError
			if errors.As(err, &fe) {
				t.Errorf("err = %v is a *FeatureError; the problem is the file, not a feature", err)
			}
			for _, m := range c.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestBoundaryReaderAcceptsLonLatCRS(t *testing.T) {
	for _, name := range []string{"urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"} {
		src := `{"type":"FeatureCollection","name":"desa","crs":{"type":"name","properties":{"name":"` + name + `"}},"features":[` + goodFeature("1001") + `]}`
		got, _, err := readBoundaries(src)
		if err != nil {
			t.Errorf("crs %s: unexpected error %v", name, err)
			continue
		}
		if len(got) != 1 || got[0].Code != "36.72.01.1001" {
			t.Errorf("crs %s: read %+v, want the one feature", name, got)
		}
	}
}

func TestBoundaryReaderEmptyFeaturesGivesNothingAndNoError(t *testing.T) {
	for _, src := range []string{
		`{"type":"FeatureCollection","features":[]}`,
		`{"features":[],"type":"FeatureCollection"}`,
	} {
		got, _, err := readBoundaries(src)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: read %d boundaries, err %v; want none and nil", src, len(got), err)
		}
	}
}

func TestBoundaryReaderChecksTheMembersAfterTheFeatures(t *testing.T) {
	good := goodFeature("1001")
	refused := []struct {
		name, src, mentions string
	}{
		{"type after the features", `{"features":[` + good + `],"type":"Topology"}`, "FeatureCollection"},
		{"crs after the features", `{"features":[` + good + `],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}}`, "3857"},
		{"a second features array", `{"type":"FeatureCollection","features":[` + good + `],"features":[]}`, "second"},
		{"data after the collection", collection(good) + `{"type":"FeatureCollection"}`, "after the end"},
	}
	for _, c := range refused {
		if _, _, err := readBoundaries(c.src); err == nil || !strings.Contains(err.Error(), c.mentions) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.mentions)
		}
	}
	accepted := `{"features":[` + good + `],"type":"FeatureCollection","name":"desa","bbox":[105,-7,107,-5]}` + "\n"
	if got, _, err := readBoundaries(accepted); err != nil || len(got) != 1 {
		t.Errorf("members after the features: %d boundaries, %v", len(got), err)
	}
}
