package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uber/h3-go/v4"

	"github.com/petarawan/petarawan/data/datatest"
)

// hotspotResponse is a /hotspots answer as a client reads it.
type hotspotResponse struct {
	Type     string `json:"type"`
	Features []struct {
		ID         string         `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	Method         map[string]any `json:"method"`
	Hot            int            `json:"hot"`
	Cold           int            `json:"cold"`
	Demo           bool           `json:"demo"`
	NumberReturned int            `json:"numberReturned"`
}

func getHotspots(t *testing.T, url string) hotspotResponse {
	t.Helper()
	res := get(t, url)
	if res.status != 200 || res.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("GET %s: %d %s %.300s", url, res.status, res.header.Get("Content-Type"), res.body)
	}
	var out hotspotResponse
	if err := json.Unmarshal(res.body, &out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return out
}

// byID indexes the features' properties by the unit's code or H3 index.
func (r hotspotResponse) byID() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, f := range r.Features {
		id, _ := f.Properties["code"].(string)
		if id == "" {
			id, _ = f.Properties["h3"].(string)
		}
		out[id] = f.Properties
	}
	return out
}

// field is a unit's values and neighbours, read with SQL of the test's own.
type field struct {
	values     map[string]float64
	neighbours map[string][]string
}

// desaField reads the values of the desa matching cond (over admin_unit u and
// risk_score r of the rekapitulasi phase) and their neighbours among them:
// polygons at distance 0 share a point.
func desaField(t *testing.T, conn *pgx.Conn, value, cond string) field {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		WITH a AS (
			SELECT u.code, u.geom, `+value+` AS v FROM admin_unit u
			JOIN risk_score r ON r.unit_code = u.code AND r.election_code = 'pemilu-2024' AND r.phase_code = 'rekapitulasi'
			WHERE u.level = 4 AND `+cond+`)
		SELECT a.code, a.v, coalesce(array_agg(b.code) FILTER (WHERE b.code IS NOT NULL), '{}')
		FROM a LEFT JOIN a b ON b.code <> a.code AND ST_DWithin(a.geom, b.geom, 0)
		GROUP BY a.code, a.v`)
	if err != nil {
		t.Fatal(err)
	}
	f := field{values: map[string]float64{}, neighbours: map[string][]string{}}
	var code string
	var v float64
	var nb []string
	if _, err := pgx.ForEachRow(rows, []any{&code, &v, &nb}, func() error {
		f.values[code], f.neighbours[code] = v, nb
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// giStar is Gi* by the formula of Ord & Getis (1995), binary weights, self
// included; NaN for a unit without neighbours.
func (f field) giStar() map[string]float64 {
	n := float64(len(f.values))
	var mean, ss float64
	for _, v := range f.values {
		mean += v / n
	}
	for _, v := range f.values {
		ss += (v - mean) * (v - mean)
	}
	s := math.Sqrt(ss / n)
	z := map[string]float64{}
	for code, v := range f.values {
		if len(f.neighbours[code]) == 0 {
			z[code] = math.NaN()
			continue
		}
		w := float64(len(f.neighbours[code]) + 1)
		sum := v
		for _, j := range f.neighbours[code] {
			sum += f.values[j]
		}
		z[code] = (sum - mean*w) / (s * math.Sqrt((n*w-w*w)/(n-1)))
	}
	return z
}

// binOf is the confidence bin of z: +-3/2/1 at |z| >= 2.576/1.960/1.645.
func binOf(z float64) float64 {
	for i, limit := range []float64{2.576, 1.960, 1.645} {
		if math.Abs(z) >= limit {
			return math.Copysign(float64(3-i), z)
		}
	}
	return 0
}

// checkGiStar compares the served statistic of every unit with f's.
func checkGiStar(t *testing.T, got hotspotResponse, f field) {
	t.Helper()
	if len(got.Features) != len(f.values) || got.Method["n"] != float64(len(f.values)) {
		t.Fatalf("%d features, n %v; want %d units", len(got.Features), got.Method["n"], len(f.values))
	}
	want := f.giStar()
	hot, cold, islands := 0, 0, 0
	for id, p := range got.byID() {
		if p["value"] != f.values[id] {
			t.Errorf("%s: value %v, want %v", id, p["value"], f.values[id])
		}
		if math.IsNaN(want[id]) {
			islands++
			if p["island"] != true || p["z"] != nil || p["p"] != nil || p["bin"] != 0.0 {
				t.Errorf("%s has no neighbour: %v, want island true, z and p null, bin 0", id, p)
			}
			continue
		}
		z, ok := p["z"].(float64)
		if !ok || math.Abs(z-want[id]) > 1e-9 || p["island"] != false {
			t.Errorf("%s: z %v island %v, want %.10f (by hand), not an island", id, p["z"], p["island"], want[id])
			continue
		}
		if pv := p["p"].(float64); math.Abs(pv-math.Erfc(math.Abs(z)/math.Sqrt2)) > 1e-12 {
			t.Errorf("%s: p %v for z %v, want the two-sided normal p", id, pv, z)
		}
		if p["bin"] != binOf(z) {
			t.Errorf("%s: bin %v for z %v, want %v", id, p["bin"], z, binOf(z))
		}
		hot += boolCount(binOf(z) > 0)
		cold += boolCount(binOf(z) < 0)
	}
	if got.Hot != hot || got.Cold != cold || got.Method["islands"] != float64(islands) {
		t.Errorf("hot %d cold %d islands %v, want %d %d %d", got.Hot, got.Cold, got.Method["islands"], hot, cold, islands)
	}
}

func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestHotspotGiStarMatchesAComputationByHand(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	// Kota Serang (67 desa) on the composite score; the kecamatan Pulo
	// Ampel, whose Pulo Panjang is an island, on a dimension's score.
	got := getHotspots(t, srv.URL+"/hotspots?area=36.73")
	checkGiStar(t, got, desaField(t, conn, "r.score::float8", "u.kabupaten_code = '36.73'"))
	if got.Method["statistic"] != "Getis-Ord Gi*" || got.Method["weights"] != "queen contiguity" || got.Method["unit"] != "desa" ||
		got.Method["value"] != "composite" || got.Method["phase"] != "rekapitulasi" || got.Method["fdr"] != false || !got.Demo {
		t.Errorf("method %v demo %v", got.Method, got.Demo)
	}
	if got.Features[0].Geometry["type"] != "MultiPolygon" {
		t.Errorf("geometry %v, want the desa's MultiPolygon", got.Features[0].Geometry["type"])
	}
	island := getHotspots(t, srv.URL+"/hotspots?area=360408&value=contestation")
	f := desaField(t, conn, "r.score_contestation::float8", "u.kecamatan_code = '36.04.08'")
	if len(f.neighbours["36.04.08.2009"]) != 0 {
		t.Fatalf("Pulo Panjang has neighbours %v", f.neighbours["36.04.08.2009"])
	}
	checkGiStar(t, island, f)
}

func TestHotspotOfIncidentCountsMatchesAComputationByHand(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	f := desaField(t, conn, `(SELECT count(*) FROM incident i WHERE i.unit_code = u.code
		AND i.election_code = 'pemilu-2024' AND i.phase_code = 'kampanye')::float8`, "u.kabupaten_code = '36.72'")
	total := 0.0
	for _, v := range f.values {
		total += v
	}
	if total == 0 {
		t.Fatal("no incidents in Kota Cilegon during kampanye: nothing to count")
	}
	checkGiStar(t, getHotspots(t, srv.URL+"/hotspots?area=36.72&value=incidents&phase=kampanye"), f)
}

func TestHotspotAreaIsACodeABoxOrAPolygon(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	codes := func(query string) []string {
		var out []string
		for _, f := range getHotspots(t, srv.URL+"/hotspots?"+query).Features {
			out = append(out, f.Properties["code"].(string))
		}
		return out
	}
	sqlCodes := func(cond string, args ...any) []string {
		rows, err := conn.Query(context.Background(), `SELECT code FROM admin_unit WHERE level = 4 AND `+cond+` ORDER BY code`, args...)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// A kecamatan with and without dots: its desa by their codes.
	want := sqlCodes(`code LIKE '36.72.01.%'`)
	for _, area := range []string{"36.72.01", "367201"} {
		if got := codes("area=" + area); len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("area=%s: %v, want %v", area, got, want)
		}
	}
	// A box: the desa whose polygon meets its rectangle.
	box := "POLYGON((106.10 -6.20, 106.20 -6.20, 106.20 -6.10, 106.10 -6.10, 106.10 -6.20))"
	want = sqlCodes(`ST_Intersects(geom, ST_GeomFromText($1, 4326))`, box)
	if got := codes("bbox=106.10,-6.20,106.20,-6.10"); len(want) < 10 || !slices.Equal(got, want) {
		t.Errorf("bbox: %d desa, want %d", len(got), len(want))
	}
	// A triangle as WKT and as GeoJSON, and two triangles as a MultiPolygon.
	triangle := "POLYGON((106.0 -6.3, 106.3 -6.3, 106.15 -6.05, 106.0 -6.3))"
	want = sqlCodes(`ST_Intersects(geom, ST_GeomFromText($1, 4326))`, triangle)
	geoJSON := `{"type":"Polygon","coordinates":[[[106.0,-6.3],[106.3,-6.3],[106.15,-6.05],[106.0,-6.3]]]}`
	for _, polygon := range []string{triangle, geoJSON} {
		if got := codes("polygon=" + url.QueryEscape(polygon)); len(want) < 10 || !slices.Equal(got, want) {
			t.Errorf("polygon %s: %d desa, want %d", polygon, len(got), len(want))
		}
	}
	two := "MULTIPOLYGON(((106.0 -6.3, 106.3 -6.3, 106.15 -6.05, 106.0 -6.3)), ((105.9 -6.9, 106.0 -6.9, 106.0 -6.8, 105.9 -6.9)))"
	want = sqlCodes(`ST_Intersects(geom, ST_GeomFromText($1, 4326))`, two)
	if got := codes("polygon=" + url.QueryEscape(two)); !slices.Equal(got, want) {
		t.Errorf("multipolygon: %d desa, want %d", len(got), len(want))
	}
	// An area with no desa (the sea) is an empty analysis, not an error.
	if got := getHotspots(t, srv.URL+"/hotspots?bbox=104,-8,104.1,-7.9"); len(got.Features) != 0 || got.Method["n"] != 0.0 {
		t.Errorf("a box at sea: %d features, n %v", len(got.Features), got.Method["n"])
	}
}

func TestHotspotLocalMoranMatchesAComputationByHandAndItsSeed(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	moran := func(area string, seed int) hotspotResponse {
		return getHotspots(t, fmt.Sprintf("%s/hotspots?area=%s&method=moran&permutations=199&seed=%d", srv.URL, area, seed))
	}
	// Kota Serang, and Pulo Ampel with its island.
	for area, cond := range map[string]string{"36.73": "u.kabupaten_code = '36.73'", "36.04.08": "u.kecamatan_code = '36.04.08'"} {
		f := desaField(t, conn, "r.score::float8", cond)
		got := moran(area, 7)
		n := float64(len(f.values))
		var mean, m2 float64
		for _, v := range f.values {
			mean += v / n
		}
		for _, v := range f.values {
			m2 += (v - mean) * (v - mean) / n
		}
		props := got.byID()
		if len(props) != len(f.values) {
			t.Fatalf("%s: %d units, want %d", area, len(props), len(f.values))
		}
		islands := 0
		for code, v := range f.values {
			p := props[code]
			nb := f.neighbours[code]
			if len(nb) == 0 {
				islands++
				if p["i"] != nil || p["p"] != nil || p["quadrant"] != nil || p["island"] != true {
					t.Errorf("%s is an island: %v", code, p)
				}
				continue
			}
			lag := 0.0
			for _, j := range nb {
				lag += (f.values[j] - mean) / float64(len(nb))
			}
			quadrant := map[[2]bool]string{{true, true}: "HH", {false, true}: "LH", {false, false}: "LL", {true, false}: "HL"}[[2]bool{v > mean, lag > 0}]
			want := (v - mean) * lag / m2
			pv, _ := p["p"].(float64)
			if i, _ := p["i"].(float64); math.Abs(i-want) > 1e-9 || p["quadrant"] != quadrant || pv <= 0 || pv > 1 {
				t.Errorf("%s: i %v quadrant %v p %v, want i %v quadrant %s, p in (0, 1]", code, p["i"], p["quadrant"], p["p"], want, quadrant)
			}
			// With 199 permutations p is a multiple of 1/200.
			if k := pv * 200; math.Abs(k-math.Round(k)) > 1e-9 {
				t.Errorf("%s: p %v is not k/200", code, pv)
			}
		}
		if got.Method["statistic"] != "Local Moran's I" || got.Method["permutations"] != 199.0 || got.Method["seed"] != 7.0 ||
			got.Method["islands"] != float64(islands) {
			t.Errorf("%s: method %v, want %d islands", area, got.Method, islands)
		}
	}
	got, again, other := moran("36.73", 7), moran("36.73", 7), moran("36.73", 8)
	same, differ := true, false
	for i, f := range got.Features {
		same = same && f.Properties["p"] == again.Features[i].Properties["p"]
		differ = differ || f.Properties["p"] != other.Features[i].Properties["p"]
	}
	if !same || !differ {
		t.Errorf("p-values: the same seed repeats them %v, another seed changes some %v", same, differ)
	}
}

func TestHotspotFDRKeepsOrLowersEachBin(t *testing.T) {
	srv := newServer(t)
	plain := getHotspots(t, srv.URL+"/hotspots?area=36")
	fdr := getHotspots(t, srv.URL+"/hotspots?area=36&fdr=true")
	hot, cold, lowered := 0, 0, 0
	for i, f := range fdr.Features {
		bin, binFDR := f.Properties["bin"].(float64), f.Properties["bin_fdr"].(float64)
		if bin != plain.Features[i].Properties["bin"] || math.Abs(binFDR) > math.Abs(bin) || binFDR*bin < 0 {
			t.Errorf("%s: bin %v, bin_fdr %v: want the bin unchanged and bin_fdr no stronger, same sign", f.ID, bin, binFDR)
		}
		hot += boolCount(binFDR > 0)
		cold += boolCount(binFDR < 0)
		lowered += boolCount(binFDR != bin)
	}
	if fdr.Hot != hot || fdr.Cold != cold || fdr.Method["fdr"] != true {
		t.Errorf("hot %d cold %d fdr %v, want %d %d true", fdr.Hot, fdr.Cold, fdr.Method["fdr"], hot, cold)
	}
	if lowered == 0 || fdr.Hot >= plain.Hot {
		t.Errorf("the correction lowered %d bins (hot %d of %d): want some", lowered, fdr.Hot, plain.Hot)
	}
	if _, ok := plain.Features[0].Properties["bin_fdr"]; ok {
		t.Error("bin_fdr without fdr=true")
	}
}

func TestHotspotRefusesBadParameters(t *testing.T) {
	srv := newServer(t)
	bowtie := "POLYGON((106 -6.3, 106.3 -6.05, 106.3 -6.3, 106 -6.05, 106 -6.3))"
	var big strings.Builder
	big.WriteString("POLYGON((106 -6.3")
	for i := range 10_001 {
		fmt.Fprintf(&big, ", %.6f -6.2", 106+float64(i)*1e-5)
	}
	big.WriteString(", 106 -6.3))")
	for query, param := range map[string]string{
		"":                                           "area",
		"area=36&bbox=106,-6.3,106.2,-6.1":           "bbox",
		"area=36&colour=red":                         "colour",
		"area=36&area=36.01":                         "area",
		"area=3x":                                    "area",
		"area=99":                                    "area",
		"bbox=106,-6.3":                              "bbox",
		"area=36&unit=kecamatan":                     "unit",
		"area=36&res=8":                              "res",
		"area=36&unit=h3&res=4":                      "res",
		"area=36&unit=h3&res=10":                     "res",
		"area=36&unit=h3&k=0":                        "k",
		"area=36&unit=h3&k=6":                        "k",
		"area=36&value=voters":                       "value",
		"area=36&method=kriging":                     "method",
		"area=36&fdr=maybe":                          "fdr",
		"area=36&method=moran&fdr=true":              "fdr",
		"area=36&permutations=99":                    "permutations",
		"area=36&method=moran&permutations=9":        "permutations",
		"area=36&method=moran&seed=-1":               "seed",
		"area=36&phase=kampanye&datetime=2024-02-12": "datetime",
		"polygon=" + url.QueryEscape(`{"type":"Point","coordinates":[106,-6]}`):     "polygon",
		"polygon=" + url.QueryEscape(`{"type":"Polygon","coordinates":[[[106,-6]`):  "polygon",
		"polygon=" + url.QueryEscape("POLYGON((106 -6, 107 -6, 107 -7))"):           "polygon",
		"polygon=" + url.QueryEscape("POLYGON((106 -6, 107 -6, 107 -7, 106 -6.5))"): "polygon",
		"polygon=" + url.QueryEscape("POLYGON((106 -6, 190 -6, 107 -7, 106 -6))"):   "polygon",
		"polygon=" + url.QueryEscape("LINESTRING(106 -6, 107 -6)"):                  "polygon",
		"polygon=" + url.QueryEscape("a circle round Serang"):                       "polygon",
		"polygon=" + url.QueryEscape(bowtie):                                        "polygon",
		"polygon=" + url.QueryEscape(big.String()):                                  "polygon",
	} {
		res := get(t, srv.URL+"/hotspots?"+query)
		var p struct{ Parameter string }
		json.Unmarshal(res.body, &p)
		if res.status != 400 || res.header.Get("Content-Type") != "application/problem+json" || p.Parameter != param {
			t.Errorf("%.80s: %d %s, want a 400 problem naming %s", query, res.status, res.body, param)
		}
	}
	// The bow-tie's reason comes from PostGIS.
	res := get(t, srv.URL+"/hotspots?polygon="+url.QueryEscape(bowtie))
	if !strings.Contains(string(res.body), "Self-intersection") {
		t.Errorf("bow-tie: %s, want the reason", res.body)
	}
}

func TestHotspotOverH3Cells(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	if n := queryCount(t, conn, `SELECT count(*) FROM h3_score`); n == 0 {
		t.Skip("h3_score is empty in the test database")
	}
	// The cells overlapping Kota Serang's desa, their scores, and neighbours
	// within two grid steps by h3's grid distance.
	rows, err := conn.Query(context.Background(), `
		SELECT s.cell, s.score::float8 FROM h3_score s
		WHERE s.election_code = 'pemilu-2024' AND s.phase_code = 'rekapitulasi' AND s.res = 8
		  AND EXISTS (SELECT 1 FROM h3_desa d WHERE d.res = 8 AND d.cell = s.cell AND d.desa_code LIKE '36.73.%')`)
	if err != nil {
		t.Fatal(err)
	}
	f := field{values: map[string]float64{}, neighbours: map[string][]string{}}
	var cells []h3.Cell
	var cell int64
	var v float64
	if _, err := pgx.ForEachRow(rows, []any{&cell, &v}, func() error {
		f.values[h3.Cell(cell).String()] = v
		cells = append(cells, h3.Cell(cell))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, a := range cells {
		for _, b := range cells {
			if d := a.GridDistance(b); a != b && d >= 0 && d <= 2 {
				f.neighbours[a.String()] = append(f.neighbours[a.String()], b.String())
			}
		}
	}
	got := getHotspots(t, srv.URL+"/hotspots?area=36.73&unit=h3")
	checkGiStar(t, got, f)
	if got.Method["weights"] != "k-ring k=2" || got.Method["k"] != 2.0 || got.Method["res"] != 8.0 || got.Method["unit"] != "h3" ||
		!strings.Contains(got.Method["description"].(string), "share values") {
		t.Errorf("method %v", got.Method)
	}
	if got.Features[0].Geometry["type"] != "Polygon" || got.Features[0].ID != got.Features[0].Properties["h3"] {
		t.Errorf("feature %s: geometry %v, properties %v", got.Features[0].ID, got.Features[0].Geometry["type"], got.Features[0].Properties)
	}

	// A dimension per cell: the mean of its desa's, weighted by their overlap with it.
	rows, err = conn.Query(context.Background(), `
		SELECT to_hex(d.cell), d.overlap_m2, r.score_participation::float8 FROM h3_desa d
		JOIN risk_score r ON r.unit_code = d.desa_code AND r.election_code = 'pemilu-2024' AND r.phase_code = 'rekapitulasi'
		WHERE d.res = 8`)
	if err != nil {
		t.Fatal(err)
	}
	weighted, overlap := map[string]float64{}, map[string]float64{}
	var id string
	var m2, score float64
	if _, err := pgx.ForEachRow(rows, []any{&id, &m2, &score}, func() error {
		weighted[id] += m2 * score
		overlap[id] += m2
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	participation := getHotspots(t, srv.URL+"/hotspots?area=36.73&unit=h3&value=participation")
	if len(participation.Features) != len(f.values) {
		t.Errorf("participation: %d cells, want %d", len(participation.Features), len(f.values))
	}
	for id, p := range participation.byID() {
		if want := math.Round(weighted[id]/overlap[id]*100) / 100; p["value"] != want {
			t.Errorf("cell %s: participation %v, want %v", id, p["value"], want)
		}
	}

	// Incidents per cell of Kabupaten Serang at res 7, k=1: each counted in the hexagon holding it.
	incidents := getHotspots(t, srv.URL+"/hotspots?area=36.04&unit=h3&res=7&k=1&value=incidents&phase=kampanye")
	rows, err = conn.Query(context.Background(), `
		SELECT to_hex(c.cell), count(i.id) FROM h3_cell c
		JOIN h3_score s ON s.res = c.res AND s.cell = c.cell AND s.election_code = 'pemilu-2024' AND s.phase_code = 'kampanye'
		LEFT JOIN incident i ON ST_Intersects(c.geom, i.geom) AND i.election_code = 'pemilu-2024' AND i.phase_code = 'kampanye'
		WHERE c.res = 7 AND EXISTS (SELECT 1 FROM h3_desa d WHERE d.res = 7 AND d.cell = c.cell AND d.desa_code LIKE '36.04.%')
		GROUP BY c.cell`)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var n float64
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { counts[id] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	props, total := incidents.byID(), 0.0
	for id, n := range counts {
		if props[id]["value"] != n {
			t.Errorf("cell %s: %v incidents, want %v", id, props[id]["value"], n)
		}
		total += n
	}
	if len(props) != len(counts) || total < 50 || strings.Contains(incidents.Method["description"].(string), "share values") {
		t.Errorf("%d cells (want %d), %v incidents; the caveat on shared values is for scores only", len(props), len(counts), total)
	}

	// A box: the scored cells whose hexagon meets its rectangle, in index order.
	rows, err = conn.Query(context.Background(), `
		SELECT to_hex(c.cell) FROM h3_cell c
		JOIN h3_score s ON s.res = c.res AND s.cell = c.cell AND s.election_code = 'pemilu-2024' AND s.phase_code = 'rekapitulasi'
		WHERE c.res = 7 AND ST_Intersects(c.geom, ST_GeomFromText('POLYGON((106.1 -6.2, 106.2 -6.2, 106.2 -6.1, 106.1 -6.1, 106.1 -6.2))', 4326))
		ORDER BY c.cell`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var inBox []string
	for _, f := range getHotspots(t, srv.URL+"/hotspots?bbox=106.1,-6.2,106.2,-6.1&unit=h3&res=7").Features {
		inBox = append(inBox, f.ID)
	}
	if len(want) < 10 || !slices.Equal(inBox, want) {
		t.Errorf("bbox at res 7: cells %v, want %v", inBox, want)
	}

	// All of Banten at res 9 is too many cells.
	res := get(t, srv.URL+"/hotspots?area=36&unit=h3&res=9")
	if res.status != 400 || !strings.Contains(string(res.body), "20000") || !strings.Contains(string(res.body), `"parameter":"area"`) {
		t.Errorf("Banten at res 9: %d %s, want a 400 naming the limit", res.status, res.body)
	}
}

func TestAreaSummaryCountsDesaTPSAndHotspots(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	var sum struct {
		Code, Name, Level, Kind, Election, Phase string
		Desa, TPS                                map[string]int
		Voters                                   map[string]any
		Top                                      []struct {
			Code, Name, Kecamatan, Category string
			Score                           float64
			TopThreats                      []string `json:"top_threats"`
		}
		Hotspots map[string]any
		Demo     bool
	}
	res := get(t, srv.URL+"/areas/3602/summary?phase=kampanye&top=5")
	if res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if err := json.Unmarshal(res.body, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Code != "36.02" || sum.Name != "Kabupaten Lebak" || sum.Level != "kabupaten" || sum.Phase != "kampanye" || !sum.Demo {
		t.Errorf("unit %s %s %s phase %s demo %v", sum.Code, sum.Name, sum.Level, sum.Phase, sum.Demo)
	}
	for _, c := range []string{"rendah", "sedang", "tinggi"} {
		desa := queryCount(t, conn, `SELECT count(*) FROM admin_unit u JOIN risk_score r ON r.unit_code = u.code
			WHERE u.code LIKE '36.02.%' AND u.level = 4 AND r.phase_code = 'kampanye' AND r.category = $1`, c)
		tps := queryCount(t, conn, `SELECT coalesce(sum(u.tps_count), 0) FROM admin_unit u JOIN risk_score r ON r.unit_code = u.code
			WHERE u.code LIKE '36.02.%' AND u.level = 4 AND r.phase_code = 'kampanye' AND r.category = $1`, c)
		if sum.Desa[c] != desa || sum.TPS[c] != tps {
			t.Errorf("%s: %d desa, %d TPS; want %d, %d", c, sum.Desa[c], sum.TPS[c], desa, tps)
		}
		if v, ok := sum.Voters[c]; !ok || v != nil {
			t.Errorf("voters %s = %v, want null", c, v)
		}
	}
	if total := queryCount(t, conn, `SELECT count(*) FROM admin_unit WHERE code LIKE '36.02.%' AND level = 4`); sum.Desa["total"] != total {
		t.Errorf("%d desa in all, want %d", sum.Desa["total"], total)
	}
	if note, _ := sum.Voters["note"].(string); !strings.Contains(note, "no voter counts") {
		t.Errorf("voters note %q", note)
	}
	rows, err := conn.Query(context.Background(), `SELECT u.code FROM admin_unit u JOIN risk_score r ON r.unit_code = u.code
		WHERE u.code LIKE '36.02.%' AND u.level = 4 AND r.phase_code = 'kampanye' ORDER BY r.score DESC, u.code LIMIT 5`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, d := range sum.Top {
		top = append(top, d.Code)
		if d.Name == "" || d.Kecamatan == "" || d.Category == "" || len(d.TopThreats) == 0 {
			t.Errorf("top desa %+v lacks a name, kecamatan, category or threats", d)
		}
	}
	if !slices.Equal(top, want) {
		t.Errorf("top 5 %v, want %v", top, want)
	}
	// The hot spots are those of /hotspots over the same desa.
	hs := getHotspots(t, srv.URL+"/hotspots?area=36.02&phase=kampanye")
	hot95 := 0
	for _, f := range hs.Features {
		hot95 += boolCount(f.Properties["bin"].(float64) >= 2)
	}
	if sum.Hotspots["hot"] != float64(hs.Hot) || sum.Hotspots["hot_95"] != float64(hot95) || hs.Hot == 0 {
		t.Errorf("hotspots %v, want hot %d, hot_95 %d", sum.Hotspots, hs.Hot, hot95)
	}

	for path, status := range map[string]int{
		"/areas/36.99/summary":         404,
		"/areas/banten/summary":        404,
		"/areas/36/summary?top=0":      400,
		"/areas/36/summary?top=101":    400,
		"/areas/36/summary?limit=5":    400,
		"/areas/36/summary?phase=x":    400,
		"/areas/36.72.01.1001/summary": 200,
	} {
		if res := get(t, srv.URL+path); res.status != status {
			t.Errorf("%s: %d %s, want %d", path, res.status, res.body, status)
		}
	}
}

func TestHotspotEndpointsAreDocumentedInTheOpenAPIDocument(t *testing.T) {
	srv := newServer(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []map[string]any
		}
	}
	if err := json.Unmarshal(get(t, srv.URL+"/api").body, &doc); err != nil {
		t.Fatal(err)
	}
	names := func(path string) []string {
		var out []string
		for _, p := range doc.Paths[path]["get"].Parameters {
			if name, ok := p["name"].(string); ok {
				out = append(out, name)
			} else if ref, ok := p["$ref"].(string); ok {
				out = append(out, ref[strings.LastIndex(ref, "/")+1:])
			}
		}
		return out
	}
	for path, want := range map[string][]string{
		"/hotspots":             {"area", "bbox", "polygon", "unit", "res", "k", "value", "method", "fdr", "permutations", "seed", "election", "phase", "datetime"},
		"/areas/{code}/summary": {"code", "top", "election", "phase", "datetime"},
	} {
		if got := names(path); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%s declares %v, want %v", path, got, want)
		}
	}
}
