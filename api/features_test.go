package api_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

func TestEachCollectionCountsItsUnits(t *testing.T) {
	srv := newServer(t)
	// shared/data/README.md: 1 provinsi, 8 kabupaten/kota, 155 kecamatan, 1,552 desa/kelurahan.
	for id, want := range map[string]int{"provinsi": 1, "kabupaten": 8, "kecamatan": 155, "desa": 1552} {
		fc := getFeatures(t, srv.URL+"/collections/"+id+"/items?limit=1")
		if fc.NumberMatched != want || fc.NumberReturned != 1 || len(fc.Features) != 1 {
			t.Errorf("%s: numberMatched %d numberReturned %d, want %d and 1", id, fc.NumberMatched, fc.NumberReturned, want)
		}
	}
	// 314 kelurahan (README), filtered on the server.
	if fc := getFeatures(t, srv.URL+"/collections/desa/items?kind=kelurahan&limit=1"); fc.NumberMatched != 314 {
		t.Errorf("kind=kelurahan matched %d, want 314", fc.NumberMatched)
	}
}

func TestCollectionExtentIsTheDataBoundingBox(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/collections/desa")
	var info struct {
		Extent struct {
			Spatial struct {
				BBox [][]float64 `json:"bbox"`
			} `json:"spatial"`
		} `json:"extent"`
	}
	if err := json.Unmarshal(res.body, &info); err != nil {
		t.Fatal(err)
	}
	// The source README: bounding box [105.099874, -7.016197, 106.779863, -5.807603].
	want := []float64{105.099874, -7.016197, 106.779863, -5.807603}
	if len(info.Extent.Spatial.BBox) != 1 || !slices.Equal(info.Extent.Spatial.BBox[0], want) {
		t.Errorf("extent %v, want %v", info.Extent.Spatial.BBox, want)
	}
}

func TestPagingReturnsEveryDesaExactlyOnce(t *testing.T) {
	srv := newServer(t)
	var want []string
	for _, f := range bantenDesa(t).Features {
		want = append(want, f.Properties.MustString("kode"))
	}
	sort.Strings(want)
	for _, limit := range []int{100, 500} {
		seen := map[string]int{}
		var codes []string
		url := fmt.Sprintf("%s/collections/desa/items?limit=%d", srv.URL, limit)
		pages := 0
		for url != "" {
			fc := getFeatures(t, url)
			pages++
			if pages > 1 && fc.link("prev") == "" {
				t.Errorf("page %d has no prev link", pages)
			}
			for _, c := range fc.codes() {
				seen[c]++
				codes = append(codes, c)
			}
			if fc.NumberReturned != len(fc.Features) || fc.NumberMatched != 1552 {
				t.Fatalf("numberReturned %d for %d features, numberMatched %d", fc.NumberReturned, len(fc.Features), fc.NumberMatched)
			}
			url = fc.link("next")
			if pages > 1552/limit+1 {
				t.Fatal("the next links do not end")
			}
		}
		for c, n := range seen {
			if n > 1 {
				t.Errorf("limit %d: %s returned %d times", limit, c, n)
			}
		}
		if !slices.Equal(codes, want) {
			t.Errorf("limit %d: got %d codes in %d pages, want the %d codes of the source in code order", limit, len(codes), pages, len(want))
		}
	}
}

// intersects tells whether a polygon and a box share a point: a vertex in the
// box, a box corner in the polygon, or crossing edges. Independent of PostGIS.
func intersects(mp orb.MultiPolygon, b orb.Bound) bool {
	if !mp.Bound().Intersects(b) {
		return false
	}
	corners := []orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}}
	for _, c := range corners {
		if planar.MultiPolygonContains(mp, c) {
			return true
		}
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				if b.Contains(ring[i]) {
					return true
				}
				for j := range corners {
					if segmentsCross(ring[i], ring[i+1], corners[j], corners[(j+1)%4]) {
						return true
					}
				}
			}
		}
	}
	return false
}

func segmentsCross(a, b, c, d orb.Point) bool {
	orient := func(p, q, r orb.Point) float64 { return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0]) }
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0))
}

