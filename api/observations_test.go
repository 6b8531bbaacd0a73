package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// observationFixture is a private Banten database served over HTTP, with an
// editor token and a desa that has no incidents in kampanye.
type observationFixture struct {
	dbURL      string
	url, token string
	conn       *pgx.Conn
	desa       string // code
	kecamatan  string
	tps        int
}

// newEditorFixture serves a private Banten database with the given options
// and an editor token; its desa is left for the test to choose.
func newEditorFixture(t *testing.T, opt api.Options) *observationFixture {
	t.Helper()
	dbURL := datatest.BantenCopy(t)
	store := datatest.OpenServing(t, dbURL)
	_, secret, err := store.CreateToken(context.Background(), data.Actor{Name: "test", Role: data.Admin}, data.TokenSpec{Name: "editor-1", Role: data.Editor})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), opt))
	return &observationFixture{dbURL: dbURL, url: srv.URL, token: secret, conn: datatest.Conn(t, dbURL)}
}

func newObservationFixture(t *testing.T) *observationFixture {
	t.Helper()
	f := newEditorFixture(t, api.Options{})
	err := f.conn.QueryRow(context.Background(), `
		SELECT code, kecamatan_code, tps_count FROM admin_unit u
		WHERE level = 4 AND tps_count BETWEEN 5 AND 30
		  AND NOT EXISTS (SELECT FROM incident i WHERE i.unit_code = u.code AND i.phase_code = 'kampanye')
		ORDER BY code LIMIT 1`).Scan(&f.desa, &f.kecamatan, &f.tps)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *observationFixture) post(t *testing.T, query, contentType, body string) response {
	t.Helper()
	return send(t, http.MethodPost, f.url+"/observations"+query, contentType, body, "Authorization", "Bearer "+f.token)
}

