package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// adminFixture is a private Banten database served over HTTP, with an admin token named "chief".
type adminFixture struct {
	url, token string
	store      *data.Store
	conn       *pgx.Conn
}

func newAdminFixture(t *testing.T) *adminFixture {
	t.Helper()
	dbURL := datatest.BantenCopy(t)
	store := datatest.OpenServing(t, dbURL)
	return &adminFixture{url: startServer(t, apiHandler(store)).URL, token: newToken(t, store, "chief", data.Admin),
		store: store, conn: datatest.Conn(t, dbURL)}
}

// do sends a JSON body with the admin token.
func (f *adminFixture) do(t *testing.T, method, path, body string) response {
	t.Helper()
	return send(t, method, f.url+path, "application/json", body, bearer(f.token)...)
}

// decode reads a response body that must have the given status.
func decode(t *testing.T, res response, status int, v any) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status %d, want %d: %s", res.status, status, res.body)
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("%v: %s", err, res.body)
	}
}

// runQueued executes the queued scoring runs, as the server's worker does.
func (f *adminFixture) runQueued(t *testing.T) {
	t.Helper()
	for {
		ran, err := f.store.RunQueuedScoring(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func (f *adminFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

type queuedRuns struct {
	ScoringRuns []struct {
		ID       int64  `json:"id"`
		Election string `json:"election"`
		Phase    string `json:"phase"`
		Status   string `json:"status"`
		Href     string `json:"href"`
	} `json:"scoring_runs"`
}

// phases lists every phase of every election, from the database.
func (f *adminFixture) phases(t *testing.T) []string {
	t.Helper()
	rows, err := f.conn.Query(context.Background(), `SELECT code FROM election_phase ORDER BY election_code, seq`)
	if err != nil {
		t.Fatal(err)
	}
	phases, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return phases
}

// checkQueuedEveryPhase checks that a change answered one queued run per phase, each with a working link.
func (f *adminFixture) checkQueuedEveryPhase(t *testing.T, q queuedRuns) {
	t.Helper()
	var got []string
	for _, r := range q.ScoringRuns {
		got = append(got, r.Phase)
		if r.Status != "queued" || !strings.HasPrefix(r.Href, f.url+"/scoring/runs/") {
			t.Errorf("run %d: status %q href %q", r.ID, r.Status, r.Href)
		}
		if res := get(t, r.Href); res.status != http.StatusOK {
			t.Errorf("GET %s: %d", r.Href, res.status)
		}
	}
	slices.Sort(got)
	want := f.phases(t)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("queued runs for phases %v, want one for each of %v", got, want)
	}
}

type auditPage struct {
	Entries []struct {
		ID     int64           `json:"id"`
		At     string          `json:"at"`
		Actor  string          `json:"actor"`
		Role   string          `json:"role"`
		Action string          `json:"action"`
		Target string          `json:"target"`
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	} `json:"entries"`
	Links []struct{ Rel, Href string } `json:"links"`
}

// plain prints a JSON value with its object keys sorted.
func plain(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return fmt.Sprint(v)
}

func (f *adminFixture) audit(t *testing.T, query string) auditPage {
	t.Helper()
	var page auditPage
	decode(t, get(t, f.url+"/audit?"+query, bearer(f.token)...), http.StatusOK, &page)
	return page
}

func TestTheCatalogueReadsAsShipped(t *testing.T) {
	srv := newServer(t)
	var indicators struct {
		Indicators []map[string]any `json:"indicators"`
	}
	decode(t, get(t, srv.URL+"/indicators"), http.StatusOK, &indicators)
	// migrations/00004_catalogue.sql: 6 social-political, 6 administration, 6 contestation, 5 participation indicators.
	perDimension := map[string]int{}
	for _, ind := range indicators.Indicators {
		perDimension[ind["dimension"].(string)]++
		for _, field := range []string{"code", "name", "description", "dimension", "threat", "unit", "value_type", "direction",
			"normalization", "ref_min", "ref_max", "weight", "phase_weights", "incident_type"} {
			if _, ok := ind[field]; !ok {
				t.Errorf("indicator %v has no %s", ind["code"], field)
			}
		}
	}
	if want := map[string]int{"social_political": 6, "administration": 6, "contestation": 6, "participation": 5}; fmt.Sprint(perDimension) != fmt.Sprint(want) {
		t.Errorf("indicators per dimension %v, want %v", perDimension, want)
	}
	var moneyPolitics map[string]any
	decode(t, get(t, srv.URL+"/indicators/insiden_politik_uang"), http.StatusOK, &moneyPolitics)
	if moneyPolitics["incident_type"] != "politik_uang" || moneyPolitics["dimension"] != "participation" ||
		fmt.Sprint(moneyPolitics["phase_weights"]) != "map[masa_tenang:5]" || moneyPolitics["weight"] != 3.0 {
		t.Errorf("insiden_politik_uang reads %v", moneyPolitics)
	}
	var turnout map[string]any
	decode(t, get(t, srv.URL+"/indicators/partisipasi_pemilu_lalu"), http.StatusOK, &turnout)
	if turnout["direction"] != -1.0 || turnout["ref_min"] != 0.6 || turnout["ref_max"] != 0.9 || turnout["incident_type"] != nil {
		t.Errorf("partisipasi_pemilu_lalu reads %v", turnout)
	}
	if res := get(t, srv.URL+"/indicators/no_such_thing"); res.status != http.StatusNotFound || !strings.Contains(string(res.body), "no_such_thing") {
		t.Errorf("an unknown indicator: %d %s", res.status, res.body)
	}

	var dims struct{ Dimensions []data.DimensionWeight }
	decode(t, get(t, srv.URL+"/dimensions"), http.StatusOK, &dims)
	if fmt.Sprint(dims.Dimensions) != "[{social_political Konteks sosial-politik 1} {administration Penyelenggaraan pemilu 1} {contestation Kontestasi 1} {participation Partisipasi 1}]" {
		t.Errorf("dimensions %v", dims.Dimensions)
	}
	var thresholds struct{ Thresholds []data.LevelThresholds }
	decode(t, get(t, srv.URL+"/thresholds"), http.StatusOK, &thresholds)
	// Bawaslu IKP 2024 (DOMAIN.md); kecamatan and desa take the kabupaten/kota ones.
	if fmt.Sprint(thresholds.Thresholds) != "[{provinsi 21.7 68.5} {kabupaten 13.47 49.33} {kecamatan 13.47 49.33} {desa 13.47 49.33}]" {
		t.Errorf("thresholds %v", thresholds.Thresholds)
	}
	var threats struct{ Threats []data.Threat }
	decode(t, get(t, srv.URL+"/threats"), http.StatusOK, &threats)
	if len(threats.Threats) != 13 {
		t.Errorf("%d threats, want the 13 of the catalogue", len(threats.Threats))
	}
	var types struct {
		IncidentTypes []data.IncidentType `json:"incident_types"`
	}
	decode(t, get(t, srv.URL+"/incident-types"), http.StatusOK, &types)
	counted := map[string]string{}
	for _, it := range types.IncidentTypes {
		if it.Indicator != nil {
			counted[it.Code] = *it.Indicator
		}
	}
	if len(types.IncidentTypes) != 7 || counted["bentrok_pendukung"] != "insiden_bentrok_pendukung" || counted["unjuk_rasa"] != "insiden_unjuk_rasa" {
		t.Errorf("incident types %+v", types.IncidentTypes)
	}
	if res := get(t, srv.URL+"/thresholds?level=desa"); res.status != http.StatusBadRequest {
		t.Errorf("an unknown parameter: %d", res.status)
	}
}

func TestScoringRunsPageNewestFirstAndShowTheirModel(t *testing.T) {
	srv := newServer(t)
	var page struct {
		Runs  []data.Run
		Links []struct{ Rel, Href string }
	}
	decode(t, get(t, srv.URL+"/scoring/runs?limit=2"), http.StatusOK, &page)
	if len(page.Runs) != 2 || page.Runs[0].ID <= page.Runs[1].ID {
		t.Fatalf("first page %+v", page.Runs)
	}
	var next string
	for _, l := range page.Links {
		if l.Rel == "next" {
			next = l.Href
		}
	}
	first := slices.Clone(page.Runs)
	decode(t, get(t, next), http.StatusOK, &page)
	if len(page.Runs) == 0 || page.Runs[0].ID >= first[1].ID {
		t.Errorf("the next page starts with %+v after %d", page.Runs, first[1].ID)
	}
	var run data.Run
	decode(t, get(t, fmt.Sprintf("%s/scoring/runs/%d", srv.URL, first[0].ID)), http.StatusOK, &run)
	if run.Status != "done" || run.Model == nil || len(run.Model.Indicators) == 0 || run.Model.Phase != run.Phase {
		t.Errorf("run %d: %+v", first[0].ID, run)
	}
	for _, path := range []string{"/scoring/runs/999999", "/scoring/runs/latest"} {
		if res := get(t, srv.URL+path); res.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.status)
		}
	}
	if res := get(t, srv.URL+"/scoring/runs?limit=0"); res.status != http.StatusBadRequest {
		t.Errorf("limit=0: %d, want 400", res.status)
	}
}

func TestLowerDesaThresholdsRecategoriseEveryDesaByItsScore(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	// The scores before the change, per phase: thresholds change categories, never scores.
	type key struct{ phase, code string }
	scores := map[key]float64{}
	rows, err := f.conn.Query(ctx, `SELECT phase_code, unit_code, score::float8 FROM risk_score WHERE length(unit_code) = 13`)
	if err != nil {
		t.Fatal(err)
	}
	var k key
	var score float64
	if _, err := pgx.ForEachRow(rows, []any{&k.phase, &k.code, &score}, func() error { scores[k] = score; return nil }); err != nil {
		t.Fatal(err)
	}
	kabupatenBefore := f.count(t, `SELECT count(*) FILTER (WHERE category = 'tinggi') FROM risk_score WHERE length(unit_code) = 5`)

	var changed struct {
		data.LevelThresholds
		queuedRuns
	}
	decode(t, f.do(t, http.MethodPut, "/thresholds/desa", `{"sedang": 1, "tinggi": 2}`), http.StatusOK, &changed)
	if changed.Level != "desa" || changed.Sedang != 1 || changed.Tinggi != 2 {
		t.Errorf("PUT answered %+v", changed.LevelThresholds)
	}
	f.checkQueuedEveryPhase(t, changed.queuedRuns)
	f.runQueued(t)

	want := map[string]map[string]int{} // phase -> category -> desa
	var sample key                      // a desa scoring between the new thresholds
	for k, s := range scores {
		if want[k.phase] == nil {
			want[k.phase] = map[string]int{}
		}
		switch {
		case s >= 2:
			want[k.phase]["tinggi"]++
		case s >= 1:
			want[k.phase]["sedang"]++
			if k.phase == "kampanye" && (sample.code == "" || k.code < sample.code) {
				sample = k
			}
		default:
			want[k.phase]["rendah"]++
		}
	}
	for _, phase := range f.phases(t) {
		for _, category := range []string{"rendah", "sedang", "tinggi"} {
			fc := getFeatures(t, f.url+"/collections/desa/items?limit=1&phase="+phase+"&category="+category)
			if fc.NumberMatched != want[phase][category] {
				t.Errorf("%s: %d desa %s, want %d (scores %s)", phase, fc.NumberMatched, category, want[phase][category],
					map[string]string{"rendah": "< 1", "sedang": "1 to 2", "tinggi": ">= 2"}[category])
			}
		}
	}
	if sample.code == "" {
		t.Fatal("no desa scores between 1 and 2 in kampanye")
	}
	p := properties(t, f.url+"/collections/desa/items/"+sample.code+"?phase=kampanye")
	if p["category"] != "sedang" || p["score"] != scores[sample] {
		t.Errorf("desa %s (score %v) reads %v %v, want sedang", sample.code, scores[sample], p["score"], p["category"])
	}
	if after := f.count(t, `SELECT count(*) FILTER (WHERE category = 'tinggi') FROM risk_score WHERE length(unit_code) = 5`); after != kabupatenBefore {
		t.Errorf("kabupaten tinggi %d -> %d: only the desa thresholds changed", kabupatenBefore, after)
	}

	page := f.audit(t, "action=threshold.update")
	if len(page.Entries) != 1 {
		t.Fatalf("audit entries %+v", page.Entries)
	}
	e := page.Entries[0]
	if e.Actor != "chief" || e.Role != "admin" || e.Target != "threshold/desa" ||
		plain(t, e.Before) != "map[level:desa sedang:13.47 tinggi:49.33]" || plain(t, e.After) != "map[level:desa sedang:1 tinggi:2]" {
		t.Errorf("audit entry %+v before %s after %s", e, e.Before, e.After)
	}
}

func TestADimensionWeighingZeroDropsOutOfTheComposite(t *testing.T) {
	f := newAdminFixture(t)
	// The desa that contestation raises most in kampanye.
	var code string
	var scoreBefore float64
	if err := f.conn.QueryRow(context.Background(), `
		SELECT unit_code, score::float8 FROM risk_score WHERE length(unit_code) = 13 AND phase_code = 'kampanye'
		ORDER BY score_contestation - score DESC, unit_code LIMIT 1`).Scan(&code, &scoreBefore); err != nil {
		t.Fatal(err)
	}
	var changed struct {
		data.DimensionWeight
		queuedRuns
	}
	decode(t, f.do(t, http.MethodPut, "/dimensions/contestation", `{"weight": 0}`), http.StatusOK, &changed)
	if changed.Code != "contestation" || changed.Weight != 0 {
		t.Errorf("PUT answered %+v", changed.DimensionWeight)
	}
	f.checkQueuedEveryPhase(t, changed.queuedRuns)
	f.runQueued(t)

	// The composite is now the mean of the three other dimensions (each
	// stored rounded to two decimals, so up to 0.01 apart).
	p := properties(t, f.url+"/collections/desa/items/"+code+"?phase=kampanye")
	mean := (p["score_social_political"].(float64) + p["score_administration"].(float64) + p["score_participation"].(float64)) / 3
	if math.Abs(p["score"].(float64)-mean) > 0.0101 || p["score"].(float64) >= scoreBefore {
		t.Errorf("desa %s: score %v (before %v), want the mean of the other dimensions %.3f", code, p["score"], scoreBefore, mean)
	}
	if n := f.count(t, `SELECT count(*) FROM risk_score WHERE length(unit_code) = 13
		AND abs(score - (score_social_political + score_administration + score_participation) / 3) > 0.0101`); n != 0 {
		t.Errorf("%d desa scores are not the mean of the three weighted dimensions", n)
	}
	page := f.audit(t, "action=dimension.update&actor=chief")
	if len(page.Entries) != 1 || plain(t, page.Entries[0].Before) != "map[code:contestation name:Kontestasi weight:1]" ||
		plain(t, page.Entries[0].After) != "map[code:contestation name:Kontestasi weight:0]" {
		t.Errorf("audit %+v", page.Entries)
	}
}

func TestIndicatorChangesAndNewIndicatorsEnterTheScores(t *testing.T) {
	f := newAdminFixture(t)
	var changed map[string]any
	decode(t, f.do(t, http.MethodPut, "/indicators/kades_tidak_netral",
		`{"weight": 4, "phase_weights": {"kampanye": 6, "masa_tenang": 5}, "description": "Kades atau perangkat desa berpihak."}`), http.StatusOK, &changed)
	if changed["weight"] != 4.0 || fmt.Sprint(changed["phase_weights"]) != "map[kampanye:6 masa_tenang:5]" || changed["name"] != "Kepala desa tidak netral" {
		t.Errorf("PUT answered %v", changed)
	}
	var read map[string]any
	decode(t, get(t, f.url+"/indicators/kades_tidak_netral"), http.StatusOK, &read)
	if read["description"] != "Kades atau perangkat desa berpihak." || fmt.Sprint(read["phase_weights"]) != "map[kampanye:6 masa_tenang:5]" {
		t.Errorf("GET after PUT reads %v", read)
	}
	page := f.audit(t, "action=indicator.update")
	if len(page.Entries) != 1 {
		t.Fatalf("audit %+v", page.Entries)
	}
	var auditBefore, auditAfter data.CatalogueIndicator
	json.Unmarshal(page.Entries[0].Before, &auditBefore)
	json.Unmarshal(page.Entries[0].After, &auditAfter)
	if auditBefore.Weight != 2 || len(auditBefore.PhaseWeights) != 0 || auditAfter.Weight != 4 ||
		fmt.Sprint(auditAfter.PhaseWeights) != "map[kampanye:6 masa_tenang:5]" || auditAfter.Description != "Kades atau perangkat desa berpihak." {
		t.Errorf("audit before %s after %s", page.Entries[0].Before, page.Entries[0].After)
	}

	f.runQueued(t)

	// A new desa indicator of contestation, observed in one desa: that desa's
	// contestation score becomes the weighted mean of the old one and 100.
	const desa = "36.72.01.1001"
	before := properties(t, f.url+"/collections/desa/items/"+desa+"?phase=kampanye")["score_contestation"].(float64)
	res := f.do(t, http.MethodPost, "/indicators", `{"code": "posko_dekat_rumah_ibadah", "name": "Posko dekat rumah ibadah",
		"description": "Posko peserta pemilu di dekat rumah ibadah (1 = ya).", "dimension": "contestation", "threat": "bentrok_pendukung",
		"unit": "desa", "value_type": "binary", "direction": 1, "normalization": "none", "ref_min": 0, "ref_max": 1, "weight": 10,
		"phase_weights": {"rekapitulasi": 0}}`)
	var created struct {
		Code string `json:"code"`
		queuedRuns
	}
	decode(t, res, http.StatusCreated, &created)
	if loc := res.header.Get("Location"); loc != f.url+"/indicators/posko_dekat_rumah_ibadah" {
		t.Errorf("Location %q", loc)
	} else if got := get(t, loc); got.status != http.StatusOK {
		t.Errorf("GET %s: %d", loc, got.status)
	}
	f.checkQueuedEveryPhase(t, created.queuedRuns)
	if _, err := f.conn.Exec(context.Background(), `
		INSERT INTO observation (indicator_code, unit_code, election_code, phase_code, value, source, observed_at, recorded_by)
		VALUES ('posko_dekat_rumah_ibadah', $1, 'pemilu-2024', 'kampanye', 1, 'bawaslu', '2024-01-10T08:00:00+07:00', 'test')`, desa); err != nil {
		t.Fatal(err)
	}
	f.runQueued(t)

	// The weight of the other contestation indicators in kampanye, from the catalogue as the API lists it.
	var catalogue struct{ Indicators []data.CatalogueIndicator }
	decode(t, get(t, f.url+"/indicators"), http.StatusOK, &catalogue)
	var others float64
	for _, ind := range catalogue.Indicators {
		if ind.Dimension == "contestation" && ind.Code != "posko_dekat_rumah_ibadah" {
			w, ok := ind.PhaseWeights["kampanye"]
			if !ok {
				w = ind.Weight
			}
			others += w
		}
	}
	if others != 5+2+1+3+6+2 { // migrations/00004_catalogue.sql, with kades_tidak_netral at 6 in kampanye
		t.Errorf("contestation indicators weigh %v in kampanye", others)
	}
	after := properties(t, f.url+"/collections/desa/items/"+desa+"?phase=kampanye")["score_contestation"].(float64)
	if want := (before*others + 100*10) / (others + 10); math.Abs(after-want) > 0.01 {
		t.Errorf("desa %s: contestation %v -> %v, want %.3f", desa, before, after, want)
	}
}

func TestRefusedAdminBodiesGetAProblemAndChangeNothing(t *testing.T) {
	f := newAdminFixture(t)
	if res := f.do(t, http.MethodPost, "/tokens", `{"name": "taken", "role": "viewer"}`); res.status != http.StatusCreated {
		t.Fatalf("creating a token: %d %s", res.status, res.body)
	}
	const valid = `"name": "Baru", "dimension": "contestation", "threat": "netralitas", "unit": "desa", "value_type": "binary", "weight": 1`
	cases := []struct {
		name, method, path, contentType, body string
		status                                int
		field                                 string // the field the problem names (422)
	}{
		{"negative weight", "PUT", "/indicators/kades_tidak_netral", "", `{"weight": -1}`, 422, "weight"},
		{"weight of the wrong type", "PUT", "/indicators/kades_tidak_netral", "", `{"weight": "heavy"}`, 422, "weight"},
		{"unknown field", "PUT", "/indicators/kades_tidak_netral", "", `{"colour": "red"}`, 422, "colour"},
		{"nothing to change", "PUT", "/indicators/kades_tidak_netral", "", `{}`, 422, ""},
		{"ref_min above the stored ref_max", "PUT", "/indicators/kades_tidak_netral", "", `{"ref_min": 5}`, 422, "ref_max"},
		{"ref_max equal to ref_min", "PUT", "/indicators/kades_tidak_netral", "", `{"ref_min": 2, "ref_max": 2}`, 422, "ref_max"},
		{"direction 0", "PUT", "/indicators/kades_tidak_netral", "", `{"direction": 0}`, 422, "direction"},
		{"unknown phase", "PUT", "/indicators/kades_tidak_netral", "", `{"phase_weights": {"final": 2}}`, 422, "phase_weights.final"},
		{"negative phase weight", "PUT", "/indicators/kades_tidak_netral", "", `{"phase_weights": {"kampanye": -2}}`, 422, "phase_weights.kampanye"},
		{"blank name", "PUT", "/indicators/kades_tidak_netral", "", `{"name": "  "}`, 422, "name"},
		{"broken JSON", "PUT", "/indicators/kades_tidak_netral", "", `{"weight": `, 400, ""},
		{"two JSON values", "PUT", "/indicators/kades_tidak_netral", "", `{"weight": 1} {"weight": 2}`, 400, ""},
		{"an array", "PUT", "/indicators/kades_tidak_netral", "", `[{"weight": 1}]`, 400, ""},
		{"empty body", "PUT", "/indicators/kades_tidak_netral", "", ``, 400, ""},
		{"form body", "PUT", "/indicators/kades_tidak_netral", "application/x-www-form-urlencoded", `weight=3`, 415, ""},
		{"no content type", "PUT", "/indicators/kades_tidak_netral", "none", `{"weight": 3}`, 415, ""},
		{"query parameter", "PUT", "/indicators/kades_tidak_netral?dry_run=true", "", `{"weight": 3}`, 400, ""},
		{"unknown indicator", "PUT", "/indicators/no_such_thing", "", `{"weight": 3}`, 404, ""},
		{"existing code", "POST", "/indicators", "", `{"code": "kades_tidak_netral", ` + valid + `}`, 422, "code"},
		{"bad code", "POST", "/indicators", "", `{"code": "Posko Baru", ` + valid + `}`, 422, "code"},
		{"unknown threat", "POST", "/indicators", "", `{"code": "baru", "threat": "naga", "name": "Baru", "dimension": "contestation", "unit": "desa", "value_type": "binary", "weight": 1}`, 422, "threat"},
		{"unknown dimension", "POST", "/indicators", "", `{"code": "baru", "dimension": "economy", "name": "Baru", "threat": "netralitas", "unit": "desa", "value_type": "binary", "weight": 1}`, 422, "dimension"},
		{"TPS count", "POST", "/indicators", "", `{"code": "baru", "unit": "tps", "value_type": "count", "name": "Baru", "dimension": "contestation", "threat": "netralitas", "weight": 1}`, 422, "value_type"},
		{"no weight", "POST", "/indicators", "", `{"code": "baru", "name": "Baru", "dimension": "contestation", "threat": "netralitas", "unit": "desa", "value_type": "binary"}`, 422, "weight"},
		{"incident indicator", "POST", "/indicators", "", `{"code": "baru", ` + valid + `, "incident_type": "politik_uang"}`, 422, "incident_type"},
		{"per-what normalisation", "POST", "/indicators", "", `{"code": "baru", ` + valid + `, "normalization": "per_capita"}`, 422, "normalization"},
		{"negative dimension weight", "PUT", "/dimensions/contestation", "", `{"weight": -0.5}`, 422, "weight"},
		{"no dimension weight", "PUT", "/dimensions/contestation", "", `{}`, 422, "weight"},
		{"unknown dimension code", "PUT", "/dimensions/economy", "", `{"weight": 1}`, 404, ""},
		{"sedang above tinggi", "PUT", "/thresholds/desa", "", `{"sedang": 50, "tinggi": 40}`, 422, "tinggi"},
		{"sedang 0", "PUT", "/thresholds/desa", "", `{"sedang": 0, "tinggi": 40}`, 422, "sedang"},
		{"tinggi above 100", "PUT", "/thresholds/desa", "", `{"sedang": 10, "tinggi": 100.5}`, 422, "tinggi"},
		{"three decimals", "PUT", "/thresholds/desa", "", `{"sedang": 10.005, "tinggi": 40}`, 422, "sedang"},
		{"tinggi missing", "PUT", "/thresholds/desa", "", `{"sedang": 10}`, 422, "tinggi"},
		{"unknown level", "PUT", "/thresholds/dusun", "", `{"sedang": 10, "tinggi": 40}`, 404, ""},
		{"token name with a space", "POST", "/tokens", "", `{"name": "gis team", "role": "viewer"}`, 422, "name"},
		{"unknown role", "POST", "/tokens", "", `{"name": "gis", "role": "superuser"}`, 422, "role"},
		{"token name taken", "POST", "/tokens", "", `{"name": "taken", "role": "viewer"}`, 422, "name"},
		{"unknown token", "DELETE", "/tokens/nobody", "", ``, 404, ""},
		{"body over the limit", "PUT", "/indicators/kades_tidak_netral", "", `{"description": "` + strings.Repeat("x", 9<<20) + `"}`, 413, ""},
	}
	before := tableState(t, f.conn)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			contentType := c.contentType
			switch contentType {
			case "":
				contentType = "application/json"
			case "none":
				contentType = ""
			}
			res := send(t, c.method, f.url+c.path, contentType, c.body, bearer(f.token)...)
			if res.status != c.status || res.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %s %s, want %d problem+json", res.status, res.header.Get("Content-Type"), res.body, c.status)
			}
			var p struct {
				Detail   string
				Problems []struct{ Field, Reason string }
			}
			if err := json.Unmarshal(res.body, &p); err != nil || p.Detail == "" {
				t.Fatalf("problem %s (%v)", res.body, err)
			}
			if c.status == 422 && c.field != "" && !slices.ContainsFunc(p.Problems, func(q struct{ Field, Reason string }) bool { return q.Field == c.field }) {
				t.Errorf("the problems %+v do not name %s", p.Problems, c.field)
			}
		})
	}
	sameState(t, "refused admin writes", before, tableState(t, f.conn))
}

