package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data/datatest"
)

const planPath = "/plan/deployment"

// testPlan is a plan as a client reads it.
type testPlan struct {
	Parameters struct {
		Available     int    `json:"available"`
		Reserve       int    `json:"reserve"`
		Election      string `json:"election"`
		Phase         string `json:"phase"`
		MinPerDesa    int    `json:"min_per_desa"`
		GuardPatterns map[string]struct {
			Police int `json:"police"`
			PerTPS int `json:"per_tps"`
		} `json:"guard_patterns"`
		Areas []struct {
			Code, Name, Level string
		} `json:"areas"`
	} `json:"parameters"`
	Totals struct {
		Desa, TPS, Deployable, Need, Allocated, Unallocated, Shortfall int
		MinimumShortfall                                               int  `json:"minimum_shortfall"`
		Covered                                                        bool `json:"covered"`
		DesaUnscored                                                   int  `json:"desa_unscored"`
		DesaWithoutTPS                                                 int  `json:"desa_without_tps"`
	} `json:"totals"`
	Notices   []string   `json:"notices"`
	Method    string     `json:"method"`
	Demo      bool       `json:"demo"`
	Kabupaten []planSum  `json:"kabupaten"`
	Kecamatan []planSum  `json:"kecamatan"`
	Desa      []planDesa `json:"desa"`
}

type planSum struct {
	Code, Name                            string
	Desa, Need, Min, Allocated, Shortfall int
}

type planDesa struct {
	Code          string         `json:"code"`
	Name          string         `json:"name"`
	KecamatanCode string         `json:"kecamatan_code"`
	Kecamatan     string         `json:"kecamatan"`
	KabupatenCode string         `json:"kabupaten_code"`
	Kabupaten     string         `json:"kabupaten"`
	Score         *float64       `json:"score"`
	Category      *string        `json:"category"`
	TPS           *int           `json:"tps"`
	TPSClasses    map[string]int `json:"tps_classes"`
	ClassedBy     string         `json:"classed_by"`
	Need          int            `json:"need"`
	Min           int            `json:"min"`
	Allocated     int            `json:"allocated"`
	Shortfall     int            `json:"shortfall"`
	Demo          bool           `json:"demo"`
}

func postPlan(t *testing.T, base, query, body string, headers ...string) response {
	t.Helper()
	return send(t, http.MethodPost, base+planPath+query, "application/json", body, headers...)
}

