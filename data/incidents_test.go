package data_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

var reporter = data.Actor{Name: "polres-serang", Role: data.Editor}

// incidentStore is a private copy of Banten for a test that writes incidents.
func incidentStore(t *testing.T) (*data.Store, *pgx.Conn) {
	t.Helper()
	dbURL := datatest.BantenCopy(t)
	return datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
}

// report is a good incident report at lon, lat.
func report(item int, lon, lat float64) geo.IncidentInput {
	return geo.IncidentInput{Item: item, Type: "konflik_massa", OccurredAt: "2024-01-15T10:30:00+07:00",
		Lon: lon, Lat: lat, Description: "Bentrok dua kelompok warga", Source: "polres"}
}

// coveringDesa lists, by SQL alone, the desa whose polygon covers the point.
func coveringDesa(t *testing.T, conn *pgx.Conn, lon, lat float64) []string {
	t.Helper()
	var codes []string
	err := conn.QueryRow(context.Background(), `
		SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM admin_unit
		WHERE level = 4 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, lon, lat).Scan(&codes)
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

func TestIncidentIsCountedInTheDesaContainingItAndAudited(t *testing.T) {
	store, conn := incidentStore(t)
	ctx := context.Background()
	var lon, lat float64
	if err := conn.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_unit WHERE code = '36.72.01.1001') x`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	if got := coveringDesa(t, conn, lon, lat); !slices.Equal(got, []string{"36.72.01.1001"}) {
		t.Fatalf("the test point lies in %v, want only 36.72.01.1001", got)
	}
	runsBefore := queryInt(t, conn, `SELECT count(*) FROM scoring_run`)
	created, err := store.AddIncidents(ctx, reporter, geo.IncidentBatch{Incidents: []geo.IncidentInput{report(1, lon, lat)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 {
		t.Fatalf("%d incidents created, want 1", len(created))
	}
	in := created[0]
	if in.Desa != "36.72.01.1001" || in.Election != "pemilu-2024" || in.Phase != "kampanye" || in.Type != "konflik_massa" {
		t.Errorf("created %+v, want konflik_massa in 36.72.01.1001, pemilu-2024 kampanye", in)
	}
	var stored struct {
		unit, by, source string
		utc              string
	}
	err = conn.QueryRow(ctx, `SELECT unit_code, recorded_by, source, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM incident WHERE id = $1`, in.ID).
		Scan(&stored.unit, &stored.by, &stored.source, &stored.utc)
	if err != nil {
		t.Fatal(err)
	}
	if stored.unit != "36.72.01.1001" || stored.by != reporter.Name || stored.source != "polres" || stored.utc != "2024-01-15 03:30" {
		t.Errorf("stored %+v", stored)
	}
	var f struct {
		ID         int64          `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(in.Feature, &f); err != nil {
		t.Fatalf("feature %s: %v", in.Feature, err)
	}
	p := f.Properties
	if f.ID != in.ID || p["desa_code"] != "36.72.01.1001" || p["kecamatan_code"] != "36.72.01" || p["kabupaten_code"] != "36.72" ||
		p["occurred_at"] != "2024-01-15T10:30:00+07:00" || p["demo"] != false || p["threat"] != "konflik_massa" || p["phase"] != "kampanye" {
		t.Errorf("feature %s", in.Feature)
	}
	// One write-triggered scoring run for the one phase touched, and one audit entry naming the incident.
	if got := queryInt(t, conn, `SELECT count(*) FROM scoring_run`) - runsBefore; got != 1 {
		t.Errorf("%d scoring runs, want 1", got)
	}
	var actor, after string
	if err := conn.QueryRow(ctx, `SELECT actor, after::text FROM audit_log WHERE action = 'incident.create'`).Scan(&actor, &after); err != nil {
		t.Fatal(err)
	}
	if actor != reporter.Name || !strings.Contains(after, fmt.Sprintf(`"id": %d`, in.ID)) || !strings.Contains(after, `"desa_code": "36.72.01.1001"`) {
		t.Errorf("audit entry by %s: %s", actor, after)
	}
}

func TestIncidentOnASharedBoundaryGoesToTheLowestCode(t *testing.T) {
	store, conn := incidentStore(t)
	ctx := context.Background()
	// Vertices shared by two neighbouring desa lie exactly on both boundaries.
	rows, err := conn.Query(ctx, `
		SELECT DISTINCT ON (a.code) ST_X(v.geom), ST_Y(v.geom)
		FROM admin_unit a JOIN admin_unit b ON b.level = 4 AND b.code > a.code AND ST_Intersects(a.geom, b.geom),
		     LATERAL ST_DumpPoints(a.geom) v
		WHERE a.level = 4 AND a.kabupaten_code = '36.72' AND ST_Covers(b.geom, v.geom)
		ORDER BY a.code, v.path LIMIT 5`)
	if err != nil {
		t.Fatal(err)
	}
	points, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Lon, Lat float64 }])
	if err != nil || len(points) < 2 {
		t.Fatalf("shared vertices: %v, %v", points, err)
	}
	var batch geo.IncidentBatch
	var want []geo.Code
	for i, p := range points {
		covering := coveringDesa(t, conn, p.Lon, p.Lat)
		if len(covering) < 2 {
			t.Fatalf("%v, %v is covered by %v only", p.Lon, p.Lat, covering)
		}
		batch.Incidents = append(batch.Incidents, report(i+1, p.Lon, p.Lat))
		want = append(want, geo.Code(covering[0]))
	}
	for range 2 { // the same point always lands in the same desa
		created, err := store.AddIncidents(ctx, reporter, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range created {
			if in.Desa != want[i] {
				t.Errorf("the point %v on the boundary of %v went to %s, want the lowest code", points[i], coveringDesa(t, conn, points[i].Lon, points[i].Lat), in.Desa)
			}
		}
	}
}

func TestRefusedBatchNamesEveryProblemAndWritesNothing(t *testing.T) {
	store, conn := incidentStore(t)
	ctx := context.Background()
	before := databaseState(t, conn)
	counts := func() string {
		return fmt.Sprint(queryInt(t, conn, `SELECT count(*) FROM audit_log`), queryInt(t, conn, `SELECT count(*) FROM scoring_run`))
	}
	countsBefore := counts()
	good := report(1, 106.1, -6.1) // in Kota Serang
	with := func(item int, change func(*geo.IncidentInput)) geo.IncidentInput {
		in := good
		in.Item = item
		change(&in)
		return in
	}
	cases := []struct {
		name  string
		batch geo.IncidentBatch
		want  []string // item:field:words of the reason
	}{
		{"a point in the sea", geo.IncidentBatch{Incidents: []geo.IncidentInput{good, report(2, 105.0, -6.5)}},
			[]string{"2:geometry:outside every desa"}},
		{"one bad item of each kind", geo.IncidentBatch{Incidents: []geo.IncidentInput{
			good,
			with(2, func(in *geo.IncidentInput) { in.Type = "kerusuhan" }),
			with(3, func(in *geo.IncidentInput) { in.OccurredAt = "2024-06-01T10:00:00+07:00" }),
			with(4, func(in *geo.IncidentInput) { in.OccurredAt = "2024-01-15T10:30:00" }),
			with(5, func(in *geo.IncidentInput) { in.Source = "demo" }),
			with(6, func(in *geo.IncidentInput) { in.Phase = "rekapitulasi" }),
			with(7, func(in *geo.IncidentInput) { in.Type, in.Source, in.Lon, in.Lat = "kerusuhan", "demo", 105.0, -6.5 }),
		}}, []string{
			"2:type:unknown incident type", "3:occurred_at:outside the election", "4:occurred_at:no UTC offset",
			"5:source:demo", "6:phase:does not contain", "7:source:demo", "7:type:unknown", "7:geometry:outside every desa",
		}},
		{"an item that could not be read", geo.IncidentBatch{Incidents: []geo.IncidentInput{good},
			Problems: []geo.InputProblem{{Item: 2, Field: "type", Reason: "not a GeoJSON Feature"}}},
			[]string{"2:type:not a GeoJSON Feature"}},
		{"a CSV line outside every desa", geo.IncidentBatch{Incidents: []geo.IncidentInput{with(1, func(in *geo.IncidentInput) { in.Line, in.Lon, in.Lat = 2, 105.0, -6.5 })}},
			[]string{"2:lon,lat:outside every desa"}},
		{"nothing", geo.IncidentBatch{}, []string{"0::no incidents"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := store.AddIncidents(ctx, reporter, c.batch)
			var invalid *data.InvalidInput
			if !errors.As(err, &invalid) {
				t.Fatalf("error %v, want InvalidInput", err)
			}
			if len(invalid.Problems) != len(c.want) {
				t.Errorf("problems %v, want %v", invalid.Problems, c.want)
			}
			for _, w := range c.want {
				parts := strings.SplitN(w, ":", 3)
				found := slices.ContainsFunc(invalid.Problems, func(p geo.InputProblem) bool {
					at := p.Item
					if p.Line > 0 {
						at = p.Line
					}
					return fmt.Sprint(at) == parts[0] && p.Field == parts[1] && strings.Contains(p.Reason, parts[2])
				})
				if !found {
					t.Errorf("no problem %s in %v", w, invalid.Problems)
				}
			}
		})
	}
	if databaseState(t, conn) != before || counts() != countsBefore {
		t.Error("a refused batch changed the database")
	}
}

func TestIncidentPhaseOnOverlapDaysIsTheEarlierUnlessNamed(t *testing.T) {
	store, conn := incidentStore(t)
	ctx := context.Background()
	// Pemilu 2024: pemungutan_suara 14 Feb, penghitungan 14-15 Feb, rekapitulasi from 15 Feb (WIB).
	cases := []struct{ at, named, want string }{
		{"2024-02-13T23:30:00+07:00", "", "masa_tenang"},
		{"2024-02-13T17:30:00Z", "", "pemungutan_suara"}, // 00:30 WIB on the 14th
		{"2024-02-14T10:00:00+07:00", "", "pemungutan_suara"},
		{"2024-02-14T20:00:00+07:00", "penghitungan", "penghitungan"},
		{"2024-02-15T09:00:00+07:00", "", "penghitungan"},
		{"2024-02-15T09:00:00+07:00", "rekapitulasi", "rekapitulasi"},
	}
	var batch geo.IncidentBatch
	for i, c := range cases {
		in := report(i+1, 106.1, -6.1)
		in.OccurredAt, in.Phase = c.at, c.named
		batch.Incidents = append(batch.Incidents, in)
	}
	runsBefore := queryInt(t, conn, `SELECT count(*) FROM scoring_run`)
	created, err := store.AddIncidents(ctx, reporter, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		var phase string
		if err := conn.QueryRow(ctx, `SELECT phase_code FROM incident WHERE id = $1`, created[i].ID).Scan(&phase); err != nil {
			t.Fatal(err)
		}
		if phase != c.want {
			t.Errorf("%s (phase %q): stored in %s, want %s", c.at, c.named, phase, c.want)
		}
	}
	// Rescored once per phase touched: masa_tenang, pemungutan_suara, penghitungan, rekapitulasi.
	if got := queryInt(t, conn, `SELECT count(*) FROM scoring_run`) - runsBefore; got != 4 {
		t.Errorf("%d scoring runs, want 4", got)
	}
}