func TestDimensionWeightsCannotAllBeZero(t *testing.T) {
	f := newAdminFixture(t)
	for _, code := range []string{"social_political", "administration", "contestation"} {
		if res := f.do(t, http.MethodPut, "/dimensions/"+code, `{"weight": 0}`); res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", code, res.status, res.body)
		}
	}
	if res := f.do(t, http.MethodPut, "/dimensions/participation", `{"weight": 0}`); res.status != http.StatusUnprocessableEntity {
		t.Errorf("zeroing the last dimension: %d %s, want 422", res.status, res.body)
	}
	if n := f.count(t, `SELECT count(*) FROM dimension WHERE weight > 0`); n != 1 {
		t.Errorf("%d dimensions weigh more than 0, want 1", n)
	}
}

func TestQueuedRescoringCoversEveryPhaseOnceAndRuns(t *testing.T) {
	f := newAdminFixture(t)
	var first, second queuedRuns
	decode(t, f.do(t, http.MethodPost, "/scoring/runs", ``), http.StatusAccepted, &first)
	f.checkQueuedEveryPhase(t, first)
	// Asked again before they ran: the same runs, not a second set.
	decode(t, f.do(t, http.MethodPost, "/scoring/runs", `{}`), http.StatusAccepted, &second)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("a second request queued %+v, want the waiting %+v", second, first)
	}
	if n := f.count(t, `SELECT count(*) FROM scoring_run WHERE status = 'queued'`); n != len(f.phases(t)) {
		t.Errorf("%d runs queued, want one per phase", n)
	}
	f.runQueued(t)
	for _, r := range first.ScoringRuns {
		var run data.Run
		decode(t, get(t, r.Href), http.StatusOK, &run)
		if run.Status != "done" || run.RequestedBy != "chief" || run.UnitsScored == nil || *run.UnitsScored != 1552+155+8+1 {
			t.Errorf("run %d: %+v", r.ID, run)
		}
	}
	if page := f.audit(t, "action=scoring.queue"); len(page.Entries) != 2 || page.Entries[0].Actor != "chief" {
		t.Errorf("audit %+v", page.Entries)
	}
}

