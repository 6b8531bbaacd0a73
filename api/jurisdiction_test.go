package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// jurisdictionFixture serves a private Banten copy with an editor token of
// Polres Tangerang-like reach: Kabupaten Tangerang (36.03) and one desa of
// Kota Tangerang, listed on its own as police and admin maps differ.
type jurisdictionFixture struct {
	url, token string
	store      *data.Store
	conn       *pgx.Conn
	inside     string // a desa of 36.03
	listed     string // the desa of 36.71 named in the jurisdiction
	outside    string // its neighbour in the same kecamatan, not named
}

func newJurisdictionFixture(t *testing.T) *jurisdictionFixture {
	t.Helper()
	dbURL := datatest.BantenCopy(t)
	store := datatest.OpenServing(t, dbURL)
	f := &jurisdictionFixture{url: startServer(t, apiHandler(store)).URL, store: store, conn: datatest.Conn(t, dbURL)}
	ctx := context.Background()
	if err := f.conn.QueryRow(ctx, `SELECT min(code) FROM admin_unit WHERE level = 4 AND kabupaten_code = '36.03'`).Scan(&f.inside); err != nil {
		t.Fatal(err)
	}
	if err := f.conn.QueryRow(ctx, `SELECT min(code), max(code) FROM admin_unit WHERE level = 4 AND kecamatan_code =
		(SELECT min(code) FROM admin_unit WHERE level = 3 AND kabupaten_code = '36.71')`).Scan(&f.listed, &f.outside); err != nil {
		t.Fatal(err)
	}
	_, secret, err := store.CreateToken(ctx, testAdmin, data.TokenSpec{Name: "polres-tangerang", Role: data.Editor,
		Jurisdiction: []string{"36.03", f.listed}})
	if err != nil {
		t.Fatal(err)
	}
	f.token = secret
	return f
}

func (f *jurisdictionFixture) observations(t *testing.T, query string, desa ...string) response {
	t.Helper()
	var batch []map[string]any
	for _, d := range desa {
		batch = append(batch, map[string]any{"indicator": "kampanye_sara", "unit_code": d, "election": "pemilu-2024",
			"phase": "kampanye", "value": 1, "source": "polres", "observed_at": "2024-01-10T08:00:00+07:00"})
	}
	body, _ := json.Marshal(batch)
	return send(t, http.MethodPost, f.url+"/observations"+query, "application/json", string(body), bearer(f.token)...)
}

