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