func TestBBoxSelectsTheDesaThatIntersectIt(t *testing.T) {
	srv := newServer(t)
	for _, b := range []orb.Bound{
		{Min: orb.Point{106.1, -6.2}, Max: orb.Point{106.2, -6.1}},    // Kota Serang and around
		{Min: orb.Point{106.62, -6.32}, Max: orb.Point{106.7, -6.25}}, // Tangerang Selatan
		{Min: orb.Point{105.0, -7.1}, Max: orb.Point{105.3, -6.7}},    // Ujung Kulon coast
		{Min: orb.Point{104.0, -5.0}, Max: orb.Point{104.5, -4.5}},    // the sea: nothing
	} {
		var want []string
		for _, f := range bantenDesa(t).Features {
			var mp orb.MultiPolygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				mp = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				mp = g
			}
			if intersects(mp, b) {
				want = append(want, f.Properties.MustString("kode"))
			}
		}
		sort.Strings(want)
		url := fmt.Sprintf("%s/collections/desa/items?limit=10000&bbox=%g,%g,%g,%g", srv.URL, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		fc := getFeatures(t, url)
		t.Logf("bbox %v: %d desa", b, len(want))
		if got := fc.codes(); !slices.Equal(got, want) || fc.NumberMatched != len(want) {
			t.Errorf("bbox %v: got %d desa (numberMatched %d), want %d:\n got %v\nwant %v", b, len(got), fc.NumberMatched, len(want), got, want)
		}
	}
}

func TestFiltersSelectOnTheServer(t *testing.T) {
	srv := newServer(t)
	all := getFeatures(t, srv.URL+"/collections/desa/items?limit=10000")
	count := func(match func(p map[string]any) bool) int {
		n := 0
		for _, f := range all.Features {
			if match(f.Properties) {
				n++
			}
		}
		return n
	}
	cibeber := 0
	for _, f := range bantenDesa(t).Features {
		if f.Properties.MustString("nama") == "Cibeber" {
			cibeber++
		}
	}
	cases := []struct {
		query string
		want  int
		each  func(p map[string]any) bool
	}{
		{"kabupaten_code=36.72", 43, func(p map[string]any) bool { return p["kabupaten_code"] == "36.72" }},
		{"kabupaten_code=3672", 43, func(p map[string]any) bool { return p["kabupaten"] == "Kota Cilegon" }},
		{"kecamatan_code=36.72.01&kind=kelurahan", -1, func(p map[string]any) bool { return p["kecamatan_code"] == "36.72.01" && p["kind"] == "kelurahan" }},
		{"code=36.72.01.1001", 1, func(p map[string]any) bool { return p["name"] == "Cibeber" }},
		{"name=Cibeber", cibeber, func(p map[string]any) bool { return p["name"] == "Cibeber" }},
		{"category=tinggi", count(func(p map[string]any) bool { return p["category"] == "tinggi" }), func(p map[string]any) bool { return p["category"] == "tinggi" }},
		{"provinsi_code=36", 1552, func(p map[string]any) bool { return p["provinsi"] == "Banten" }},
	}
	for _, c := range cases {
		fc := getFeatures(t, srv.URL+"/collections/desa/items?limit=10000&"+c.query)
		if c.want >= 0 && fc.NumberMatched != c.want {
			t.Errorf("%s: matched %d, want %d", c.query, fc.NumberMatched, c.want)
		}
		if len(fc.Features) == 0 {
			t.Errorf("%s: no features", c.query)
		}
		for _, f := range fc.Features {
			if !c.each(f.Properties) {
				t.Errorf("%s: feature %v does not match", c.query, f.Properties["code"])
				break
			}
		}
	}
	if tinggi := count(func(p map[string]any) bool { return p["category"] == "tinggi" }); tinggi == 0 || tinggi == 1552 {
		t.Errorf("%d of 1,552 desa are tinggi: the category filter test needs some of each", tinggi)
	}
}

func TestSortByOrdersWithTheCodeBreakingTies(t *testing.T) {
	srv := newServer(t)
	fc := getFeatures(t, srv.URL+"/collections/desa/items?limit=10000&sortby=-score,%2Bname&properties=code,name,score")
	if len(fc.Features) != 1552 {
		t.Fatalf("got %d features", len(fc.Features))
	}
	for i := 1; i < len(fc.Features); i++ {
		a, b := fc.Features[i-1].Properties, fc.Features[i].Properties
		sa, _ := a["score"].(json.Number).Float64()
		sb, _ := b["score"].(json.Number).Float64()
		if sa < sb || (sa == sb && a["name"].(string) > b["name"].(string)) ||
			(sa == sb && a["name"] == b["name"] && a["code"].(string) > b["code"].(string)) {
			t.Fatalf("features %d and %d out of order: %v then %v", i-1, i, a, b)
		}
	}
	if got := fc.Features[0].Properties; len(got) != 3 {
		t.Errorf("properties=code,name,score gave %v", got)
	}
}