func planOf(t *testing.T, base, body string) testPlan {
	t.Helper()
	res := postPlan(t, base, "", body)
	if res.status != http.StatusOK || res.header.Get("Content-Type") != api.MediaJSON {
		t.Fatalf("POST %s %s: %d %s %s", planPath, body, res.status, res.header.Get("Content-Type"), res.body)
	}
	var p testPlan
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// storedDesa is a desa as SQL reads it, behind the API's back.
type storedDesa struct {
	name     string
	tps      int
	category string
	score    float64
}

// desaUnder reads the desa whose code starts with prefix, with their score in
// the latest election's last phase (the plan's default), and that phase.
func desaUnder(t *testing.T, conn *pgx.Conn, prefix string) (map[string]storedDesa, string) {
	t.Helper()
	ctx := context.Background()
	var phase string
	if err := conn.QueryRow(ctx, `SELECT p.code FROM election e JOIN election_phase p ON p.election_code = e.code
		ORDER BY e.voting_day DESC, p.seq DESC LIMIT 1`).Scan(&phase); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `
		SELECT u.code, u.name, u.tps_count, r.category, r.score::float8
		FROM admin_unit u JOIN risk_score r ON r.unit_code = u.code AND r.phase_code = $2
		WHERE length(u.code) = 13 AND u.code LIKE $1 || '.%'`, prefix, phase)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedDesa{}
	for rows.Next() {
		var code string
		var d storedDesa
		if err := rows.Scan(&code, &d.name, &d.tps, &d.category, &d.score); err != nil {
			t.Fatal(err)
		}
		out[code] = d
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, phase
}

func sumAllocated(desa []planDesa) (need, allocated int) {
	for _, d := range desa {
		need += d.Need
		allocated += d.Allocated
	}
	return need, allocated
}

func TestPlanForBantenSpendsExactlyTheDeployablePersonnelAndStatesTheShortfall(t *testing.T) {
	srv := newServer(t)
	stored, phase := desaUnder(t, datatest.Conn(t, datatest.Banten(t)), "36")
	for _, c := range []struct {
		available, reserve int
	}{{1300, 0}, {1300, 300}, {10, 0}, {1_000_000, 0}} {
		t.Run(fmt.Sprintf("%d available, %d reserve", c.available, c.reserve), func(t *testing.T) {
			p := planOf(t, srv.URL, fmt.Sprintf(`{"available": %d, "reserve": %d, "areas": ["36"]}`, c.available, c.reserve))
			need, allocated := sumAllocated(p.Desa)
			deployable := c.available - c.reserve
			switch {
			case len(p.Desa) != len(stored) || p.Totals.Desa != len(stored):
				t.Fatalf("%d desa (totals %d), want Banten's %d", len(p.Desa), p.Totals.Desa, len(stored))
			case allocated != min(need, deployable):
				t.Errorf("desa allocations sum to %d, want min(need %d, deployable %d)", allocated, need, deployable)
			case p.Totals.Need != need || p.Totals.Allocated != allocated || p.Totals.Deployable != deployable:
				t.Errorf("totals %+v, want need %d, allocated %d, deployable %d", p.Totals, need, allocated, deployable)
			case p.Totals.Shortfall != max(0, need-deployable) || p.Totals.Unallocated != deployable-allocated:
				t.Errorf("shortfall %d, unallocated %d; want %d and %d", p.Totals.Shortfall, p.Totals.Unallocated, max(0, need-deployable), deployable-allocated)
			case p.Parameters.Available != c.available || p.Parameters.Reserve != c.reserve || p.Parameters.Phase != phase || p.Parameters.Election != "pemilu-2024":
				t.Errorf("parameters %+v, want available %d, reserve %d, pemilu-2024 %s", p.Parameters, c.available, c.reserve, phase)
			case !p.Demo:
				t.Error("a plan over demo scores is not marked demo")
			}
			stated := strings.Contains(strings.Join(p.Notices, " "), fmt.Sprintf("Shortfall: the %d desa need %d personnel but only %d are deployable", len(stored), need, deployable))
			if short := need > deployable; stated != short || p.Totals.Covered == short {
				t.Errorf("need %d, deployable %d: shortfall stated %v, covered %v; notices %q", need, deployable, stated, p.Totals.Covered, p.Notices)
			}
			for _, d := range p.Desa {
				if d.Allocated < 0 || d.Allocated > d.Need || d.Shortfall != d.Need-d.Allocated {
					t.Fatalf("desa %s: allocated %d of need %d, shortfall %d", d.Code, d.Allocated, d.Need, d.Shortfall)
				}
			}
		})
	}
}

func TestPlanClassesEachDesaTPSByItsCategoryAndNeedsGuardsByPattern(t *testing.T) {
	srv := newServer(t)
	stored, _ := desaUnder(t, datatest.Conn(t, datatest.Banten(t)), "36")
	p := planOf(t, srv.URL, `{"available": 1300, "areas": ["36"]}`)
	class := map[string]string{"rendah": "kurang_rawan", "sedang": "rawan", "tinggi": "sangat_rawan"}
	handChecked := map[string]bool{}
	for _, d := range p.Desa {
		s, ok := stored[d.Code]
		if !ok {
			t.Fatalf("desa %s is not a scored Banten desa", d.Code)
		}
		want := map[string]int{"kurang_rawan": 0, "rawan": 0, "sangat_rawan": 0}
		want[class[s.category]] = s.tps
		if fmt.Sprint(d.TPSClasses) != fmt.Sprint(want) || d.ClassedBy != "category" || d.Category == nil || *d.Category != s.category ||
			d.Score == nil || *d.Score != s.score || d.TPS == nil || *d.TPS != s.tps || d.Name != s.name {
			t.Fatalf("desa %s: %+v; SQL reads %+v", d.Code, d, s)
		}
		// Polres Serang 2024: 2 police per 12 kurang rawan TPS, per 2 rawan, per 1 sangat rawan; groups round up.
		if !handChecked[s.category] && s.tps%12 != 0 && s.tps%2 != 0 {
			handChecked[s.category] = true
			var want int
			switch s.category {
			case "rendah":
				want = (s.tps/12 + 1) * 2 // a partial group of 12 is one more group
			case "sedang":
				want = (s.tps/2 + 1) * 2
			case "tinggi":
				want = s.tps * 2
			}
			if d.Need != want {
				t.Errorf("%s desa %s with %d TPS needs %d, want %d", s.category, d.Code, s.tps, d.Need, want)
			}
		}
	}
	if len(handChecked) != 3 {
		t.Errorf("checked the need of %v desa only; the sample lacks a category with an odd TPS count", handChecked)
	}
}

func TestPlanKecamatanAndKabupatenAreTheSumsOfTheirDesa(t *testing.T) {
	srv := newServer(t)
	conn := datatest.Conn(t, datatest.Banten(t))
	names := map[string]string{}
	rows, err := conn.Query(context.Background(), `SELECT code, name FROM admin_unit WHERE length(code) IN (5, 8)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			t.Fatal(err)
		}
		names[code] = name
	}
	p := planOf(t, srv.URL, `{"available": 1300, "min_per_desa": 1, "areas": ["36"]}`)
	for _, level := range []struct {
		name  string
		areas []planSum
		of    func(planDesa) string
	}{
		{"kecamatan", p.Kecamatan, func(d planDesa) string { return d.KecamatanCode }},
		{"kabupaten", p.Kabupaten, func(d planDesa) string { return d.KabupatenCode }},
	} {
		want := map[string]*planSum{}
		for _, d := range p.Desa {
			code := level.of(d)
			if !strings.HasPrefix(d.Code, code+".") {
				t.Fatalf("desa %s is said to lie in %s %s", d.Code, level.name, code)
			}
			s := want[code]
			if s == nil {
				s = &planSum{Code: code, Name: names[code]}
				want[code] = s
			}
			s.Desa++
			s.Need += d.Need
			s.Min += d.Min
			s.Allocated += d.Allocated
			s.Shortfall += d.Shortfall
		}
		if len(level.areas) != len(want) {
			t.Errorf("%d %s, want %d", len(level.areas), level.name, len(want))
		}
		for _, a := range level.areas {
			if w := want[a.Code]; w == nil || *w != a {
				t.Errorf("%s %+v, want the sum of its desa %+v", level.name, a, w)
			}
		}
	}
}

func TestPlanMeetsMinimumsFirst(t *testing.T) {
	srv := newServer(t)
	// Kabupaten Pandeglang: every desa gets its minimum of 2 when there are enough.
	p := planOf(t, srv.URL, `{"available": 1300, "min_per_desa": 2, "areas": ["36.01"]}`)
	need, allocated := sumAllocated(p.Desa)
	if 2*len(p.Desa) > 1300 || need <= 1300 {
		t.Fatalf("%d desa needing %d: the case needs minimums within 1300 and a need above it", len(p.Desa), need)
	}
	if allocated != 1300 || p.Totals.MinimumShortfall != 0 {
		t.Errorf("allocated %d, minimum shortfall %d; want 1300 and 0", allocated, p.Totals.MinimumShortfall)
	}
	for _, d := range p.Desa {
		if d.Min != 2 || d.Allocated < 2 {
			t.Fatalf("desa %s got %d, below its minimum %d", d.Code, d.Allocated, d.Min)
		}
	}
	// 100 personnel cannot give each of its desa 1: all 100 go out, one each, and the rest is stated.
	p = planOf(t, srv.URL, `{"available": 100, "min_per_desa": 1, "areas": ["36.01"]}`)
	if _, allocated := sumAllocated(p.Desa); allocated != 100 || p.Totals.MinimumShortfall != len(p.Desa)-100 {
		t.Errorf("allocated %d, minimum shortfall %d; want 100 and %d", allocated, p.Totals.MinimumShortfall, len(p.Desa)-100)
	}
	for _, d := range p.Desa {
		if d.Allocated > 1 {
			t.Fatalf("desa %s got %d while minimums of 1 are left uncovered", d.Code, d.Allocated)
		}
	}
	if !strings.Contains(strings.Join(p.Notices, " "), "even their minimums (1 each) exceed the 100 deployable") {
		t.Errorf("notices %q do not state the uncovered minimums", p.Notices)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	srv := newServer(t)
	for _, f := range []string{"", "?f=csv", "?f=geojson"} {
		body := `{"available": 1300, "reserve": 100, "min_per_desa": 1, "areas": ["36.04", "36.01"]}`
		first, second := postPlan(t, srv.URL, f, body), postPlan(t, srv.URL, f, body)
		if first.status != http.StatusOK || !bytes.Equal(first.body, second.body) {
			t.Errorf("two plans%s: %d and %d, bodies equal %v", f, first.status, second.status, bytes.Equal(first.body, second.body))
		}
	}
}

func TestPlanAreasOverlappingCountTheirDesaOnce(t *testing.T) {
	srv := newServer(t)
	stored, _ := desaUnder(t, datatest.Conn(t, datatest.Banten(t)), "36.01")
	p := planOf(t, srv.URL, `{"available": 1300, "areas": ["36.01", "36.01.01", "3601", "36.01.01.2001"]}`)
	if len(p.Desa) != len(stored) {
		t.Errorf("%d desa, want Kabupaten Pandeglang's %d", len(p.Desa), len(stored))
	}
	var areas []string
	for _, a := range p.Parameters.Areas {
		areas = append(areas, a.Code+" "+a.Level)
	}
	if want := "[36.01 kabupaten 36.01.01 kecamatan 36.01.01.2001 desa]"; fmt.Sprint(areas) != want {
		t.Errorf("areas echoed as %v, want %s", areas, want)
	}
}

func TestPlanTakesThePlannersTPSClassesAndGuardPatterns(t *testing.T) {
	srv := newServer(t)
	stored, _ := desaUnder(t, datatest.Conn(t, datatest.Banten(t)), "36.01.01")
	code := "36.01.01.2001"
	tps := stored[code].tps
	if tps < 2 {
		t.Fatalf("desa %s has %d TPS; the case needs 2 or more", code, tps)
	}
	// One TPS sangat rawan, the rest rawan; rawan guarded by 3 police per 2 TPS.
	body := fmt.Sprintf(`{"available": 1300, "areas": ["36.01.01"], "guard_patterns": {"rawan": {"police": 3, "per_tps": 2}},
		"tps_classes": {"3601012001": {"rawan": %d, "sangat_rawan": 1}}}`, tps-1)
	p := planOf(t, srv.URL, body)
	want := ((tps-1)+1)/2*3 + 2 // ceil((tps-1)/2) groups of 3, and 2 for the sangat rawan TPS
	for _, d := range p.Desa {
		if d.Code == code && (d.Need != want || d.ClassedBy != "planner" || d.TPSClasses["rawan"] != tps-1 || d.TPSClasses["sangat_rawan"] != 1) {
			t.Errorf("desa %s: need %d, classed by %s, classes %v; want need %d from the planner's classes", code, d.Need, d.ClassedBy, d.TPSClasses, want)
		}
	}
	g := p.Parameters.GuardPatterns
	if g["rawan"].Police != 3 || g["rawan"].PerTPS != 2 || g["kurang_rawan"].Police != 2 || g["kurang_rawan"].PerTPS != 12 {
		t.Errorf("guard patterns echoed as %+v, want rawan 3 per 2 and the default for the rest", g)
	}
}

func TestPlanAsCSVMatchesTheJSON(t *testing.T) {
	srv := newServer(t)
	body := `{"available": 500, "areas": ["36.72", "36.01.01"]}`
	p := planOf(t, srv.URL, body)
	for _, headers := range [][]string{nil, {"Accept", "text/csv"}} {
		query := "?f=csv"
		if headers != nil {
			query = ""
		}
		res := postPlan(t, srv.URL, query, body, headers...)
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV plan: %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
		}
		records, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := records[0]
		col := map[string]int{}
		for i, name := range header {
			col[name] = i
		}
		if len(records)-1 != len(p.Desa) {
			t.Fatalf("%d CSV rows, %d desa in the JSON", len(records)-1, len(p.Desa))
		}
		for i, d := range p.Desa {
			r := records[i+1]
			cell := func(name string) string { return r[col[name]] }
			score, _ := strconv.ParseFloat(cell("score"), 64)
			lon, _ := strconv.ParseFloat(cell("lon"), 64)
			lat, _ := strconv.ParseFloat(cell("lat"), 64)
			got := fmt.Sprintln(cell("code"), cell("name"), cell("kecamatan"), cell("kabupaten"), score, cell("category"), cell("tps"),
				cell("tps_kurang_rawan"), cell("tps_rawan"), cell("tps_sangat_rawan"), cell("classed_by"), cell("need"), cell("min"),
				cell("allocated"), cell("shortfall"), cell("demo"))
			want := fmt.Sprintln(d.Code, d.Name, d.Kecamatan, d.Kabupaten, *d.Score, *d.Category, *d.TPS,
				d.TPSClasses["kurang_rawan"], d.TPSClasses["rawan"], d.TPSClasses["sangat_rawan"], d.ClassedBy, d.Need, d.Min,
				d.Allocated, d.Shortfall, d.Demo)
			if got != want {
				t.Fatalf("CSV row %d: %s\nJSON desa: %s", i+1, got, want)
			}
			if lon < 105 || lon > 107 || lat < -7.1 || lat > -5.8 { // within Banten, south of the equator
				t.Errorf("desa %s placed at %s, %s", d.Code, cell("lon"), cell("lat"))
			}
		}
	}
}

func TestPlanAsCSVDefusesNamesASpreadsheetWouldRun(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	names := map[string]string{
		"36.01.01.2001": `=HYPERLINK("http://example.com","x")`,
		"36.01.01.2002": "+1+1",
		"36.01.01.2003": "-2+3",
		"36.01.01.2004": "@SUM(A1)",
		"36.01.01.2005": "Tanjung Jaya",
	}
	conn := datatest.Conn(t, dbURL)
	for code, name := range names {
		if _, err := conn.Exec(context.Background(), `UPDATE admin_unit SET name = $2 WHERE code = $1`, code, name); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, apiHandler(datatest.Open(t, dbURL)))
	res := postPlan(t, srv.URL, "?f=csv", `{"available": 10, "areas": ["36.01.01"]}`)
	records, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || res.status != http.StatusOK {
		t.Fatalf("%d %v: %s", res.status, err, res.body)
	}
	seen := 0
	for _, r := range records[1:] {
		name, ok := names[r[0]]
		if !ok {
			continue
		}
		seen++
		want := name
		if name != "Tanjung Jaya" {
			want = "'" + name
		}
		if r[1] != want {
			t.Errorf("desa %s named %q in the CSV, want %q", r[0], r[1], want)
		}
		if lat, err := strconv.ParseFloat(r[len(r)-1], 64); err != nil || lat > 0 {
			t.Errorf("desa %s: latitude %q, want a plain negative number", r[0], r[len(r)-1])
		}
	}
	if seen != len(names) {
		t.Errorf("saw %d of the %d renamed desa", seen, len(names))
	}
}

func TestPlanCountsUnscoredTPSAsKurangRawanAndDesaWithoutTPSAtTheirMinimum(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	conn := datatest.Conn(t, dbURL)
	stored, phase := desaUnder(t, conn, "36.01.01")
	unscored, noTPS := "36.01.01.2001", "36.01.01.2002"
	for _, sql := range []string{
		`DELETE FROM risk_score WHERE unit_code = '` + unscored + `' AND phase_code = '` + phase + `'`,
		`UPDATE admin_unit SET tps_count = NULL WHERE code = '` + noTPS + `'`,
	} {
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, apiHandler(datatest.Open(t, dbURL)))
	p := planOf(t, srv.URL, `{"available": 1300, "min_per_desa": 3, "areas": ["36.01.01"]}`)
	tps := stored[unscored].tps
	for _, d := range p.Desa {
		switch d.Code {
		case unscored: // 2 police per 12 kurang rawan TPS, at least 3
			if d.ClassedBy != "unscored" || d.Score != nil || d.Category != nil || d.TPSClasses["kurang_rawan"] != tps || d.Need != max(3, (tps+11)/12*2) {
				t.Errorf("unscored desa: %+v, want its %d TPS kurang rawan", d, tps)
			}
		case noTPS:
			if d.ClassedBy != "no_tps" || d.TPS != nil || d.Need != 3 || d.Allocated != 3 {
				t.Errorf("desa without TPS: %+v, want need and allocation 3, its minimum", d)
			}
		}
	}
	notices := strings.Join(p.Notices, " ")
	if p.Totals.DesaUnscored != 1 || p.Totals.DesaWithoutTPS != 1 || !strings.Contains(notices, "1 desa have no score in phase "+phase) ||
		!strings.Contains(notices, "1 desa have no TPS count") {
		t.Errorf("totals %+v, notices %q; want one unscored desa and one without TPS, both stated", p.Totals, p.Notices)
	}
}

func TestPlanAsGeoJSONHasOneFeaturePerDesa(t *testing.T) {
	srv := newServer(t)
	body := `{"available": 10, "areas": ["36.04"]}`
	p := planOf(t, srv.URL, body)
	for _, req := range []struct{ query, accept string }{{"?f=geojson", ""}, {"", "application/geo+json"}} {
		res := postPlan(t, srv.URL, req.query, body, "Accept", req.accept)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != api.MediaGeoJSON {
			t.Fatalf("GeoJSON plan: %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Type       string `json:"type"`
				ID         int64  `json:"id"`
				Geometry   struct{ Type string }
				Properties planDesa `json:"properties"`
			} `json:"features"`
			Totals struct{ Need, Allocated, Shortfall int }
			Demo   bool
		}
		if err := json.Unmarshal(res.body, &fc); err != nil {
			t.Fatal(err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != len(p.Desa) || !fc.Demo {
			t.Fatalf("%s with %d features (demo %v), want one per desa (%d)", fc.Type, len(fc.Features), fc.Demo, len(p.Desa))
		}
		if fc.Totals.Need != p.Totals.Need || fc.Totals.Allocated != 10 || fc.Totals.Shortfall != p.Totals.Need-10 {
			t.Errorf("GeoJSON totals %+v, JSON totals %+v", fc.Totals, p.Totals)
		}
		for i, f := range fc.Features {
			d := p.Desa[i]
			if f.Type != "Feature" || f.Geometry.Type != "MultiPolygon" || f.ID != mustID(t, d.Code) ||
				f.Properties.Code != d.Code || f.Properties.Allocated != d.Allocated || f.Properties.Need != d.Need {
				t.Fatalf("feature %d: %s %d %s %+v, want desa %+v", i, f.Type, f.ID, f.Geometry.Type, f.Properties, d)
			}
		}
	}
}

func mustID(t *testing.T, code string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.ReplaceAll(code, ".", ""), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestBadPlansGetAProblemNamingTheField(t *testing.T) {
	srv := newServer(t)
	areas := `"36.01"` + strings.Repeat(`, "36.01"`, 100)
	cases := []struct {
		name, query, contentType, body string
		status                         int
		field                          string // the problem's field, or for a 400 its parameter
	}{
		{"negative available", "", "", `{"available": -1, "areas": ["36.01"]}`, 422, "available"},
		{"available missing", "", "", `{"areas": ["36.01"]}`, 422, "available"},
		{"available not a number", "", "", `{"available": "1300", "areas": ["36.01"]}`, 422, "available"},
		{"reserve above available", "", "", `{"available": 10, "reserve": 11, "areas": ["36.01"]}`, 422, "reserve"},
		{"negative minimum", "", "", `{"available": 10, "min_per_desa": -1, "areas": ["36.01"]}`, 422, "min_per_desa"},
		{"no areas", "", "", `{"available": 10, "areas": []}`, 422, "areas"},
		{"area of a bad format", "", "", `{"available": 10, "areas": ["36.1"]}`, 422, "areas"},
		{"area that does not exist", "", "", `{"available": 10, "areas": ["36.01", "36.99"]}`, 422, "areas"},
		{"too many areas", "", "", `{"available": 10, "areas": [` + areas + `]}`, 422, "areas"},
		{"guard group of no TPS", "", "", `{"available": 10, "areas": ["36.01"], "guard_patterns": {"rawan": {"police": 2, "per_tps": 0}}}`, 422, "guard_patterns"},
		{"guard pattern of an unknown class", "", "", `{"available": 10, "areas": ["36.01"], "guard_patterns": {"waspada": {"police": 2, "per_tps": 4}}}`, 422, "guard_patterns"},
		{"unknown field in a guard pattern", "", "", `{"available": 10, "areas": ["36.01"], "guard_patterns": {"rawan": {"polisi": 2}}}`, 422, "polisi"},
		{"unknown field", "", "", `{"available": 10, "areas": ["36.01"], "personnel": 5}`, 422, "personnel"},
		{"TPS classes not adding up", "", "", `{"available": 10, "areas": ["36.01.01"], "tps_classes": {"36.01.01.2001": {"rawan": 1000}}}`, 422, "tps_classes.36.01.01.2001"},
		{"TPS classes of a desa outside the areas", "", "", `{"available": 10, "areas": ["36.01.01"], "tps_classes": {"36.72.01.1001": {"rawan": 1}}}`, 422, "tps_classes.36.72.01.1001"},
		{"TPS classes of a kecamatan", "", "", `{"available": 10, "areas": ["36.01.01"], "tps_classes": {"36.01.01": {"rawan": 1}}}`, 422, "tps_classes.36.01.01"},
		{"unknown phase", "", "", `{"available": 10, "areas": ["36.01"], "phase": "pesta"}`, 400, "phase"},
		{"unknown election", "", "", `{"available": 10, "areas": ["36.01"], "election": "pilkada-1999"}`, 400, "election"},
		{"unknown query parameter", "?available=10", "", `{"available": 10, "areas": ["36.01"]}`, 400, "available"},
		{"unknown format", "?f=xlsx", "", `{"available": 10, "areas": ["36.01"]}`, 400, "f"},
		{"broken JSON", "", "", `{"available": 10,`, 400, ""},
		{"not JSON", "", "text/plain", `available=10`, 415, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			contentType := c.contentType
			if contentType == "" {
				contentType = "application/json"
			}
			res := send(t, http.MethodPost, srv.URL+planPath+c.query, contentType, c.body)
			if res.status != c.status || res.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s %s, want %d problem+json", res.status, res.header.Get("Content-Type"), res.body, c.status)
			}
			var p struct {
				Status    int
				Parameter string
				Problems  []struct{ Field string }
			}
			if err := json.Unmarshal(res.body, &p); err != nil || p.Status != c.status {
				t.Fatalf("%v: %s", err, res.body)
			}
			named := p.Parameter == c.field && c.field != ""
			for _, q := range p.Problems {
				named = named || q.Field == c.field
			}
			if c.field != "" && !named {
				t.Errorf("the problem does not name %s: %s", c.field, res.body)
			}
		})
	}
}

func TestPlanIsAPublicReadUnlessReadsNeedATokenAndIsDocumented(t *testing.T) {
	store := datatest.Open(t, datatest.Banten(t))
	closed := startServer(t, api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{RequireReadToken: true}))
	if res := postPlan(t, closed.URL, "", `{"available": 10, "areas": ["36.01"]}`); res.status != http.StatusUnauthorized {
		t.Errorf("plan without a token on a closed server: %d, want 401", res.status)
	}
	open := startServer(t, apiHandler(store))
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Required   []string       `json:"required"`
						Properties map[string]any `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses  map[string]any `json:"responses"`
			Parameters []struct{ Name string }
		} `json:"paths"`
	}
	if err := json.Unmarshal(get(t, open.URL+"/api").body, &doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Paths[planPath]["post"]
	schema := op.RequestBody.Content[api.MediaJSON].Schema
	for _, field := range []string{"available", "areas", "election", "phase", "guard_patterns", "min_per_desa", "reserve", "tps_classes"} {
		if schema.Properties[field] == nil {
			t.Errorf("the documented body lacks %s", field)
		}
	}
	if fmt.Sprint(schema.Required) != "[available areas]" || op.Responses["200"] == nil || op.Responses["422"] == nil ||
		len(op.Parameters) != 1 || op.Parameters[0].Name != "f" {
		t.Errorf("POST %s documented as %+v", planPath, op)
	}
}

func BenchmarkPlanBanten(b *testing.B) {
	srv := httptest.NewServer(apiHandler(datatest.Open(b, datatest.Banten(b))))
	defer srv.Close()
	body := `{"available": 1300, "areas": ["36"]}`
	for b.Loop() {
		res, err := http.Post(srv.URL+planPath, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatal(res.Status)
		}
	}
}
