package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

// found is a /search answer as a client reads it.
type found struct {
	Results []struct {
		Code      string    `json:"code"`
		Name      string    `json:"name"`
		Level     string    `json:"level"`
		Kind      string    `json:"kind"`
		Kecamatan *string   `json:"kecamatan"`
		Kabupaten *string   `json:"kabupaten"`
		Provinsi  *string   `json:"provinsi"`
		BBox      []float64 `json:"bbox"`
		Href      string    `json:"href"`
	} `json:"results"`
}

func (f found) codes() []string {
	codes := []string{}
	for _, r := range f.Results {
		codes = append(codes, r.Code)
	}
	return codes
}

func search(t *testing.T, base, query string) found {
	t.Helper()
	res := get(t, base+"/search?"+query)
	if res.status != 200 {
		t.Fatalf("/search?%s: %d %s", query, res.status, res.body)
	}
	var f found
	if err := json.Unmarshal(res.body, &f); err != nil {
		t.Fatalf("/search?%s: %v", query, err)
	}
	return f
}

// sourceUnit is an admin unit as the bundled Banten files give it: the
// oracle the search is checked against.
type sourceUnit struct {
	code, name, kind               string
	level                          geo.Level
	kecamatan, kabupaten, provinsi string
	bound                          orb.Bound
}

var sourceUnits struct {
	once  sync.Once
	units []sourceUnit
	err   error
}

// bantenUnits reads every unit of the bundled files with orb alone; the
// provinsi, which the import dissolves, is known from its kabupaten.
func bantenUnits(t *testing.T) []sourceUnit {
	t.Helper()
	desa := bantenDesa(t)
	sourceUnits.once.Do(func() {
		read := func(name string) *geojson.FeatureCollection {
			f, err := os.Open(filepath.Join(datatest.RepoRoot(), "testdata", "banten", name+".geojson.gz"))
			if err != nil {
				sourceUnits.err = err
				return nil
			}
			defer f.Close()
			gz, err := gzip.NewReader(f)
			if err != nil {
				sourceUnits.err = err
				return nil
			}
			raw, err := io.ReadAll(gz)
			if err != nil {
				sourceUnits.err = err
				return nil
			}
			fc, err := geojson.UnmarshalFeatureCollection(raw)
			if err != nil {
				sourceUnits.err = err
			}
			return fc
		}
		kabupaten, kecamatan := read("kabupaten"), read("kecamatan")
		if sourceUnits.err != nil {
			return
		}
		provinsi := sourceUnit{code: "36", name: "Banten", kind: "provinsi", level: geo.Provinsi}
		for i, f := range kabupaten.Features {
			code := f.Properties.MustString("kode")
			kind := "kabupaten"
			if strings.HasPrefix(f.Properties.MustString("nama"), "Kota ") {
				kind = "kota"
			}
			sourceUnits.units = append(sourceUnits.units, sourceUnit{code: code, name: f.Properties.MustString("nama"), kind: kind,
				level: geo.Kabupaten, provinsi: "Banten", bound: f.Geometry.Bound()})
			if i == 0 {
				provinsi.bound = f.Geometry.Bound()
			}
			provinsi.bound = provinsi.bound.Union(f.Geometry.Bound())
		}
		sourceUnits.units = append(sourceUnits.units, provinsi)
		for _, f := range kecamatan.Features {
			sourceUnits.units = append(sourceUnits.units, sourceUnit{code: f.Properties.MustString("kode"), name: f.Properties.MustString("nama"),
				kind: "kecamatan", level: geo.Kecamatan, kabupaten: f.Properties.MustString("kabupaten"), provinsi: "Banten", bound: f.Geometry.Bound()})
		}
		for _, f := range desa.Features {
			sourceUnits.units = append(sourceUnits.units, sourceUnit{code: f.Properties.MustString("kode"), name: f.Properties.MustString("nama"),
				kind: f.Properties.MustString("jenis"), level: geo.Desa, kecamatan: f.Properties.MustString("kecamatan"),
				kabupaten: f.Properties.MustString("kabupaten"), provinsi: "Banten", bound: f.Geometry.Bound()})
		}
	})
	if sourceUnits.err != nil {
		t.Fatal(sourceUnits.err)
	}
	return sourceUnits.units
}