func TestTheAuditLogPagesNewestFirstAndFilters(t *testing.T) {
	f := newAdminFixture(t)
	for _, name := range []string{"a", "b", "c"} {
		if res := f.do(t, http.MethodPost, "/tokens", `{"name": "`+name+`", "role": "editor"}`); res.status != http.StatusCreated {
			t.Fatalf("%d %s", res.status, res.body)
		}
	}
	if res := f.do(t, http.MethodDelete, "/tokens/b", ``); res.status != http.StatusOK {
		t.Fatalf("%d %s", res.status, res.body)
	}
	page := f.audit(t, "action=token.create&actor=chief&limit=2")
	if len(page.Entries) != 2 || page.Entries[0].Target != "token/c" || page.Entries[1].Target != "token/b" || page.Entries[0].ID <= page.Entries[1].ID {
		t.Fatalf("first page %+v", page.Entries)
	}
	var next string
	for _, l := range page.Links {
		if l.Rel == "next" {
			next = l.Href
		}
	}
	var rest auditPage
	decode(t, get(t, next, bearer(f.token)...), http.StatusOK, &rest)
	if len(rest.Entries) != 1 || rest.Entries[0].Target != "token/a" || slices.ContainsFunc(rest.Links, func(l struct{ Rel, Href string }) bool { return l.Rel == "next" }) {
		t.Errorf("second page %+v links %+v", rest.Entries, rest.Links)
	}
	revoke := f.audit(t, "action=token.revoke")
	if len(revoke.Entries) != 1 || revoke.Entries[0].Target != "token/b" || !strings.Contains(string(revoke.Entries[0].After), "revoked_at") ||
		!strings.Contains(plain(t, revoke.Entries[0].Before), "revoked_at:<nil>") {
		t.Errorf("revocation entries %+v", revoke.Entries)
	}
	// "chief" was made by the test's command-line actor, not by a token.
	if page := f.audit(t, "actor=cli:test"); len(page.Entries) != 1 || page.Entries[0].Target != "token/chief" || string(page.Entries[0].Before) != "null" {
		t.Errorf("cli:test entries %+v", page.Entries)
	}
	if res := get(t, f.url+"/audit?who=chief", bearer(f.token)...); res.status != http.StatusBadRequest {
		t.Errorf("an unknown parameter: %d", res.status)
	}
}