func TestItemByNumericOrDottedID(t *testing.T) {
	srv := newServer(t)
	numeric := get(t, srv.URL+"/collections/desa/items/3672011001")
	dotted := get(t, srv.URL+"/collections/desa/items/36.72.01.1001")
	if numeric.status != 200 || dotted.status != 200 || string(numeric.body) != string(dotted.body) {
		t.Fatalf("by id %d, by code %d; bodies equal: %v", numeric.status, dotted.status, string(numeric.body) == string(dotted.body))
	}
	var f struct {
		Type       string         `json:"type"`
		ID         int64          `json:"id"`
		Properties map[string]any `json:"properties"`
		Links      []map[string]string
	}
	if err := json.Unmarshal(numeric.body, &f); err != nil {
		t.Fatal(err)
	}
	if f.Type != "Feature" || f.ID != 3672011001 || f.Properties["name"] != "Cibeber" || f.Properties["kabupaten"] != "Kota Cilegon" || len(f.Links) == 0 {
		t.Errorf("got %+v", f)
	}
	if k := get(t, srv.URL+"/collections/kabupaten/items/3672"); k.status != 200 || !strings.Contains(string(k.body), `"Kota Cilegon"`) {
		t.Errorf("kabupaten 3672: %d", k.status)
	}
}

func TestEveryFeatureCarriesEveryPropertyNullsIncluded(t *testing.T) {
	// A database without scores: the score properties must be there, as null.
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	datatest.ImportBanten(t, store)
	unscored := startServer(t, apiHandler(store)).URL
	scored := newServer(t)
	for _, l := range geo.Levels {
		var want []string
		for _, p := range data.Properties(l) {
			want = append(want, p.Name)
		}
		sort.Strings(want)
		for name, srv := range map[string]string{"unscored": unscored, "scored": scored.URL} {
			fc := getFeatures(t, srv+"/collections/"+l.String()+"/items?limit=20")
			for _, f := range fc.Features {
				var got []string
				for k := range f.Properties {
					got = append(got, k)
				}
				sort.Strings(got)
				if !slices.Equal(got, want) {
					t.Fatalf("%s %s: properties %v, want %v", name, l, got, want)
				}
				if name == "unscored" && (f.Properties["score"] != nil || f.Properties["category"] != nil) {
					t.Fatalf("unscored %s has score %v", l, f.Properties["score"])
				}
				if name == "scored" && f.Properties["demo"] != true {
					t.Fatalf("scored %s is not marked demo", l)
				}
			}
			if name == "scored" && !fc.Demo {
				t.Errorf("%s: the collection does not say it carries demo scores", l)
			}
		}
	}
}

func TestNumbersPrintAsTheDataHoldsThem(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/collections/desa/items?limit=10000")
	// Coordinates have 6 decimals in the source, scores 2, areas 3: nothing like 79.71000000000001.
	if m := regexp.MustCompile(`\d\.\d{7,}`).Find(res.body); m != nil {
		t.Errorf("a number prints as %s", m)
	}
	if m := regexp.MustCompile(`"score[a-z_]*" : -?\d+\.\d{3,}`).Find(res.body); m != nil {
		t.Errorf("a score prints as %s", m)
	}
}

func TestGzipAndCORS(t *testing.T) {
	srv := newServer(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/collections/desa/items?limit=50", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Origin", "https://analis.example.org")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("Access-Control-Allow-Origin %q, want *", res.Header.Get("Access-Control-Allow-Origin"))
	}
	gz, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var fc featureCollection
	if err := json.NewDecoder(gz).Decode(&fc); err != nil || len(fc.Features) != 50 {
		t.Errorf("gunzipped body: %d features, %v", len(fc.Features), err)
	}
	io.Copy(io.Discard, gz)
}

func TestLinksAreAbsoluteAndFollowForwardedHeaders(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		headers []string
		prefix  string
	}{
		{nil, srv.URL + "/collections/desa/items?"},
		{[]string{"Forwarded", `for=10.0.0.1;proto=https;host="peta.example.org"`, "X-Forwarded-Prefix", "/petarawan"}, "https://peta.example.org/petarawan/collections/desa/items?"},
		{[]string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "peta.example.org:8443"}, "https://peta.example.org:8443/collections/desa/items?"},
		{[]string{"X-Forwarded-Host", `evil.org"><script>`}, srv.URL + "/collections/desa/items?"},
	}
	for _, c := range cases {
		res := get(t, srv.URL+"/collections/desa/items?limit=10&kabupaten_code=36.01", c.headers...)
		var fc featureCollection
		if err := json.Unmarshal(res.body, &fc); err != nil {
			t.Fatal(err)
		}
		next := fc.link("next")
		if !strings.HasPrefix(next, c.prefix) || !strings.Contains(next, "offset=10") || !strings.Contains(next, "kabupaten_code=36.01") {
			t.Errorf("headers %v: next link %q, want it to start with %q and keep the filter", c.headers, next, c.prefix)
		}
	}
}