// words splits a name as a reader does: lower case, letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// nameMatches tells whether the words of q start consecutive words of name.
func nameMatches(name, q string) bool {
	nw, qw := words(name), words(q)
	for i := range nw {
		if i+len(qw) > len(nw) {
			return false
		}
		ok := true
		for j, w := range qw {
			ok = ok && strings.HasPrefix(nw[i+j], w)
		}
		if ok {
			return true
		}
	}
	return false
}

// expectedSearch lists the codes of the source units matching q by name or
// by code prefix, in the order the API documents: exact matches, coarser
// levels, names starting with q, then by name and code.
func expectedSearch(t *testing.T, q, codePrefix string) []string {
	t.Helper()
	type hit struct {
		unit          sourceUnit
		exact, starts bool
		name          string
	}
	query := strings.Join(words(q), " ")
	var hits []hit
	for _, u := range bantenUnits(t) {
		byCode := codePrefix != "" && strings.HasPrefix(u.code, codePrefix)
		if !byCode && !nameMatches(u.name, q) {
			continue
		}
		name := strings.Join(words(u.name), " ")
		core := name
		if u.level == geo.Kabupaten {
			core = strings.Join(words(u.name)[1:], " ") // without Kabupaten or Kota
		}
		hits = append(hits, hit{unit: u, name: name,
			exact:  name == query || core == query || u.code == codePrefix,
			starts: strings.HasPrefix(core, query) || codePrefix != "" && strings.HasPrefix(u.code, codePrefix)})
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		switch {
		case a.exact != b.exact:
			return a.exact
		case a.unit.level != b.unit.level:
			return a.unit.level < b.unit.level
		case a.starts != b.starts:
			return a.starts
		case a.name != b.name:
			return a.name < b.name
		}
		return a.unit.code < b.unit.code
	})
	codes := []string{}
	for _, h := range hits {
		codes = append(codes, h.unit.code)
	}
	return codes
}

