package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

const incidentsPath = "/collections/insiden/items"

// incidentFixture is a private Banten database served over HTTP, with an editor token.
type incidentFixture struct {
	url, token string
	conn       *pgx.Conn
}

func newIncidentFixture(t *testing.T) *incidentFixture {
	t.Helper()
	dbURL := datatest.BantenCopy(t)
	store := datatest.OpenServing(t, dbURL)
	return &incidentFixture{url: startServer(t, apiHandler(store)).URL, token: newToken(t, store, "polres-serang", data.Editor), conn: datatest.Conn(t, dbURL)}
}

func (f *incidentFixture) post(t *testing.T, contentType, body string) response {
	t.Helper()
	return send(t, http.MethodPost, f.url+incidentsPath, contentType, body, bearer(f.token)...)
}

func (f *incidentFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	return queryCount(t, f.conn, sql, args...)
}

func queryCount(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// incidentFeatureJSON is a GeoJSON incident Feature.
func incidentFeatureJSON(lon, lat float64, props map[string]any) string {
	b, _ := json.Marshal(map[string]any{"type": "Feature", "properties": props,
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}})
	return string(b)
}

// problemFields lists a 422's problems as "item:field" (the line instead of the item for CSV).
func problemFields(t *testing.T, res response) []string {
	t.Helper()
	var p struct {
		Problems []struct {
			Item, Line int
			Field      string
		}
	}
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, q := range p.Problems {
		at := q.Item
		if q.Line > 0 {
			at = q.Line
		}
		out = append(out, fmt.Sprintf("%d:%s", at, q.Field))
	}
	return out
}

func TestAnIncidentRaisesItsDesaScoreByItsIndicatorsShareAndItsKecamatanWithIt(t *testing.T) {
	f := newIncidentFixture(t)
	ctx := context.Background()
	// A desa with TPS and no konflik_massa incident in kampanye, and a point inside it alone.
	var desa, kecamatan string
	var lon, lat float64
	err := f.conn.QueryRow(ctx, `
		SELECT u.code, u.kecamatan_code, ST_X(p), ST_Y(p) FROM admin_unit u, ST_PointOnSurface(u.geom) p
		WHERE u.level = 4 AND u.tps_count > 0
		  AND NOT EXISTS (SELECT FROM incident i WHERE i.unit_code = u.code AND i.phase_code = 'kampanye' AND i.type = 'konflik_massa')
		  AND (SELECT count(*) FROM admin_unit o WHERE o.level = 4 AND ST_Covers(o.geom, p)) = 1
		ORDER BY u.code LIMIT 1`).Scan(&desa, &kecamatan, &lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	// From the catalogue: one incident moves the count indicator of its type
	// from 0 to (1 - ref_min) / (ref_max - ref_min); its dimension rises by
	// 100 x that x its weight / the dimension's weights (all in kampanye),
	// and the composite by that x the dimension's weight / all dimension weights.
	var dimension string
	var dimRise, share float64
	err = f.conn.QueryRow(ctx, `
		SELECT i.dimension,
		       100 * coalesce(w.weight, i.weight) * (1 - i.ref_min) / (i.ref_max - i.ref_min)
		           / (SELECT sum(coalesce(w2.weight, i2.weight)) FROM indicator i2
		              LEFT JOIN indicator_phase_weight w2 ON w2.indicator_code = i2.code AND w2.phase_code = 'kampanye'
		              WHERE i2.dimension = i.dimension),
		       d.weight / (SELECT sum(weight) FROM dimension)
		FROM indicator i JOIN dimension d ON d.code = i.dimension
		LEFT JOIN indicator_phase_weight w ON w.indicator_code = i.code AND w.phase_code = 'kampanye'
		WHERE i.incident_type = 'konflik_massa' AND i.normalization = 'none' AND i.ref_max >= 1`).Scan(&dimension, &dimRise, &share)
	if err != nil {
		t.Fatal(err)
	}
	desaURL := f.url + "/collections/desa/items/" + desa + "?phase=kampanye"
	kecURL := f.url + "/collections/kecamatan/items/" + kecamatan + "?phase=kampanye"
	before, kecBefore := properties(t, desaURL), properties(t, kecURL)

	res := f.post(t, "application/geo+json", incidentFeatureJSON(lon, lat, map[string]any{
		"type": "konflik_massa", "occurred_at": "2024-01-15T10:30:00+07:00", "source": "polres", "description": "Bentrok warga"}))
	if res.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", res.status, res.body)
	}

	after, kecAfter := properties(t, desaURL), properties(t, kecURL)
	dim := "score_" + dimension
	// Each stored score is rounded to 2 decimals: a difference of two is off by up to 0.01.
	if got := after[dim].(float64) - before[dim].(float64); math.Abs(got-dimRise) > 0.0101 {
		t.Errorf("desa %s: %s rose by %.4f, want %.4f", desa, dim, got, dimRise)
	}
	if got := after["score"].(float64) - before["score"].(float64); math.Abs(got-dimRise*share) > 0.0101 {
		t.Errorf("desa %s: score rose by %.4f, want %.4f", desa, got, dimRise*share)
	}
	if kecAfter["score"].(float64) <= kecBefore["score"].(float64) {
		t.Errorf("kecamatan %s: score %v before, %v after; want a rise", kecamatan, kecBefore["score"], kecAfter["score"])
	}
	var mean float64
	err = f.conn.QueryRow(ctx, `
		SELECT sum(r.score * u.tps_count) / sum(u.tps_count) FROM risk_score r JOIN admin_unit u ON u.code = r.unit_code
		WHERE u.level = 4 AND u.kecamatan_code = $1 AND r.election_code = 'pemilu-2024' AND r.phase_code = 'kampanye'`, kecamatan).Scan(&mean)
	if err != nil {
		t.Fatal(err)
	}
	if got := kecAfter["score"].(float64); math.Abs(got-mean) > 0.0051 {
		t.Errorf("kecamatan %s scores %.2f, want the TPS-weighted mean of its desa %.4f", kecamatan, got, mean)
	}
}

