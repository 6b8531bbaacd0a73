package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

func TestBadInputGetsAProblemNamingTheParameter(t *testing.T) {
	srv := newServer(t)
	injections := []string{`' OR 1=1 --`, `"; DROP TABLE admin_unit; --`, `1); DELETE FROM risk_score; --`, `$1`, `\x00`, `%00`}
	type bad struct {
		path, param string
		status      int
	}
	cases := []bad{
		{"/collections/desa/items?bbox=106,-6.5,106.2", "bbox", 400},
		{"/collections/desa/items?bbox=106.2,-6.5,106,-6.3", "bbox", 400},
		{"/collections/desa/items?bbox=106,-6.3,106.2,-6.5", "bbox", 400},
		{"/collections/desa/items?bbox=106,-95,106.2,-6.3", "bbox", 400},
		{"/collections/desa/items?bbox=a,b,c,d", "bbox", 400},
		{"/collections/desa/items?bbox=NaN,-6.5,106.2,-6.3", "bbox", 400},
		{"/collections/desa/items?limit=-1", "limit", 400},
		{"/collections/desa/items?limit=0", "limit", 400},
		{"/collections/desa/items?limit=ten", "limit", 400},
		{"/collections/desa/items?offset=-5", "offset", 400},
		{"/collections/desa/items?sortby=geom", "sortby", 400},
		{"/collections/desa/items?sortby=kpu_code_2024", "sortby", 400},
		{"/collections/desa/items?properties=code,secret", "properties", 400},
		{"/collections/desa/items?tps_count=3", "tps_count", 400},
		{"/collections/desa/items?colour=red", "colour", 400},
		{"/collections/desa/items?category=merah", "category", 400},
		{"/collections/desa/items?kind=kota", "kind", 400},
		{"/collections/desa/items?kabupaten_code=36.72.01", "kabupaten_code", 400},
		{"/collections/desa/items?election=pilkada-1999", "election", 400},
		{"/collections/desa/items?phase=pesta", "phase", 400},
		{"/collections/desa/items?limit=5&limit=6", "limit", 400},
		{"/collections/desa/items?sortby=name,-name", "sortby", 400},
		// Echo would drop a pair that does not parse, and serve the rest.
		{"/collections/desa/items?limit=5;DROP%20TABLE%20admin_unit", "", 400},
		{"/collections/desa/items?name=%zz", "", 400},
		{"/collections/desa/items?f=xml", "f", 400},
		{"/collections/kecamatan/items?kecamatan_code=36.72.01", "kecamatan_code", 400},
		{"/collections/desa?bbox=1,2,3,4", "bbox", 400},
		{"/collections?limit=3", "limit", 400},
		{"/collections/desa/items/36.72.01.1001?limit=3", "limit", 400},
		{"/collections/kota/items", "", 404},
		{"/collections/desa/items/9999999999", "", 404},
		{"/collections/desa/items/36.72.01", "", 404},
		{"/collections/desa/items/..%2F..%2Fetc%2Fpasswd", "", 404},
		{"/no/such/path", "", 404},
	}
	for _, inj := range injections {
		q := url.QueryEscape(inj)
		cases = append(cases,
			bad{"/collections/desa/items?sortby=" + q, "sortby", 400},
			bad{"/collections/desa/items?bbox=" + q, "bbox", 400},
			bad{"/collections/desa/items?limit=" + q, "limit", 400},
			bad{"/collections/desa/items?properties=" + q, "properties", 400},
			bad{"/collections/desa/items?code=" + q, "code", 400},
			bad{"/collections/desa/items?category=" + q, "category", 400},
			bad{"/collections/desa/items?election=" + q, "election", 400},
			bad{"/collections/desa/items?phase=" + q, "phase", 400},
			bad{"/collections/desa/items?" + q + "=1", inj, 400},
		)
	}
	for _, c := range cases {
		res := get(t, srv.URL+c.path)
		if res.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.path, res.status, c.status, res.body)
			continue
		}
		if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: Content-Type %q, want application/problem+json", c.path, ct)
			continue
		}
		var p struct {
			Status    int    `json:"status"`
			Title     string `json:"title"`
			Detail    string `json:"detail"`
			Parameter string `json:"parameter"`
		}
		if err := json.Unmarshal(res.body, &p); err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if p.Status != c.status || p.Title == "" || p.Detail == "" || p.Parameter != c.param {
			t.Errorf("%s: problem %+v, want status %d naming parameter %q", c.path, p, c.status, c.param)
		}
	}
	// Quotes in a name are data, not SQL: no match, and nothing changed.
	for _, inj := range injections {
		fc := getFeatures(t, srv.URL+"/collections/desa/items?name="+url.QueryEscape(inj))
		if fc.NumberMatched != 0 {
			t.Errorf("name=%q matched %d", inj, fc.NumberMatched)
		}
	}
	if fc := getFeatures(t, srv.URL+"/collections/desa/items?limit=1"); fc.NumberMatched != 1552 || !fc.Demo {
		t.Errorf("after the injections: %d desa, demo %v", fc.NumberMatched, fc.Demo)
	}
}

func TestAQueryOverTheStatementTimeoutGetsA503Problem(t *testing.T) {
	srv := newServer(t, data.Options{StatementTimeout: time.Millisecond})
	res := get(t, srv.URL+"/collections/desa/items?limit=10000")
	if res.status != 503 || res.header.Get("Content-Type") != "application/problem+json" || res.header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Content-Type %q, Retry-After %q: %s", res.status, res.header.Get("Content-Type"), res.header.Get("Retry-After"), res.body)
	}
	if !strings.Contains(string(res.body), "too long") {
		t.Errorf("problem %s does not say the query took too long", res.body)
	}
}

func TestADroppedDatabaseSessionGivesA503ThenService(t *testing.T) {
	srv := newServer(t, data.Options{StatementTimeout: 10 * time.Second, MaxConns: 2})
	if res := get(t, srv.URL+"/collections/desa/items?limit=5"); res.status != 200 {
		t.Fatalf("warm-up: %d", res.status)
	}
	// What a database restart does to the pool's sessions.
	conn := datatest.Conn(t, datatest.Banten(t))
	if _, err := conn.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'petarawan' AND datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	res := get(t, srv.URL+"/collections/desa/items?limit=5")
	t.Logf("right after the drop: %d %s", res.status, res.body)
	if res.status != 200 && (res.status != 503 || res.header.Get("Retry-After") == "" || res.header.Get("Content-Type") != "application/problem+json") {
		t.Errorf("right after the sessions were dropped: %d %s, want 200 or a 503 problem with Retry-After", res.status, res.body)
	}
	for i := range 3 {
		if res := get(t, srv.URL+"/collections/desa/items?limit=5"); res.status != 200 {
			t.Errorf("request %d after the drop: %d %s", i, res.status, res.body)
		}
	}
}
