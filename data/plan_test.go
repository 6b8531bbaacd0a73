package data_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

func TestPlanDesaReadsEveryDesaOfOverlappingAreasOnce(t *testing.T) {
	dbURL := datatest.Banten(t)
	store, conn := datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
	ctx := context.Background()
	q := data.PlanQuery{Areas: []geo.Code{"36.01.01", "36.01", "36.99", "36.04.05.2001"}, Election: "pemilu-2024", Phase: "kampanye", MaxDesa: 5000, Points: true}
	got, err := store.PlanDesa(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := queryInt(t, conn, `SELECT count(*) FROM admin_unit WHERE length(code) = 13 AND (code LIKE '36.01.%' OR code = '36.04.05.2001')`)
	if len(got.Desa) != want || got.TooMany {
		t.Errorf("%d desa (too many %v), want %d", len(got.Desa), got.TooMany, want)
	}
	var areas []geo.Code
	for _, a := range got.Areas {
		areas = append(areas, a.Code)
	}
	if len(areas) != 3 || areas[0] != "36.01" || areas[1] != "36.01.01" || areas[2] != "36.04.05.2001" {
		t.Errorf("areas found %v, want 36.01, 36.01.01 and 36.04.05.2001 (36.99 does not exist)", areas)
	}
	for i, d := range got.Desa {
		if i > 0 && got.Desa[i-1].Code >= d.Code {
			t.Fatalf("desa out of code order at %s", d.Code)
		}
		var name, kecamatan, kabupaten, category string
		var tps int
		var score float64
		var demo, near bool
		err := conn.QueryRow(ctx, `
			SELECT u.name, k.name, b.name, u.tps_count, r.category, r.score::float8, r.demo,
			       ST_DWithin(u.geom, ST_SetSRID(ST_MakePoint($2, $3), 4326), 1e-5)
			FROM admin_unit u, admin_unit k, admin_unit b, risk_score r
			WHERE u.code = $1 AND k.code = left($1, 8) AND b.code = left($1, 5)
			  AND r.unit_code = u.code AND r.election_code = 'pemilu-2024' AND r.phase_code = 'kampanye'`,
			string(d.Code), *d.Lon, *d.Lat).Scan(&name, &kecamatan, &kabupaten, &tps, &category, &score, &demo, &near)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != name || d.Kecamatan != kecamatan || d.Kabupaten != kabupaten || *d.TPS != tps ||
			string(d.Category) != category || *d.Score != score || d.Demo != demo || !near {
			t.Fatalf("desa %s read as %+v; SQL says %s, %s, %s, %d TPS, %s %v demo %v, point on it %v",
				d.Code, d, name, kecamatan, kabupaten, tps, category, score, demo, near)
		}
	}
	q.MaxDesa = 10
	if got, err := store.PlanDesa(ctx, q); err != nil || len(got.Desa) != 10 || !got.TooMany {
		t.Errorf("with at most 10 desa: %d desa, too many %v, %v", len(got.Desa), got.TooMany, err)
	}
}

func TestDesaGeometriesComeInTheOrderAsked(t *testing.T) {
	store := datatest.Open(t, datatest.Banten(t))
	codes := []geo.Code{"36.72.01.1001", "36.01.01.2001", "36.01.01", "36.01.01.2099"}
	var got []geo.Code
	var types []string
	err := store.DesaGeometries(context.Background(), codes, func(code geo.Code, geometry []byte) error {
		got = append(got, code)
		var g struct{ Type string }
		if geometry != nil {
			if err := json.Unmarshal(geometry, &g); err != nil {
				return err
			}
		}
		types = append(types, g.Type)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A kecamatan and a code that names no desa have no desa geometry.
	if len(got) != 4 || got[0] != codes[0] || got[1] != codes[1] || got[3] != codes[3] ||
		types[0] != "MultiPolygon" || types[1] != "MultiPolygon" || types[2] != "" || types[3] != "" {
		t.Errorf("geometries for %v: %v", got, types)
	}
}