func TestAPostedFeatureAnswersCreatedWithItsLocation(t *testing.T) {
	f := newIncidentFixture(t)
	body := incidentFeatureJSON(106.1, -6.1, map[string]any{"type": "politik_uang", "occurred_at": "2024-02-12T21:15:00+07:00",
		"source": "bawaslu", "description": "Pembagian amplop menjelang pemungutan suara", "phase": nil})
	res := f.post(t, "application/geo+json; charset=utf-8", body)
	if res.status != http.StatusCreated || res.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("POST: %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	location := res.header.Get("Location")
	var created struct {
		ID         json.Number
		Properties map[string]any
		Links      []struct{ Href, Rel string }
	}
	if err := json.Unmarshal(res.body, &created); err != nil {
		t.Fatal(err)
	}
	if want := f.url + incidentsPath + "/" + created.ID.String(); location != want || created.Links[0].Href != want || created.Links[0].Rel != "self" {
		t.Errorf("Location %q, self link %v; want %s", location, created.Links, want)
	}
	var desa string
	if err := f.conn.QueryRow(context.Background(), `SELECT min(code) FROM admin_unit WHERE level = 4 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(106.1, -6.1), 4326))`).Scan(&desa); err != nil {
		t.Fatal(err)
	}
	p := created.Properties
	if p["desa_code"] != desa || p["phase"] != "masa_tenang" || p["type"] != "politik_uang" || p["source"] != "bawaslu" || p["demo"] != false ||
		p["occurred_at"] != "2024-02-12T21:15:00+07:00" || p["type_name"] != "Politik uang" {
		t.Errorf("created %v; want politik_uang in %s in masa_tenang", p, desa)
	}
	got := get(t, location)
	var read struct{ Properties map[string]any }
	if err := json.Unmarshal(got.body, &read); err != nil || got.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", location, got.status, got.body)
	}
	if fmt.Sprint(read.Properties) != fmt.Sprint(p) {
		t.Errorf("GET %s: %v, want what the POST answered: %v", location, read.Properties, p)
	}
	// The page holding only this incident says it is no demo data.
	fc := getFeatures(t, f.url+incidentsPath+"?datetime=2024-02-12T21:15:00%2B07:00&type=politik_uang")
	if fc.NumberMatched != 1 || fc.Demo || fc.Features[0].ID.String() != created.ID.String() {
		t.Errorf("the incident's instant matched %d (demo %v)", fc.NumberMatched, fc.Demo)
	}
}