func TestSearchFindsUnitsByTheStartOfAnyWordOfTheirName(t *testing.T) {
	srv := newServer(t)
	units := map[string]sourceUnit{}
	for _, u := range bantenUnits(t) {
		units[u.code] = u
	}
	for _, q := range []string{"cilegon", "Ciwandan", "CIWANDAN", "ciwan", "serang", "kota ser", "kab serang", "tangerang sel",
		"pandeglang", "jaya", "sukamaju", "banten", "pulo"} {
		want := expectedSearch(t, q, "")
		if len(want) == 0 || len(want) > 50 {
			t.Fatalf("%q matches %d source units: pick a query matching 1 to 50", q, len(want))
		}
		got := search(t, srv.URL, url.Values{"q": {q}, "limit": {"50"}}.Encode())
		if !slices.Equal(got.codes(), want) {
			t.Errorf("q=%s: got %v, want %v", q, got.codes(), want)
			continue
		}
		for _, r := range got.Results {
			u := units[r.Code]
			ancestors := []string{u.kecamatan, u.kabupaten, u.provinsi}
			for i, name := range []*string{r.Kecamatan, r.Kabupaten, r.Provinsi} {
				if (name == nil) != (ancestors[i] == "") || name != nil && *name != ancestors[i] {
					t.Errorf("q=%s %s: ancestor %d is %v, want %q", q, r.Code, i, name, ancestors[i])
				}
			}
			b := u.bound
			if r.Name != u.name || r.Level != u.level.String() || r.Kind != u.kind || len(r.BBox) != 4 ||
				!near(r.BBox[0], b.Min[0]) || !near(r.BBox[1], b.Min[1]) || !near(r.BBox[2], b.Max[0]) || !near(r.BBox[3], b.Max[1]) {
				t.Errorf("q=%s: %+v, want %+v", q, r, u)
			}
		}
	}
	// The href is the unit's feature.
	r := search(t, srv.URL, "q=ciwandan").Results[0]
	res := get(t, r.Href)
	var feature struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(res.body, &feature); res.status != 200 || err != nil || feature.Properties["code"] != r.Code {
		t.Errorf("GET %s: %d %s", r.Href, res.status, res.body)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSearchPutsExactMatchesThenCoarserLevelsFirst(t *testing.T) {
	srv := newServer(t)
	cases := map[string][]string{
		// Kabupaten Serang and Kota Serang are named Serang without their kind; then kecamatan Serang.
		"serang": {"36.04", "36.73", "36.73.01"},
		// Kota Cilegon, then its kecamatan Cilegon.
		"cilegon": {"36.72", "36.72.02"},
		// The kecamatan Ciwandan before the desa of the same name.
		"ciwandan": {"36.72.04"},
		// The unit with the code, then its children.
		"36.72": {"36.72", "36.72.01", "36.72.02"},
	}
	for q, first := range cases {
		got := search(t, srv.URL, "q="+q).codes()
		if len(got) < len(first) || !slices.Equal(got[:len(first)], first) {
			t.Errorf("q=%s: %v, want it to start with %v", q, got, first)
		}
	}
}

func TestSearchFindsCodesByPrefixWithOrWithoutDots(t *testing.T) {
	srv := newServer(t)
	cases := []struct{ dotted, undotted, prefix string }{
		{"36", "36", "36"},
		{"36.72", "3672", "36.72"},
		{"36.72.0", "36720", "36.72.0"},
		{"36.72.01", "367201", "36.72.01"},
		{"36.72.01.1", "3672011", "36.72.01.1"},
		{"36.72.01.1001", "3672011001", "36.72.01.1001"},
	}
	for _, c := range cases {
		want := expectedSearch(t, c.dotted, c.prefix)
		if len(want) > 50 {
			want = want[:50]
		}
		for _, q := range []string{c.dotted, c.undotted} {
			got := search(t, srv.URL, "limit=50&q="+q).codes()
			if !slices.Equal(got, want) {
				t.Errorf("q=%s: %v, want %v", q, got, want)
			}
		}
	}
	if got := search(t, srv.URL, "q=99.01").codes(); len(got) != 0 {
		t.Errorf("a code prefix of no unit finds %v", got)
	}
}

func TestSearchIgnoresCaseAndAccents(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	conn := datatest.Conn(t, dbURL)
	// A desa renamed behind the store's back: the search follows.
	if _, err := conn.Exec(context.Background(), `UPDATE admin_unit SET name = 'Citéureup Wétan' WHERE code = '36.72.04.1001'`); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, apiHandler(datatest.Open(t, dbURL)))
	for _, q := range []string{"citeureup", "Citéureup", "CITÉU", "citeu wet", "wetan", "WÉTAN", "Wètan"} {
		got := search(t, srv.URL, url.Values{"q": {q}}.Encode())
		if !slices.Contains(got.codes(), "36.72.04.1001") {
			t.Errorf("q=%s does not find Citéureup Wétan: %v", q, got.codes())
			continue
		}
		if r := got.Results[slices.Index(got.codes(), "36.72.04.1001")]; r.Name != "Citéureup Wétan" {
			t.Errorf("q=%s: name %q", q, r.Name)
		}
	}
	for _, q := range []string{"citeureupx", "eureup"} {
		if got := search(t, srv.URL, "q="+q); slices.Contains(got.codes(), "36.72.04.1001") {
			t.Errorf("q=%s finds Citéureup Wétan", q)
		}
	}
}

func TestSearchLimitBoundsTheResults(t *testing.T) {
	srv := newServer(t)
	all := search(t, srv.URL, "q=su&limit=50").codes()
	if len(all) != 50 || len(expectedSearch(t, "su", "")) <= 50 {
		t.Fatalf("q=su&limit=50 gives %d results; the test needs a query matching more than 50", len(all))
	}
	if got := search(t, srv.URL, "q=su").codes(); !slices.Equal(got, all[:10]) {
		t.Errorf("by default: %v, want the first 10 %v", got, all[:10])
	}
	if got := search(t, srv.URL, "q=su&limit=3").codes(); !slices.Equal(got, all[:3]) {
		t.Errorf("limit=3: %v, want %v", got, all[:3])
	}
	if got := search(t, srv.URL, "q=qqqq"); got.Results == nil || len(got.Results) != 0 {
		t.Errorf("no match: %+v, want an empty list", got)
	}
}

func TestBadSearchesGetAProblemNamingTheParameter(t *testing.T) {
	srv := newServer(t)
	cases := map[string]string{
		"":                                 "q",
		"q=":                               "q",
		"q=%20%20":                         "q",
		"q=!!!":                            "q",
		"q=" + strings.Repeat("a", 101):    "q",
		"q=a&q=b":                          "q",
		"q=serang&limit=0":                 "limit",
		"q=serang&limit=51":                "limit",
		"q=serang&limit=ten":               "limit",
		"q=serang&level=desa":              "level",
		"q=serang&f=csv":                   "f",
		"q=" + url.QueryEscape("' OR 1=1"): "",
	}
	for query, param := range cases {
		res := get(t, srv.URL+"/search?"+query)
		if param == "" {
			if res.status != 200 {
				t.Errorf("%s: %d %s", query, res.status, res.body)
			}
			continue
		}
		if res.status != 400 || res.header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(string(res.body), `"parameter":"`+param+`"`) {
			t.Errorf("%s: %d %s, want a 400 problem naming %s", query, res.status, res.body, param)
		}
	}
}

func TestElectionsListPemilu2024WithItsPhasesInOrder(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/elections")
	var got struct {
		Elections []struct {
			Code      string `json:"code"`
			Name      string `json:"name"`
			VotingDay string `json:"voting_day"`
			Phases    []struct {
				Code     string `json:"code"`
				Name     string `json:"name"`
				StartsOn string `json:"starts_on"`
				EndsOn   string `json:"ends_on"`
			} `json:"phases"`
		} `json:"elections"`
	}
	if err := json.Unmarshal(res.body, &got); res.status != 200 || err != nil || len(got.Elections) == 0 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	e := got.Elections[0]
	if e.Code != "pemilu-2024" || e.VotingDay != "2024-02-14" || e.Name == "" {
		t.Errorf("election %s %q voting on %s", e.Code, e.Name, e.VotingDay)
	}
	// DOMAIN.md: kampanye 28 Nov 2023 - 10 Feb 2024; masa tenang 11-13 Feb; pemungutan suara 14 Feb;
	// penghitungan 14-15 Feb; rekapitulasi 15 Feb - 20 Mar 2024.
	want := [][3]string{
		{"kampanye", "2023-11-28", "2024-02-10"},
		{"masa_tenang", "2024-02-11", "2024-02-13"},
		{"pemungutan_suara", "2024-02-14", "2024-02-14"},
		{"penghitungan", "2024-02-14", "2024-02-15"},
		{"rekapitulasi", "2024-02-15", "2024-03-20"},
	}
	if len(e.Phases) != len(want) {
		t.Fatalf("phases %+v", e.Phases)
	}
	for i, p := range e.Phases {
		if [3]string{p.Code, p.StartsOn, p.EndsOn} != want[i] || p.Name == "" {
			t.Errorf("phase %d: %+v, want %v", i, p, want[i])
		}
	}
	if res := get(t, srv.URL+"/elections?year=2024"); res.status != 400 || !strings.Contains(string(res.body), `"parameter":"year"`) {
		t.Errorf("an unknown parameter: %d %s", res.status, res.body)
	}
}

// getCSV fetches a CSV export and parses it: the header, then the rows.
func getCSV(t *testing.T, url string) ([]string, [][]string, response) {
	t.Helper()
	res := get(t, url)
	if res.status != 200 {
		t.Fatalf("GET %s: %d %s", url, res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("GET %s: Content-Type %q", url, ct)
	}
	records, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("GET %s: %v (%d records)", url, err, len(records))
	}
	return records[0], records[1:], res
}

// shown is a GeoJSON property value as the CSV should show it.
func shown(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprint(v)
}

func TestCSVExportHoldsTheGeoJSONFeaturesAsRows(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		collection string
		props      []data.Property
		query      string
	}{
		{"desa", data.Properties(geo.Desa), "kabupaten_code=36.72&phase=kampanye"},
		{"desa", data.Properties(geo.Desa), "bbox=106.0,-6.1,106.1,-6.0&sortby=-score"},
		{"kecamatan", data.Properties(geo.Kecamatan), "kabupaten_code=3604&category=sedang"},
		{"kabupaten", data.Properties(geo.Kabupaten), ""},
		{"provinsi", data.Properties(geo.Provinsi), "datetime=2024-02-12"},
		{"insiden", data.IncidentProperties(), "kabupaten_code=36.72"},
	}
	for _, c := range cases {
		path := srv.URL + "/collections/" + c.collection + "/items?limit=10000&" + c.query
		fc := getFeatures(t, path)
		header, rows, res := getCSV(t, path+"&f=csv")
		if fc.NumberMatched == 0 || len(rows) != fc.NumberMatched || len(rows) != len(fc.Features) {
			t.Errorf("%s?%s: %d rows, numberMatched %d", c.collection, c.query, len(rows), fc.NumberMatched)
			continue
		}
		if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="`+c.collection+`.csv"` {
			t.Errorf("%s: Content-Disposition %q", c.collection, cd)
		}
		var want []string
		for _, p := range c.props {
			want = append(want, p.Name)
		}
		if !slices.Equal(header, append(want, "lon", "lat")) || len(fc.Features[0].Properties) != len(want) {
			t.Errorf("%s: header %v, want the %d properties of the features then lon, lat", c.collection, header, len(fc.Features[0].Properties))
			continue
		}
		for i, f := range fc.Features {
			row := rows[i]
			for j, name := range want {
				v, ok := f.Properties[name]
				if !ok || row[j] != shown(v) {
					t.Fatalf("%s row %d: %s is %q, GeoJSON %v", c.collection, i, name, row[j], v)
				}
			}
			g, err := geojson.UnmarshalGeometry([]byte(mustJSON(f.Geometry)))
			if err != nil {
				t.Fatal(err)
			}
			lon, lat := parseFloat(t, row[len(row)-2]), parseFloat(t, row[len(row)-1])
			b := g.Geometry().Bound()
			if lon < b.Min[0]-5e-7 || lon > b.Max[0]+5e-7 || lat < b.Min[1]-5e-7 || lat > b.Max[1]+5e-7 {
				t.Errorf("%s %v: lon,lat %v,%v outside the bbox %v", c.collection, f.ID, lon, lat, b)
			}
			if !regexp.MustCompile(`^-?\d+(\.\d{1,6})?$`).MatchString(row[len(row)-1]) {
				t.Errorf("%s: lat %q has more than 6 decimals", c.collection, row[len(row)-1])
			}
		}
	}
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return f
}

func TestCSVPagesFollowTheLinkHeader(t *testing.T) {
	srv := newServer(t)
	next := regexp.MustCompile(`<([^>]+)>; rel="next"`)
	seen := map[string]bool{}
	link, pages := srv.URL+"/collections/desa/items?f=csv&limit=500", 0
	for link != "" {
		header, rows, res := getCSV(t, link)
		pages++
		if header[0] != "code" {
			t.Fatalf("page %d header %v", pages, header)
		}
		for _, r := range rows {
			if seen[r[0]] {
				t.Errorf("%s on two pages", r[0])
			}
			seen[r[0]] = true
		}
		link = ""
		for _, l := range res.header.Values("Link") {
			if m := next.FindStringSubmatch(l); m != nil {
				link = m[1]
			}
		}
		if pages > 4 {
			t.Fatal("the next links do not end")
		}
	}
	// 1,552 desa (shared/data/README.md) in pages of 500.
	if len(seen) != 1552 || pages != 4 {
		t.Errorf("%d desa in %d pages, want 1552 in 4", len(seen), pages)
	}
	header, rows, _ := getCSV(t, srv.URL+"/collections/desa/items?f=csv&properties=code,score,top_threats&code=36.72.04.1001")
	if !slices.Equal(header, []string{"code", "score", "top_threats", "lon", "lat"}) || len(rows) != 1 || rows[0][0] != "36.72.04.1001" {
		t.Errorf("properties=code,score,top_threats: %v %v", header, rows)
	}
}

func TestOpenAPIDocumentsSearchElectionsAndTheCSVExport(t *testing.T) {
	srv := newServer(t)
	doc, err := openapi3.NewLoader().LoadFromData(get(t, srv.URL+"/api").body)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/search", "/elections"} {
		if doc.Paths.Find(path) == nil || doc.Paths.Find(path).Get == nil {
			t.Errorf("/api does not declare GET %s", path)
		}
	}
	if q := doc.Paths.Find("/search").Get.Parameters.GetByInAndName("query", "q"); q == nil || !q.Required {
		t.Errorf("/search does not declare q as required: %+v", q)
	}
	for _, id := range []string{"provinsi", "kabupaten", "kecamatan", "desa", "insiden"} {
		op := doc.Paths.Find("/collections/" + id + "/items").Get
		f := op.Parameters.GetByInAndName("query", "f")
		if f == nil || !slices.Contains(f.Schema.Value.Enum, any("csv")) || op.Responses.Status(200).Value.Content.Get("text/csv") == nil {
			t.Errorf("%s items do not declare f=csv and its text/csv answer", id)
		}
	}
}