// outsideItems reads a 403's problems as the items refused.
func outsideItems(t *testing.T, res response) []string {
	t.Helper()
	if res.status != http.StatusForbidden || res.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("want 403 problem+json, got %d %s: %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	var p api.Problem
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, q := range p.Problems {
		items = append(items, fmt.Sprintf("%d:%s", q.Item, q.Field))
	}
	return items
}

func TestEditorsWriteOnlyInsideTheirJurisdiction(t *testing.T) {
	f := newJurisdictionFixture(t)

	// Inside: a desa of the kabupaten, and the desa named on its own.
	if res := f.observations(t, "", f.inside, f.listed); res.status != http.StatusCreated {
		t.Fatalf("observations inside the jurisdiction: %d %s", res.status, res.body)
	}

	// One desa outside spoils the batch: 403 naming it, and nothing written.
	for _, query := range []string{"", "?dry_run=true"} {
		before := tableState(t, f.conn)
		res := f.observations(t, query, f.inside, f.outside)
		if got := strings.Join(outsideItems(t, res), " "); got != "2:unit_code" {
			t.Errorf("POST /observations%s with item 2 in %s: refused items %q, want 2:unit_code", query, f.outside, got)
		}
		if !strings.Contains(string(res.body), f.outside) || !strings.Contains(string(res.body), "polres-tangerang") {
			t.Errorf("the refusal should name the desa and the token: %s", res.body)
		}
		sameState(t, "a refused write", before, tableState(t, f.conn))
	}

	// An incident is placed by its point: a point in the unlisted neighbour is refused.
	var lon, lat float64
	if err := f.conn.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM
		(SELECT ST_PointOnSurface(geom) p FROM admin_unit WHERE code = $1) s`, f.outside).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	before := tableState(t, f.conn)
	res := send(t, http.MethodPost, f.url+incidentsPath, "application/geo+json", incidentFeatureJSON(lon, lat, map[string]any{
		"type": "konflik_massa", "occurred_at": "2024-01-15T10:30:00+07:00", "source": "polres"}), bearer(f.token)...)
	if got := strings.Join(outsideItems(t, res), " "); got != "1:geometry" {
		t.Errorf("an incident in %s: refused items %q, want 1:geometry", f.outside, got)
	}
	sameState(t, "a refused incident", before, tableState(t, f.conn))
}

func TestTokensWithAJurisdiction(t *testing.T) {
	f := newAdminFixture(t)
	for _, tc := range []struct {
		name, body, field string
	}{
		{"an unknown code", `{"name":"a","role":"editor","jurisdiction":["36.03","36.99"]}`, "no admin unit has code 36.99"},
		{"a malformed code", `{"name":"a","role":"editor","jurisdiction":["36.3"]}`, "jurisdiction"},
		{"an empty list", `{"name":"a","role":"editor","jurisdiction":[]}`, "at least one admin code"},
		{"an admin confined", `{"name":"a","role":"admin","jurisdiction":["36.03"]}`, "give jurisdictions to viewer and editor tokens"},
		{"scoped reads without a jurisdiction", `{"name":"a","role":"viewer","scoped_reads":true}`, "scoped reads need a jurisdiction"},
	} {
		res := f.do(t, http.MethodPost, "/tokens", tc.body)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), tc.field) {
			t.Errorf("%s: %d %s, want 422 mentioning %q", tc.name, res.status, res.body, tc.field)
		}
	}
	res := f.do(t, http.MethodPost, "/tokens", `{"name":"polda-banten","role":"editor","jurisdiction":["3603","36.03.01","3671011001"],"scoped_reads":true}`)
	var created data.Token
	decode(t, res, http.StatusCreated, &created)
	// Dots added, sorted, the kecamatan inside the kabupaten dropped.
	if got := strings.Join(created.Jurisdiction.Strings(), " "); got != "36.03 36.71.01.1001" || !created.ScopedReads {
		t.Errorf("created %+v", created)
	}
	var listed struct{ Tokens []data.Token }
	decode(t, f.do(t, http.MethodGet, "/tokens", ""), http.StatusOK, &listed)
	found := false
	for _, tok := range listed.Tokens {
		if tok.Name == "polda-banten" {
			found = strings.Join(tok.Jurisdiction.Strings(), " ") == strings.Join(created.Jurisdiction.Strings(), " ") && tok.ScopedReads
		}
	}
	if !found {
		t.Errorf("GET /tokens does not show polda-banten's jurisdiction: %+v", listed.Tokens)
	}
}

func TestScopedReadsStayInsideTheJurisdiction(t *testing.T) {
	f := newJurisdictionFixture(t)
	ctx := context.Background()
	_, viewer, err := f.store.CreateToken(ctx, testAdmin, data.TokenSpec{Name: "bawaslu-tangerang", Role: data.Viewer,
		Jurisdiction: []string{"36.03", f.listed}, ScopedReads: true})
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) response { return get(t, f.url+path, bearer(viewer)...) }
	// The test's own reading of the jurisdiction, in SQL.
	inside := `(code LIKE '36.03.%' OR code = '` + f.listed + `')`
	count := func(sql string) int { return queryCount(t, f.conn, sql) }

	codesOf := func(path string) (codes []string, matched int) {
		t.Helper()
		res := read(path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.status, res.body)
		}
		var fc featureCollection
		if err := json.Unmarshal(res.body, &fc); err != nil {
			t.Fatal(err)
		}
		return fc.codes(), fc.NumberMatched
	}
	desa, matched := codesOf("/collections/desa/items?limit=10000&properties=code")
	if want := count(`SELECT count(*) FROM admin_unit WHERE level = 4 AND ` + inside); matched != want || len(desa) != want {
		t.Errorf("desa: %d matched, %d returned; want the %d inside the jurisdiction", matched, len(desa), want)
	}
	for _, c := range desa {
		if !strings.HasPrefix(c, "36.03.") && c != f.listed {
			t.Errorf("desa %s is outside the jurisdiction", c)
		}
	}
	// Upper units: those inside it and those around part of it, with their own scores.
	if kab, _ := codesOf("/collections/kabupaten/items?properties=code"); strings.Join(kab, " ") != "36.03 36.71" {
		t.Errorf("kabupaten %v, want 36.03 and 36.71 (around the listed desa)", kab)
	}
	// Without the token, the public read is whole.
	if fc := getFeatures(t, f.url+"/collections/desa/items?limit=1"); fc.NumberMatched != count(`SELECT count(*) FROM admin_unit WHERE level = 4`) {
		t.Errorf("a public read matched %d desa", fc.NumberMatched)
	}

	// Observations and incidents: only those of desa inside.
	var obs struct {
		NumberMatched int `json:"numberMatched"`
		Observations  []data.Observation
	}
	res := read("/observations?limit=10000")
	if err := json.Unmarshal(res.body, &obs); err != nil || res.status != http.StatusOK {
		t.Fatalf("observations: %d %s", res.status, res.body)
	}
	if want := count(`SELECT count(*) FROM observation WHERE unit_code LIKE '36.03.%' OR unit_code = '` + f.listed + `'`); obs.NumberMatched != want || want == 0 {
		t.Errorf("observations: %d matched, want %d (and some)", obs.NumberMatched, want)
	}
	for _, o := range obs.Observations {
		if !strings.HasPrefix(o.UnitCode, "36.03.") && o.UnitCode != f.listed {
			t.Errorf("observation %d of %s is outside the jurisdiction", o.ID, o.UnitCode)
		}
	}
	var inc featureCollection
	res = read(incidentsPath + "?limit=10000")
	if err := json.Unmarshal(res.body, &inc); err != nil || res.status != http.StatusOK {
		t.Fatalf("incidents: %d %s", res.status, res.body)
	}
	if want := count(`SELECT count(*) FROM incident WHERE unit_code LIKE '36.03.%' OR unit_code = '` + f.listed + `'`); inc.NumberMatched != want || want == 0 {
		t.Errorf("incidents: %d matched, want %d (and some)", inc.NumberMatched, want)
	}
	var outsideIncident int64
	if err := f.conn.QueryRow(ctx, `SELECT min(id) FROM incident WHERE unit_code LIKE '36.72.%'`).Scan(&outsideIncident); err != nil {
		t.Fatal(err)
	}

	planBody := func(area string) string { return `{"available": 100, "areas": ["` + area + `"]}` }
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/collections/desa/items/" + f.inside, "", http.StatusOK},
		{"GET", "/collections/desa/items/" + f.outside, "", http.StatusForbidden},
		{"GET", "/collections/desa/items/" + f.outside + "/explain", "", http.StatusForbidden},
		{"GET", "/collections/kecamatan/items/" + f.listed[:8], "", http.StatusOK},
		{"GET", "/collections/kabupaten/items/36.72", "", http.StatusForbidden},
		{"GET", incidentsPath + "/" + fmt.Sprint(outsideIncident), "", http.StatusNotFound},
		{"GET", "/areas/36.03/summary", "", http.StatusOK},
		{"GET", "/areas/36.71/summary", "", http.StatusForbidden}, // around the jurisdiction, not inside
		{"GET", "/hotspots?area=36.03", "", http.StatusOK},
		{"GET", "/hotspots?area=36.03&unit=h3&res=7", "", http.StatusForbidden},
		{"GET", "/collections/kecamatan/items/" + f.listed[:8] + "/explain", "", http.StatusForbidden}, // around, not inside
		{"GET", "/hotspots?area=36", "", http.StatusForbidden},
		{"GET", "/hotspots?bbox=106.4,-6.3,106.7,-6.0", "", http.StatusForbidden},
		{"GET", "/h3/7?area=36.03", "", http.StatusForbidden},
		{"GET", "/tiles/desa/10/817/531.mvt", "", http.StatusForbidden},
		{"GET", "/search?q=tangerang", "", http.StatusForbidden},
		{"GET", "/indicators", "", http.StatusOK},
		{"POST", "/plan/deployment", planBody("36.03"), http.StatusOK},
		{"POST", "/plan/deployment", planBody("36.72"), http.StatusForbidden},
	} {
		res := read(tc.path)
		if tc.method == http.MethodPost {
			res = send(t, tc.method, f.url+tc.path, "application/json", tc.body, bearer(viewer)...)
		}
		if res.status != tc.want {
			t.Errorf("%s %s: %d, want %d: %.300s", tc.method, tc.path, res.status, tc.want, res.body)
		}
		if res.status == http.StatusForbidden && !strings.Contains(string(res.body), "bawaslu-tangerang") {
			t.Errorf("%s %s: the refusal should name the token: %s", tc.method, tc.path, res.body)
		}
	}
}