func TestACSVBatchIsRecordedInOrderOrRefusedWholeByLine(t *testing.T) {
	f := newIncidentFixture(t)
	good := "type,occurred_at,lon,lat,description,source,phase\n" +
		"bentrok_pendukung,2024-01-20T16:00:00+07:00,106.15,-6.12,\"Bentrok, dua kubu\",polres,\n" +
		"gangguan_tps,2024-02-14T11:00:00+07:00,106.05,-6.02,,kpu,penghitungan\n" +
		"unjuk_rasa,2024-02-16T09:00:00Z,106.0,-6.3,Demo di kantor KPU,media,\n"
	res := f.post(t, "text/csv", good)
	if res.status != http.StatusCreated {
		t.Fatalf("POST CSV: %d %s", res.status, res.body)
	}
	var fc featureCollection
	if err := json.Unmarshal(res.body, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || fc.NumberReturned != 3 || len(fc.Features) != 3 || res.header.Get("Location") != "" {
		t.Fatalf("answer: %s", res.body)
	}
	wantPhase := []string{"kampanye", "penghitungan", "rekapitulasi"}
	points := [][2]float64{{106.15, -6.12}, {106.05, -6.02}, {106.0, -6.3}}
	for i, feat := range fc.Features {
		var desa string
		err := f.conn.QueryRow(context.Background(), `SELECT min(code) FROM admin_unit WHERE level = 4 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`,
			points[i][0], points[i][1]).Scan(&desa)
		if err != nil {
			t.Fatal(err)
		}
		if feat.Properties["desa_code"] != desa || feat.Properties["phase"] != wantPhase[i] {
			t.Errorf("line %d: desa %v phase %v, want %s %s", i+2, feat.Properties["desa_code"], feat.Properties["phase"], desa, wantPhase[i])
		}
	}

	before := f.count(t, `SELECT count(*) FROM incident`)
	bad := "type,occurred_at,lon,lat,source\n" +
		"bentrok_pendukung,2024-01-20T16:00:00+07:00,106.15,-6.12,polres\n" +
		"kerusuhan,2024-01-20T16:00:00+07:00,106.15,-6.12,polres\n" +
		"bentrok_pendukung,2024-01-20T16:00:00,106.15,-6.12,polres\n" +
		"bentrok_pendukung,2024-01-20T16:00:00+07:00,105.0,-6.5,polres\n" +
		"bentrok_pendukung,2024-01-20T16:00:00+07:00,abc,-6.12,demo\n"
	res = f.post(t, "text/csv", bad)
	if res.status != http.StatusUnprocessableEntity || res.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("bad CSV: %d %s", res.status, res.body)
	}
	if got, want := problemFields(t, res), []string{"3:type", "4:occurred_at", "5:lon,lat", "6:lon", "6:source"}; !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v (%s)", got, want, res.body)
	}
	if got := f.count(t, `SELECT count(*) FROM incident`); got != before {
		t.Errorf("a refused batch wrote %d incidents", got-before)
	}
}