func TestLimitAboveTheMaximumIsServedAsTheMaximumAndSaidSo(t *testing.T) {
	srv := newServer(t)
	// However large: a limit beyond any integer type is above the maximum too.
	for _, limit := range []string{"50000", "99999999999999999999"} {
		fc := getFeatures(t, srv.URL+"/collections/desa/items?limit="+limit)
		if fc.NumberReturned != 1552 || len(fc.Notices) != 1 || !strings.Contains(fc.Notices[0], "10000") {
			t.Errorf("limit=%s: %d returned, notices %q", limit, fc.NumberReturned, fc.Notices)
		}
	}
}

func TestOpenAPIDeclaresTheFiltersGDALPushesDown(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/api")
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/vnd.oai.openapi+json") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Get struct {
				Parameters []map[string]any `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range doc.Paths["/collections/desa/items"].Get.Parameters {
		if n, ok := p["name"].(string); ok && p["in"] == "query" {
			names = append(names, n)
		}
	}
	for _, want := range []string{"code", "name", "kind", "category", "kecamatan_code", "kabupaten_code", "provinsi_code"} {
		if !slices.Contains(names, want) {
			t.Errorf("/api does not declare the desa filter %q (declared: %v)", want, names)
		}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
}

func TestOpenAPIDocumentIsValidOpenAPI30(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/api")
	doc, err := openapi3.NewLoader().LoadFromData(res.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Errorf("the OpenAPI document is invalid: %v", err)
	}
}

func TestElectionPhaseIsChosenByNameByDateOrTheLatest(t *testing.T) {
	srv := newServer(t)
	phaseOf := func(query string) string {
		fc := getFeatures(t, srv.URL+"/collections/desa/items?limit=1&"+query)
		return fc.Features[0].Properties["phase"].(string)
	}
	// Pemilu 2024 (DOMAIN.md): kampanye 28 Nov 2023 - 10 Feb 2024; masa tenang 11-13 Feb;
	// pemungutan suara 14 Feb; penghitungan 14-15 Feb; rekapitulasi 15 Feb - 20 Mar.
	cases := map[string]string{
		"":                                     "rekapitulasi",
		"election=pemilu-2024":                 "rekapitulasi",
		"phase=kampanye":                       "kampanye",
		"datetime=2023-11-28":                  "kampanye",
		"datetime=2024-02-12":                  "masa_tenang",
		"datetime=2024-02-14":                  "pemungutan_suara",
		"datetime=2024-03-20":                  "rekapitulasi",
		"datetime=2024-02-13T18:00:00Z":        "pemungutan_suara", // 01:00 WIB on the 14th
		"datetime=2024-02-13T18:00:00%2B07:00": "masa_tenang",
	}
	for query, want := range cases {
		if got := phaseOf(query); got != want {
			t.Errorf("%q: phase %s, want %s", query, got, want)
		}
	}
	// Scores differ between phases: the phase really selects other rows.
	a := getFeatures(t, srv.URL+"/collections/desa/items?code=36.01.01.2001&phase=kampanye")
	b := getFeatures(t, srv.URL+"/collections/desa/items?code=36.01.01.2001&phase=masa_tenang")
	if a.Features[0].Properties["score"] == b.Features[0].Properties["score"] {
		t.Error("kampanye and masa_tenang give the same score")
	}
	for _, bad := range []string{"datetime=2025-06-01", "datetime=2024-02-01/2024-02-20", "datetime=yesterday", "datetime=2024-02-12&phase=kampanye"} {
		res := get(t, srv.URL+"/collections/desa/items?"+bad)
		if res.status != 400 || !strings.Contains(string(res.body), `"parameter":"datetime"`) {
			t.Errorf("%s: %d %s", bad, res.status, res.body)
		}
	}
}

func TestCollectionTemporalExtentSpansTheElectionPhases(t *testing.T) {
	srv := newServer(t)
	var info struct {
		Extent struct {
			Temporal struct {
				Interval [][]string `json:"interval"`
			} `json:"temporal"`
		} `json:"extent"`
	}
	if err := json.Unmarshal(get(t, srv.URL+"/collections/kecamatan").body, &info); err != nil {
		t.Fatal(err)
	}
	// Pemilu 2024 runs from kampanye (28 Nov 2023) to the end of rekapitulasi (20 Mar 2024), WIB.
	want := []string{"2023-11-28T00:00:00+07:00", "2024-03-20T23:59:59+07:00"}
	if len(info.Extent.Temporal.Interval) != 1 || !slices.Equal(info.Extent.Temporal.Interval[0], want) {
		t.Errorf("temporal extent %v, want %v", info.Extent.Temporal.Interval, want)
	}
}