func (f *observationFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// observation is one observation of the fixture's desa in kampanye.
func (f *observationFixture) observation(indicator string, tps int, value float64, at string) map[string]any {
	o := map[string]any{"indicator": indicator, "unit_code": f.desa, "election": "pemilu-2024", "phase": "kampanye",
		"value": value, "source": "bawaslu", "observed_at": at}
	if tps > 0 {
		o["tps"] = tps
	}
	return o
}

// clearAll records 0 for every indicator of the desa (0.9, no risk, for the
// turnout rate) and for every TPS, so that its kampanye score rests on
// nothing but what the test writes next.
func (f *observationFixture) clearAll(t *testing.T) {
	t.Helper()
	rows, err := f.conn.Query(context.Background(), `SELECT code, unit, value_type FROM indicator WHERE incident_type IS NULL ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	var batch []map[string]any
	var code, unit, valueType string
	if _, err := pgx.ForEachRow(rows, []any{&code, &unit, &valueType}, func() error {
		switch {
		case unit == "tps":
			for n := 1; n <= f.tps; n++ {
				batch = append(batch, f.observation(code, n, 0, "2024-01-10T08:00:00+07:00"))
			}
		case valueType == "rate":
			batch = append(batch, f.observation(code, 0, 0.9, "2024-01-10T08:00:00+07:00"))
		default:
			batch = append(batch, f.observation(code, 0, 0, "2024-01-10T08:00:00+07:00"))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(batch)
	if res := f.post(t, "", "application/json", string(body)); res.status != http.StatusCreated {
		t.Fatalf("clearing the desa: %d %s", res.status, res.body)
	}
}

func properties(t *testing.T, url string) map[string]any {
	t.Helper()
	res := get(t, url)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.status, res.body)
	}
	var f struct{ Properties map[string]any }
	if err := json.Unmarshal(res.body, &f); err != nil {
		t.Fatal(err)
	}
	return f.Properties
}

func TestAnObservationThatChangesADesaCategoryShowsInTheDesaAndItsKecamatan(t *testing.T) {
	f := newObservationFixture(t)
	f.clearAll(t)
	desaURL := f.url + "/collections/desa/items/" + f.desa + "?phase=kampanye"
	kecURL := f.url + "/collections/kecamatan/items/" + f.kecamatan + "?phase=kampanye"
	if p := properties(t, desaURL); p["score"] != 0.0 || p["category"] != "rendah" {
		t.Fatalf("with every indicator at 0 the desa scores %v %v, want 0 rendah", p["score"], p["category"])
	}
	kecBefore := properties(t, kecURL)["score"].(float64)

	// Kampanye weights of konteks sosial-politik (migrations/00004_catalogue.sql):
	// riwayat_konflik_massa 3, riwayat_kekerasan_pemilu 3, ujaran_kebencian 2,
	// rawan_bencana 1, insiden_konflik_massa 3, insiden_unjuk_rasa 2: 14 in all.
	// Two binary indicators at 1 and ujaran_kebencian at 6 cases (capped at
	// ref_max 5, so 1): 100 * (3 + 3 + 2) / 14 = 57.142857; the other three
	// dimensions are 0 and all four weigh 1: composite 57.142857 / 4 = 14.29,
	// sedang (13.47 <= 14.29 < 49.33).
	batch := []map[string]any{
		f.observation("riwayat_konflik_massa", 0, 1, "2024-01-20T10:00:00+07:00"),
		f.observation("riwayat_kekerasan_pemilu", 0, 1, "2024-01-20T10:00:00+07:00"),
		f.observation("ujaran_kebencian", 0, 6, "2024-01-20T10:00:00+07:00"),
	}
	body, _ := json.Marshal(batch)
	res := f.post(t, "", "application/json", string(body))
	if res.status != http.StatusCreated {
		t.Fatalf("POST /observations: %d %s", res.status, res.body)
	}
	var report data.ObservationReport
	if err := json.Unmarshal(res.body, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Observations) != 3 || len(report.Rescored) != 1 || report.Rescored[0].After.Category != "sedang" || report.Rescored[0].Before.Category != "rendah" {
		t.Errorf("the write reports %d observations and rescored %+v; want 3 and the desa going from rendah to sedang", len(report.Observations), report.Rescored)
	}

	p := properties(t, desaURL)
	if p["score"] != 14.29 || p["category"] != "sedang" || p["score_social_political"] != 57.14 || p["score_contestation"] != 0.0 {
		t.Errorf("desa after the write: score %v %v, sosial-politik %v, kontestasi %v; want 14.29 sedang, 57.14, 0",
			p["score"], p["category"], p["score_social_political"], p["score_contestation"])
	}
	// Shares: konflik_massa and intimidasi 100*3/14/4 = 5.36 each (tied: by
	// code), ujaran_kebencian 100*2/14/4 = 3.57.
	if got := fmt.Sprint(p["top_threats"]); got != "[intimidasi konflik_massa ujaran_kebencian]" {
		t.Errorf("top threats %s, want [intimidasi konflik_massa ujaran_kebencian]", got)
	}

	// The kecamatan is the TPS-weighted mean of its desa: it rises by the
	// desa's change (0 -> 14.29) times its share of the kecamatan's TPS.
	total := f.count(t, `SELECT sum(tps_count) FROM admin_unit WHERE level = 4 AND kecamatan_code = $1`, f.kecamatan)
	want := kecBefore + 14.29*float64(f.tps)/float64(total)
	if got := properties(t, kecURL)["score"].(float64); math.Abs(got-want) > 0.011 {
		t.Errorf("kecamatan %s scores %.2f after the write, want %.2f (%.2f + 14.29 x %d/%d TPS)", f.kecamatan, got, want, kecBefore, f.tps, total)
	}
}

func TestExplainBreaksADesaScoreDownToTheObservationsBehindIt(t *testing.T) {
	f := newObservationFixture(t)
	f.clearAll(t)
	later := []map[string]any{f.observation("riwayat_konflik_massa", 0, 1, "2024-01-20T10:00:00+07:00")}
	body, _ := json.Marshal(later)
	if res := f.post(t, "", "application/json", string(body)); res.status != http.StatusCreated {
		t.Fatalf("POST /observations: %d %s", res.status, res.body)
	}
	res := get(t, f.url+"/collections/desa/items/"+f.desa+"/explain?phase=kampanye")
	if res.status != http.StatusOK {
		t.Fatalf("explain: %d %s", res.status, res.body)
	}
	var e struct {
		Score struct {
			Score      float64
			Category   string
			TopThreats []string `json:"top_threats"`
		}
		Dimensions []struct {
			Code       string
			Score      float64
			Indicators []struct {
				Indicator    string
				Observed     bool
				Normalized   float64
				Points       float64
				Observations []struct {
					Value float64
					Used  bool
				}
			}
		}
		History []struct {
			Phase string
			Score *float64
		}
		Demo bool
	}
	if err := json.Unmarshal(res.body, &e); err != nil {
		t.Fatal(err)
	}
	// 100 * 3/14 / 4 = 5.357: rendah.
	if e.Score.Score != 5.36 || e.Score.Category != "rendah" || fmt.Sprint(e.Score.TopThreats) != "[konflik_massa]" {
		t.Errorf("explained score %v %s %v, want 5.36 rendah [konflik_massa]", e.Score.Score, e.Score.Category, e.Score.TopThreats)
	}
	var points float64
	var found bool
	indicators := 0
	for _, d := range e.Dimensions {
		for _, ind := range d.Indicators {
			points += ind.Points
			indicators++
			if ind.Indicator != "riwayat_konflik_massa" {
				continue
			}
			found = true
			// The latest observation (1) is used; the earlier 0 and the demo data are not.
			if len(ind.Observations) < 2 || ind.Observations[0].Value != 1 || !ind.Observations[0].Used || ind.Observations[1].Used {
				t.Errorf("riwayat_konflik_massa observations %+v: want the latest (1) first and used, the others unused", ind.Observations)
			}
			if ind.Normalized != 1 || math.Abs(ind.Points-100.0*3/14/4) > 0.00005 {
				t.Errorf("riwayat_konflik_massa normalized %v, %v points; want 1 and %v", ind.Normalized, ind.Points, 100.0*3/14/4)
			}
		}
	}
	if !found {
		t.Error("explain does not list riwayat_konflik_massa")
	}
	// The score is rounded to 2 decimals, each indicator's points to 4.
	if math.Abs(points-e.Score.Score) > 0.005+0.00005*float64(indicators) {
		t.Errorf("the indicators' points add up to %v, the score is %v", points, e.Score.Score)
	}
	var phases []string
	for _, h := range e.History {
		phases = append(phases, h.Phase)
	}
	if strings.Join(phases, ",") != "kampanye,masa_tenang,pemungutan_suara,penghitungan,rekapitulasi" || e.History[0].Score == nil || *e.History[0].Score != 5.36 {
		t.Errorf("history %v (kampanye %v), want the five phases in order with kampanye at 5.36", phases, e.History[0].Score)
	}
	// Every input of the desa in kampanye is now a real observation: the demo
	// data behind it is superseded, so its score is no longer labelled demo.
	if e.Demo {
		t.Error("explain labels as demo a score that rests on real observations only")
	}
}

func TestExplainOfAnUpperUnitListsItsComponents(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/collections/kabupaten/items/36.01/explain?phase=kampanye")
	if res.status != http.StatusOK {
		t.Fatalf("explain: %d %s", res.status, res.body)
	}
	var e struct {
		Score      struct{ Score float64 }
		Components []struct {
			Code     string
			TPSCount int `json:"tps_count"`
		}
		Method string
	}
	if err := json.Unmarshal(res.body, &e); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Components {
		if !strings.HasPrefix(c.Code, "36.01.") || len(c.Code) != 8 {
			t.Errorf("component %s of kabupaten 36.01 is not one of its kecamatan", c.Code)
		}
	}
	if len(e.Components) == 0 || !strings.Contains(e.Method, "TPS-weighted") {
		t.Errorf("%d components, method %q; want the kecamatan of Kab. Pandeglang and the aggregation method", len(e.Components), e.Method)
	}
	if res := get(t, srv.URL+"/collections/desa/items/36.99.99.9999/explain"); res.status != http.StatusNotFound {
		t.Errorf("explain of an unknown desa: %d, want 404", res.status)
	}
}

func TestRefusedObservationsWriteNothing(t *testing.T) {
	f := newObservationFixture(t)
	good := f.observation("riwayat_konflik_massa", 0, 1, "2024-01-20T10:00:00+07:00")
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		want        string // in the problem
	}{
		{"unknown indicator in a batch", "application/json",
			`[` + mustJSON(good) + `,` + mustJSON(f.observation("no_such_indicator", 0, 1, "2024-01-20T10:00:00+07:00")) + `]`,
			http.StatusUnprocessableEntity, `"item":2,"field":"indicator"`},
		{"an indicator fed by incidents", "application/json", mustJSON(f.observation("insiden_politik_uang", 0, 1, "2024-01-20T10:00:00+07:00")),
			http.StatusUnprocessableEntity, "report the incidents"},
		{"binary value 2", "application/json", mustJSON(f.observation("riwayat_konflik_massa", 0, 2, "2024-01-20T10:00:00+07:00")),
			http.StatusUnprocessableEntity, "must be 0 or 1"},
		{"TPS beyond the desa's count", "application/json", mustJSON(f.observation("tps_dpt_bermasalah", 999, 1, "2024-01-20T10:00:00+07:00")),
			http.StatusUnprocessableEntity, "there is no TPS 999"},
		{"TPS indicator without TPS", "application/json", mustJSON(f.observation("tps_dpt_bermasalah", 0, 1, "2024-01-20T10:00:00+07:00")),
			http.StatusUnprocessableEntity, "give the TPS number"},
		{"time without offset", "application/json", mustJSON(f.observation("riwayat_konflik_massa", 0, 1, "2024-01-20T10:00:00")),
			http.StatusUnprocessableEntity, `"field":"observed_at"`},
		{"the future", "application/json", mustJSON(f.observation("riwayat_konflik_massa", 0, 1, "2099-01-01T00:00:00+07:00")),
			http.StatusUnprocessableEntity, "in the future"},
		{"demo source", "application/json", strings.Replace(mustJSON(good), `"bawaslu"`, `"demo"`, 1),
			http.StatusUnprocessableEntity, "reserved"},
		{"a kecamatan code", "application/json", strings.Replace(mustJSON(good), f.desa, f.kecamatan, 1),
			http.StatusUnprocessableEntity, "per desa"},
		{"unknown phase", "application/json", strings.Replace(mustJSON(good), `"kampanye"`, `"pilkada"`, 1),
			http.StatusUnprocessableEntity, `has no phase`},
		{"an unknown field", "application/json", strings.Replace(mustJSON(good), `{`, `{"weight":3,`, 1),
			http.StatusUnprocessableEntity, `"field":"weight","reason":"unknown field`},
		{"a number for a code", "application/json", strings.Replace(mustJSON(good), `"kampanye"`, `7`, 1),
			http.StatusUnprocessableEntity, `"field":"phase","reason":"want a string`},
		{"broken JSON", "application/json", `[{"indicator":`, http.StatusBadRequest, "not valid JSON"},
		{"a JSON string", "application/json", `"observation"`, http.StatusBadRequest, "must be a JSON object or an array of them"},
		{"XML", "application/xml", `<observation/>`, http.StatusUnsupportedMediaType, "text/csv"},
		{"CSV with a bad line", "text/csv", "indicator,unit_code,election,phase,value,source,observed_at\n" +
			"riwayat_konflik_massa," + f.desa + ",pemilu-2024,kampanye,1,bawaslu,2024-01-20T10:00:00+07:00\n" +
			"riwayat_konflik_massa," + f.desa + ",pemilu-2024,kampanye,yes,bawaslu,2024-01-20T10:00:00+07:00\n",
			http.StatusUnprocessableEntity, `"line":3,"field":"value"`},
		{"CSV with an unknown column", "text/csv", "indicator,unit_code,weight\nx,y,z\n", http.StatusUnprocessableEntity, `"line":1,"field":"weight","reason":"unknown column`},
		{"CSV with broken quoting", "text/csv", "indicator,unit_code,election,phase,value,source,observed_at\n\"x,y\n", http.StatusBadRequest, `line 2`},
		{"an empty CSV", "text/csv", "", http.StatusUnprocessableEntity, `"line":1`},
	}
	state := func() string {
		var s string
		if err := f.conn.QueryRow(context.Background(), `
			SELECT (SELECT count(*) FROM observation) || '/' || (SELECT count(*) FROM audit_log) || '/' || (SELECT count(*) FROM scoring_run) || '/' ||
			       (SELECT md5(string_agg(unit_code || score || category, ',' ORDER BY unit_code, phase_code)) FROM risk_score)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := f.post(t, "", c.contentType, c.body)
			if res.status != c.status || !strings.Contains(string(res.body), c.want) {
				t.Errorf("%d %s; want %d with %s", res.status, res.body, c.status, c.want)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
		})
	}
	if state() != before {
		t.Error("refused writes changed the observations, the audit log, the runs or the scores")
	}
}

func TestADryRunReportsTheChangeAndWritesNothing(t *testing.T) {
	f := newObservationFixture(t)
	f.clearAll(t)
	observations := f.count(t, `SELECT count(*) FROM observation`)
	audits := f.count(t, `SELECT count(*) FROM audit_log`)
	csv := "indicator,unit_code,election,phase,value,source,observed_at,note\n" +
		"riwayat_konflik_massa," + f.desa + ",pemilu-2024,kampanye,1,polres,2024-01-20T10:00:00+07:00,laporan intelijen\n" +
		"riwayat_kekerasan_pemilu," + f.desa + ",pemilu-2024,kampanye,1,polres,2024-01-20T10:00:00+07:00,\n" +
		"ujaran_kebencian," + f.desa + ",pemilu-2024,kampanye,5,media,2024-01-21T10:00:00+07:00,\"dua kasus, tiga unggahan\"\n"
	res := f.post(t, "?dry_run=true", "text/csv", csv)
	if res.status != http.StatusOK {
		t.Fatalf("dry run: %d %s", res.status, res.body)
	}
	var report data.ObservationReport
	if err := json.Unmarshal(res.body, &report); err != nil {
		t.Fatal(err)
	}
	// The same three inputs as the category test: 14.29 sedang.
	if !report.DryRun || len(report.Observations) != 3 || len(report.Rescored) != 1 ||
		report.Rescored[0].Before.Score != 0 || report.Rescored[0].After.Score != 14.29 || report.Rescored[0].After.Category != "sedang" {
		t.Errorf("dry run report %s; want 3 observations and the desa from 0 to 14.29 sedang", res.body)
	}
	if got := f.count(t, `SELECT count(*) FROM observation`); got != observations {
		t.Errorf("a dry run wrote %d observations", got-observations)
	}
	if got := f.count(t, `SELECT count(*) FROM audit_log`); got != audits {
		t.Errorf("a dry run wrote %d audit entries", got-audits)
	}
	if p := properties(t, f.url+"/collections/desa/items/"+f.desa+"?phase=kampanye"); p["score"] != 0.0 {
		t.Errorf("after a dry run the desa scores %v, want still 0", p["score"])
	}
	if res := f.post(t, "", "text/csv", csv); res.status != http.StatusCreated {
		t.Fatalf("the same CSV for real: %d %s", res.status, res.body)
	}
	if p := properties(t, f.url+"/collections/desa/items/"+f.desa+"?phase=kampanye"); p["score"] != 14.29 {
		t.Errorf("after the CSV write the desa scores %v, want 14.29", p["score"])
	}
	var entry struct{ Actor, Action string }
	if err := f.conn.QueryRow(context.Background(), `SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&entry.Actor, &entry.Action); err != nil {
		t.Fatal(err)
	}
	if entry.Actor != "editor-1" || entry.Action != "observation.create" {
		t.Errorf("the last audit entry is %+v, want editor-1 observation.create", entry)
	}
}

func TestObservationsAreListedNewestFirst(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/observations?unit_code=3601012001&phase=kampanye&limit=5")
	if res.status != http.StatusOK {
		t.Fatalf("%d %s", res.status, res.body)
	}
	var page struct {
		Observations   []data.Observation
		NumberMatched  int
		NumberReturned int
	}
	if err := json.Unmarshal(res.body, &page); err != nil {
		t.Fatal(err)
	}
	for i, o := range page.Observations {
		if o.UnitCode != "36.01.01.2001" || o.Phase != "kampanye" || (i > 0 && o.ID > page.Observations[i-1].ID) {
			t.Errorf("observation %+v is not of 36.01.01.2001 in kampanye, newest first", o)
		}
	}
	if page.NumberReturned != len(page.Observations) || page.NumberMatched < page.NumberReturned {
		t.Errorf("numberMatched %d, numberReturned %d for %d observations", page.NumberMatched, page.NumberReturned, len(page.Observations))
	}
	if res := get(t, srv.URL+"/observations?unit=36.01"); res.status != http.StatusBadRequest {
		t.Errorf("an unknown parameter: %d, want 400", res.status)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