func TestRefusedIncidentPostsSayWhyAndWriteNothing(t *testing.T) {
	f := newIncidentFixture(t)
	good := map[string]any{"type": "intimidasi", "occurred_at": "2024-01-20T16:00:00+07:00", "source": "bawaslu"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range good {
			m[key] = val
		}
		m[k] = v
		return m
	}
	collection := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	cases := []struct {
		name, contentType, body string
		status                  int
		problems                []string
	}{
		{"demo source", "application/json", incidentFeatureJSON(106.1, -6.1, with("source", "demo")), 422, []string{"1:source"}},
		{"a time without offset", "application/geo+json", incidentFeatureJSON(106.1, -6.1, with("occurred_at", "2024-01-20T16:00:00")), 422, []string{"1:occurred_at"}},
		{"a time outside the election", "application/geo+json", incidentFeatureJSON(106.1, -6.1, with("occurred_at", "2024-05-01T16:00:00+07:00")), 422, []string{"1:occurred_at"}},
		{"an unknown type", "application/geo+json", incidentFeatureJSON(106.1, -6.1, with("type", "kerusuhan")), 422, []string{"1:type"}},
		{"a point in the sea", "application/geo+json", incidentFeatureJSON(105.0, -6.5, good), 422, []string{"1:geometry"}},
		{"one bad feature of three", "application/geo+json", collection(incidentFeatureJSON(106.1, -6.1, good),
			incidentFeatureJSON(106.1, -6.1, with("phase", "rekapitulasi")), incidentFeatureJSON(106.1, -6.1, good)), 422, []string{"2:phase"}},
		{"an empty collection", "application/geo+json", collection(), 422, []string{"0:"}},
		{"malformed JSON", "application/geo+json", `{"type":"Feature",`, 400, nil},
		{"a bare geometry", "application/geo+json", `{"type":"Point","coordinates":[106.1,-6.1]}`, 400, nil},
		{"broken CSV quoting", "text/csv", "type,occurred_at,lon,lat,source\n\"intimidasi,2024-01-20T16:00:00+07:00,106.1,-6.1,bawaslu\n", 400, nil},
		{"plain text", "text/plain", "intimidasi di desa", 415, nil},
		{"no content type", "", incidentFeatureJSON(106.1, -6.1, good), 415, nil},
	}
	before := f.count(t, `SELECT count(*) FROM incident`)
	for _, c := range cases {
		res := f.post(t, c.contentType, c.body)
		if res.status != c.status || res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %s, want %d", c.name, res.status, res.header.Get("Content-Type"), res.body, c.status)
			continue
		}
		if c.problems != nil {
			if got := problemFields(t, res); !slices.Equal(got, c.problems) {
				t.Errorf("%s: problems %v, want %v", c.name, got, c.problems)
			}
		}
	}
	if res := send(t, http.MethodPost, f.url+incidentsPath+"?dry_run=true", "application/geo+json", incidentFeatureJSON(106.1, -6.1, good), bearer(f.token)...); res.status != 400 {
		t.Errorf("unknown query parameter: %d %s", res.status, res.body)
	}
	if got := f.count(t, `SELECT count(*) FROM incident`); got != before {
		t.Errorf("refused posts wrote %d incidents", got-before)
	}
}

// wib is Western Indonesia Time, the zone of the dates in the datetime parameter.
var wib = time.FixedZone("WIB", 7*3600)

func TestIncidentFiltersMatchTheSameSelectionInSQL(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	ctx := context.Background()
	var instant time.Time
	var desa string
	if err := conn.QueryRow(ctx, `SELECT occurred_at, unit_code FROM incident ORDER BY id LIMIT 1 OFFSET 500`).Scan(&instant, &desa); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, wib)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct {
		query string
		where string
		args  []any
	}{
		{"", "true", nil},
		{"bbox=106.0,-6.2,106.2,-6.0", "ST_X(geom) BETWEEN 106.0 AND 106.2 AND ST_Y(geom) BETWEEN -6.2 AND -6.0", nil},
		{"datetime=2024-02-14", "occurred_at >= $1 AND occurred_at < $2", []any{day("2024-02-14"), day("2024-02-15")}},
		{"datetime=" + url.QueryEscape(instant.In(wib).Format(time.RFC3339)), "occurred_at = $1", []any{instant}},
		{"datetime=2024-02-11/2024-02-13", "occurred_at >= $1 AND occurred_at < $2", []any{day("2024-02-11"), day("2024-02-14")}},
		{"datetime=" + url.QueryEscape("2024-02-11T06:00:00+07:00/2024-02-13T18:00:00Z"), "occurred_at BETWEEN $1 AND $2",
			[]any{day("2024-02-11").Add(6 * time.Hour), time.Date(2024, 2, 13, 18, 0, 0, 0, time.UTC)}},
		{"datetime=../2023-12-01", "occurred_at < $1", []any{day("2023-12-02")}},
		{"datetime=2024-03-01/..", "occurred_at >= $1", []any{day("2024-03-01")}},
		{"type=politik_uang", "type = 'politik_uang'", nil},
		{"type=politik_uang,intimidasi", "type IN ('politik_uang', 'intimidasi')", nil},
		{"election=pemilu-2024&phase=masa_tenang", "election_code = 'pemilu-2024' AND phase_code = 'masa_tenang'", nil},
		{"kecamatan_code=36.72.01", "unit_code LIKE '36.72.01.%'", nil},
		{"desa_code=" + strings.ReplaceAll(desa, ".", ""), "unit_code = $1", []any{desa}},
		{"kabupaten_code=3601&type=unjuk_rasa&datetime=2024-02-15/..", "unit_code LIKE '36.01.%' AND type = 'unjuk_rasa' AND occurred_at >= $1", []any{day("2024-02-15")}},
	}
	total := queryCount(t, conn, `SELECT count(*) FROM incident`)
	for _, c := range cases {
		want := queryCount(t, conn, `SELECT count(*) FROM incident WHERE `+c.where, c.args...)
		rows, err := conn.Query(ctx, `SELECT id FROM incident WHERE `+c.where+` ORDER BY occurred_at, id LIMIT 20`, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		fc := getFeatures(t, srv.URL+incidentsPath+"?limit=20&"+c.query)
		var ids []int64
		for _, feat := range fc.Features {
			id, _ := feat.ID.Int64()
			ids = append(ids, id)
			if feat.Properties["demo"] != true || feat.Geometry["type"] != "Point" {
				t.Errorf("%s: feature %v: demo %v, geometry %v", c.query, id, feat.Properties["demo"], feat.Geometry["type"])
			}
		}
		if fc.NumberMatched != want || !slices.Equal(ids, wantIDs) || fc.NumberReturned != len(wantIDs) {
			t.Errorf("%s: matched %d, first ids %v; SQL (%s) counts %d, first ids %v", c.query, fc.NumberMatched, ids, c.where, want, wantIDs)
		}
		if want > 0 && !fc.Demo {
			t.Errorf("%s: a page of demo incidents does not say demo", c.query)
		}
		if c.query != "" && (want == 0 || want == total) {
			t.Errorf("%s matches %d of %d incidents: a filter that cannot be told from its absence", c.query, want, total)
		}
	}
}

func TestIncidentPagesFollowTheNextLinksInTimeOrder(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	rows, err := conn.Query(context.Background(), `SELECT id FROM incident WHERE unit_code LIKE '36.72.%' ORDER BY occurred_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	next := srv.URL + incidentsPath + "?kabupaten_code=36.72&limit=37"
	for pages := 0; next != ""; pages++ {
		if pages > len(want)/37+1 {
			t.Fatal("the next links do not end")
		}
		fc := getFeatures(t, next)
		for _, feat := range fc.Features {
			id, _ := feat.ID.Int64()
			got = append(got, id)
		}
		if fc.NumberMatched != len(want) {
			t.Errorf("numberMatched %d, want %d", fc.NumberMatched, len(want))
		}
		if self := fc.link("self"); !strings.HasPrefix(self, srv.URL+incidentsPath+"?") || !strings.Contains(self, "kabupaten_code=36.72") {
			t.Errorf("self link %q is not absolute or drops the filter", self)
		}
		if prev := fc.link("prev"); (pages > 0) != (prev != "") {
			t.Errorf("page %d: prev link %q", pages+1, prev)
		}
		if fc.link("collection") != srv.URL+"/collections/insiden" {
			t.Errorf("collection link %q", fc.link("collection"))
		}
		next = fc.link("next")
	}
	if !slices.Equal(got, want) {
		t.Errorf("the pages hold %d incidents, want the %d of Kota Cilegon by occurred_at then id, each once", len(got), len(want))
	}
}

func TestIncidentCollectionIsListedWithTheExtentOfItsIncidents(t *testing.T) {
	f := newIncidentFixture(t)
	var list struct {
		Collections []struct{ ID string }
	}
	if err := json.Unmarshal(get(t, f.url+"/collections").body, &list); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list.Collections, func(c struct{ ID string }) bool { return c.ID == "insiden" }) {
		t.Errorf("/collections does not list insiden: %v", list.Collections)
	}
	extent := func() ([]float64, []string) {
		res := get(t, f.url+"/collections/insiden")
		var info struct {
			ID     string
			Links  []struct{ Href, Rel string }
			Extent struct {
				Spatial  struct{ BBox [][]float64 }
				Temporal struct{ Interval [][]string }
			}
		}
		if err := json.Unmarshal(res.body, &info); err != nil || res.status != http.StatusOK || info.ID != "insiden" || len(info.Extent.Spatial.BBox) != 1 {
			t.Fatalf("/collections/insiden: %d %s", res.status, res.body)
		}
		return info.Extent.Spatial.BBox[0], info.Extent.Temporal.Interval[0]
	}
	var want [4]float64
	if err := f.conn.QueryRow(context.Background(), `SELECT min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)), max(ST_Y(geom)) FROM incident`).
		Scan(&want[0], &want[1], &want[2], &want[3]); err != nil {
		t.Fatal(err)
	}
	bbox, interval := extent()
	for i := range want {
		if math.Abs(bbox[i]-want[i]) > 1e-9 {
			t.Errorf("spatial extent %v, want the incidents' %v", bbox, want)
			break
		}
	}
	// Pemilu 2024 runs from kampanye (28 Nov 2023) to the end of rekapitulasi (20 Mar 2024), WIB.
	if !slices.Equal(interval, []string{"2023-11-28T00:00:00+07:00", "2024-03-20T23:59:59+07:00"}) {
		t.Errorf("temporal extent %v", interval)
	}
	// Without incidents, the extent is that of the desa (the source README's bounding box).
	if _, err := f.conn.Exec(context.Background(), `DELETE FROM incident`); err != nil {
		t.Fatal(err)
	}
	if bbox, _ := extent(); !slices.Equal(bbox, []float64{105.099874, -7.016197, 106.779863, -5.807603}) {
		t.Errorf("without incidents: extent %v, want the desa's", bbox)
	}
	if fc := getFeatures(t, f.url+incidentsPath); fc.NumberMatched != 0 || len(fc.Features) != 0 || fc.Demo {
		t.Errorf("without incidents: %d matched, demo %v", fc.NumberMatched, fc.Demo)
	}
}

func TestOneIncidentByItsID(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	var id int64
	var typ, desa, desaName string
	var at time.Time
	err := conn.QueryRow(context.Background(), `SELECT i.id, i.type, i.unit_code, u.name, i.occurred_at FROM incident i JOIN admin_unit u ON u.code = i.unit_code ORDER BY i.id DESC LIMIT 1`).
		Scan(&id, &typ, &desa, &desaName, &at)
	if err != nil {
		t.Fatal(err)
	}
	href := srv.URL + incidentsPath + "/" + strconv.FormatInt(id, 10)
	res := get(t, href)
	var feat struct {
		ID         int64
		Properties map[string]any
		Links      []struct{ Href, Rel string }
	}
	if err := json.Unmarshal(res.body, &feat); err != nil || res.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", href, res.status, res.body)
	}
	p := feat.Properties
	occurred, err := time.Parse(time.RFC3339, p["occurred_at"].(string))
	if feat.ID != id || p["type"] != typ || p["desa_code"] != desa || p["desa"] != desaName || err != nil || !occurred.Equal(at) ||
		!strings.HasSuffix(p["occurred_at"].(string), "+07:00") || p["demo"] != true || feat.Links[0].Href != href {
		t.Errorf("GET %s: %s; want %s in %s %s at %v", href, res.body, typ, desa, desaName, at)
	}
	for _, bad := range []string{strconv.FormatInt(id+1000, 10), "0", "-1", "abc", "36.72.01.1001", "1e3"} {
		if res := get(t, srv.URL+incidentsPath+"/"+bad); res.status != http.StatusNotFound || res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s, want 404", bad, res.status, res.body)
		}
	}
}

func TestBadIncidentQueriesGetAProblemNamingTheParameter(t *testing.T) {
	srv := newServer(t)
	cases := map[string]string{
		incidentsPath + "?type=kerusuhan":                     "type",
		incidentsPath + "?type=politik_uang,":                 "type",
		incidentsPath + "?election=pilkada-1999":              "election",
		incidentsPath + "?phase=pesta":                        "phase",
		incidentsPath + "?desa_code=36.72":                    "desa_code",
		incidentsPath + "?kecamatan_code=abc":                 "kecamatan_code",
		incidentsPath + "?datetime=2024-02-14T10:00:00":       "datetime",
		incidentsPath + "?datetime=2024-02-14T10:00:00+07:00": "datetime", // an unescaped + is a space
		incidentsPath + "?datetime=2024-02-15/2024-02-14":     "datetime",
		incidentsPath + "?datetime=../..":                     "datetime",
		incidentsPath + "?bbox=106,-6,105,-5":                 "bbox",
		incidentsPath + "?limit=0":                            "limit",
		incidentsPath + "?offset=-1":                          "offset",
		incidentsPath + "?sortby=occurred_at":                 "sortby",
		incidentsPath + "?code=1":                             "code",
		incidentsPath + "?type=politik_uang&type=intimidasi":  "type",
		incidentsPath + "?f=xml":                              "f",
		incidentsPath + "/1?limit=3":                          "limit",
		"/collections/insiden?bbox=106,-6,107,-5":             "bbox",
	}
	for path, param := range cases {
		res := get(t, srv.URL+path)
		var p struct{ Parameter, Detail string }
		json.Unmarshal(res.body, &p)
		if res.status != http.StatusBadRequest || p.Parameter != param {
			t.Errorf("%s: %d %s, want 400 naming %s", path, res.status, res.body, param)
		}
	}
	res := get(t, srv.URL+incidentsPath+"?type=kerusuhan")
	for _, known := range []string{"bentrok_pendukung", "politik_uang", "unjuk_rasa"} {
		if !strings.Contains(string(res.body), known) {
			t.Errorf("the unknown type's problem does not list %s: %s", known, res.body)
		}
	}
}

func TestTheIncidentEndpointsAreDocumentedInTheOpenAPIDocument(t *testing.T) {
	srv := newServer(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters  []map[string]any
			RequestBody struct{ Content map[string]any }
			Responses   map[string]any
		}
	}
	if err := json.Unmarshal(get(t, srv.URL+"/api").body, &doc); err != nil {
		t.Fatal(err)
	}
	items := doc.Paths["/collections/insiden/items"]
	var params []string
	for _, p := range items["get"].Parameters {
		if name, ok := p["name"].(string); ok {
			params = append(params, name)
		}
	}
	for _, want := range []string{"datetime", "type", "election", "phase", "desa_code", "kecamatan_code", "kabupaten_code"} {
		if !slices.Contains(params, want) {
			t.Errorf("GET items does not declare %s (declares %v)", want, params)
		}
	}
	post := items["post"]
	for _, media := range []string{"application/geo+json", "application/json", "text/csv"} {
		if _, ok := post.RequestBody.Content[media]; !ok {
			t.Errorf("POST items does not accept %s", media)
		}
	}
	for _, status := range []string{"201", "400", "401", "403", "415", "422"} {
		if _, ok := post.Responses[status]; !ok {
			t.Errorf("POST items does not document %s", status)
		}
	}
	if _, ok := doc.Paths["/collections/insiden/items/{featureId}"]["get"]; !ok {
		t.Error("GET one incident is not documented")
	}
	if _, ok := doc.Paths["/collections/insiden"]["get"]; !ok {
		t.Error("the collection's metadata is not documented")
	}
}
