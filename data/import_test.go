package data_test

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

func TestImportBantenLoadsEveryLevelWithTheSourcesFigures(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	report := datatest.ImportBanten(t, store)

	// shared/data/README.md: 1,552 desa/kelurahan, 155 kecamatan, 8 kabupaten/kota; no provinsi file, so it is dissolved.
	want := map[geo.Level][2]int{geo.Desa: {1552, 0}, geo.Kecamatan: {155, 0}, geo.Kabupaten: {8, 0}, geo.Provinsi: {0, 1}}
	for l, w := range want {
		if report.Read[l] != w[0] || report.Dissolved[l] != w[1] {
			t.Errorf("%s: read %d dissolved %d, want %d and %d", l, report.Read[l], report.Dissolved[l], w[0], w[1])
		}
	}
	if report.Inserted != 1716 || len(report.Repaired) != 0 {
		t.Errorf("inserted %d repaired %d, want 1716 and 0 (the sample is already valid)", report.Inserted, len(report.Repaired))
	}

	conn := datatest.Conn(t, dbURL)
	ctx := context.Background()
	var name, kind, kecamatan string
	if err := conn.QueryRow(ctx, `SELECT u.name, u.kind, k.name FROM admin_unit u JOIN admin_unit k ON k.code = u.parent_code WHERE u.code = '36.72.01.1001'`).Scan(&name, &kind, &kecamatan); err != nil {
		t.Fatal(err)
	}
	if name != "Cibeber" || kind != "kelurahan" || kecamatan != "Cibeber" {
		t.Errorf("36.72.01.1001 = %s (%s) in kecamatan %s, want kelurahan Cibeber in kecamatan Cibeber", name, kind, kecamatan)
	}
	if got := queryInt(t, conn, `SELECT count(*) FROM admin_unit WHERE code = '36' AND name = 'Banten' AND kind = 'provinsi'`); got != 1 {
		t.Error("provinsi 36 Banten was not dissolved from its kabupaten")
	}
	// The README's table per kabupaten/kota: desa+kelurahan, kecamatan, TPS 2024, and kind from its name.
	table := []struct {
		code, name           string
		desa, kecamatan, tps int
	}{
		{"36.01", "Kabupaten Pandeglang", 339, 35, 3759},
		{"36.02", "Kabupaten Lebak", 345, 28, 3995},
		{"36.03", "Kabupaten Tangerang", 274, 29, 9016},
		{"36.04", "Kabupaten Serang", 326, 29, 4425},
		{"36.71", "Kota Tangerang", 104, 13, 5175},
		{"36.72", "Kota Cilegon", 43, 8, 1253},
		{"36.73", "Kota Serang", 67, 6, 1877},
		{"36.74", "Kota Tangerang Selatan", 54, 7, 3824},
	}
	for _, k := range table {
		var gotName, gotKind string
		var tps int
		if err := conn.QueryRow(ctx, `SELECT name, kind, tps_count FROM admin_unit WHERE code = $1`, k.code).Scan(&gotName, &gotKind, &tps); err != nil {
			t.Fatalf("%s: %v", k.code, err)
		}
		wantKind := strings.ToLower(strings.Fields(k.name)[0])
		if gotName != k.name || gotKind != wantKind || tps != k.tps {
			t.Errorf("%s = %s (%s, %d TPS), want %s (%s, %d TPS)", k.code, gotName, gotKind, tps, k.name, wantKind, k.tps)
		}
		if n := queryInt(t, conn, `SELECT count(*) FROM admin_unit WHERE level = 4 AND kabupaten_code = $1`, k.code); n != k.desa {
			t.Errorf("%s has %d desa, want %d", k.code, n, k.desa)
		}
		if n := queryInt(t, conn, `SELECT count(*) FROM admin_unit WHERE level = 3 AND kabupaten_code = $1`, k.code); n != k.kecamatan {
			t.Errorf("%s has %d kecamatan, want %d", k.code, n, k.kecamatan)
		}
	}
	if tps := queryInt(t, conn, `SELECT tps_count FROM admin_unit WHERE code = '36'`); tps != 33324 {
		t.Errorf("Banten has %d TPS, want 33,324 (KPU)", tps)
	}
	var area float64
	if err := conn.QueryRow(ctx, `SELECT sum(area_km2)::float8 FROM admin_unit WHERE level = 4`).Scan(&area); err != nil {
		t.Fatal(err)
	}
	if math.Abs(area-9352.8) > 0.5 {
		t.Errorf("desa cover %.1f km², want 9,352.8 (geodesic area in the README)", area)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM admin_unit WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326`); n != 0 {
		t.Errorf("%d stored geometries are invalid or not EPSG:4326", n)
	}
}

func TestReimportChangesNothing(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	datatest.ImportBanten(t, store)
	conn := datatest.Conn(t, dbURL)
	before := databaseState(t, conn)
	version := queryInt(t, conn, `SELECT version FROM boundary_version`)
	report := datatest.ImportBanten(t, store)
	if report.Inserted != 0 || report.Updated != 0 || report.Unchanged != 1716 {
		t.Errorf("re-import: %d inserted, %d updated, %d unchanged; want 0, 0, 1716", report.Inserted, report.Updated, report.Unchanged)
	}
	if after := databaseState(t, conn); after != before {
		t.Error("re-importing the same files changed the database")
	}
	// Nor the boundaries' version: what is derived from the shapes stays current.
	if v := queryInt(t, conn, `SELECT version FROM boundary_version`); v != version {
		t.Errorf("re-importing the same files moved boundary_version from %d to %d", version, v)
	}
}

// square is a closed lon/lat ring around (lon, lat) with half-width d.
func square(lon, lat, d float64) string {
	return strings.NewReplacer("L0", ftoa(lon-d), "L1", ftoa(lon+d), "B0", ftoa(lat-d), "B1", ftoa(lat+d)).
		Replace(`[[[L0,B0],[L1,B0],[L1,B1],[L0,B1],[L0,B0]]]`)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func feature(props, geometry string) string {
	return `{"type":"Feature","properties":{` + props + `},"geometry":` + geometry + `}`
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func polygon(coords string) string { return `{"type":"Polygon","coordinates":` + coords + `}` }

func source(name, body string) data.BoundarySource {
	return data.BoundarySource{Name: name, Reader: strings.NewReader(body)}
}

func TestImportFailuresLeaveTheDatabaseUnchanged(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	datatest.ImportBanten(t, store)
	conn := datatest.Conn(t, dbURL)
	before := databaseState(t, conn)

	// A new, valid desa in an existing kecamatan: each bad file below comes after it,
	// so a non-atomic import would leave it behind.
	good := feature(`"kode":"36.01.01.2999","nama":"Desa Baru"`, polygon(square(105.5, -6.7, 0.001)))
	cases := []struct {
		name    string
		sources []data.BoundarySource
		source  string
		index   int
		reason  string
	}{
		{"wrong geometry type", []data.BoundarySource{source("desa.geojson", collection(good,
			feature(`"kode":"36.01.01.2998","nama":"Titik"`, `{"type":"Point","coordinates":[105.5,-6.7]}`)))},
			"desa.geojson", 1, "Point"},
		{"missing code", []data.BoundarySource{source("desa.geojson", collection(good,
			feature(`"nama":"Tanpa Kode"`, polygon(square(105.5, -6.7, 0.001)))))},
			"desa.geojson", 1, `"kode"`},
		{"coordinates out of range", []data.BoundarySource{source("desa.geojson", collection(good,
			feature(`"kode":"36.01.01.2998","nama":"Jauh"`, polygon(square(185, -6.7, 0.001)))))},
			"desa.geojson", 1, "out of range"},
		{"unknown parent", []data.BoundarySource{
			source("desa.geojson", collection(good, feature(`"kode":"36.01.99.2001","nama":"Yatim","kecamatan":"Hilang"`, polygon(square(105.6, -6.7, 0.001))))),
			source("kecamatan.geojson", collection(feature(`"kode":"36.01.01","nama":"Sumur"`, polygon(square(105.5, -6.7, 0.01)))))},
			"desa.geojson", 1, "unknown parent 36.01.99"},
		{"duplicate code", []data.BoundarySource{source("desa.geojson", collection(good, good))},
			"desa.geojson feature 0, desa.geojson feature 1", -1, "more than once"},
		{"truncated file", []data.BoundarySource{source("desa.geojson", strings.TrimSuffix(collection(good, good), "}]}"))},
			"desa.geojson", 1, "malformed JSON"},
		{"not a feature collection", []data.BoundarySource{source("desa.geojson", `{"type":"Feature"}`)},
			"desa.geojson", -1, "FeatureCollection"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := store.ImportBoundaries(context.Background(), c.sources, nil)
			var ie *data.ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an ImportError", err)
			}
			if ie.Source != c.source || ie.Index != c.index || !strings.Contains(ie.Reason, c.reason) {
				t.Errorf("got %q (source %q, index %d), want source %q, index %d, a reason mentioning %q", err, ie.Source, ie.Index, c.source, c.index, c.reason)
			}
			if after := databaseState(t, conn); after != before {
				t.Error("the failed import changed the database")
			}
		})
	}
}

func TestImportRepairsInvalidRingsAndDissolvesMissingLevels(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	parents := `"kecamatan":"Kecamatan Uji","kabupaten":"Kota Uji","provinsi":"Provinsi Uji"`
	// A bow-tie: its ring crosses itself at (100.5, 0.5).
	bowtie := polygon(`[[[100,0],[101,1],[101,0],[100,1],[100,0]]]`)
	neighbour := polygon(`[[[101,0],[102,0],[102,1],[101,1],[101,0]]]`)
	report, err := store.ImportBoundaries(context.Background(), []data.BoundarySource{source("uji.geojson", collection(
		feature(`"kode":"99.71.01.1001","nama":"Dasi",`+parents+`,"jumlah_tps":3`, bowtie),
		feature(`"kode":"99.71.01.2002","nama":"Kotak",`+parents+`,"jumlah_tps":4`, neighbour)))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Repaired) != 1 || report.Repaired[0].Code != "99.71.01.1001" || !strings.Contains(report.Repaired[0].Reason, "Self-intersection") {
		t.Fatalf("repaired %+v, want the bow-tie 99.71.01.1001 reported as a self-intersection", report.Repaired)
	}
	for _, l := range []geo.Level{geo.Kecamatan, geo.Kabupaten, geo.Provinsi} {
		if report.Dissolved[l] != 1 {
			t.Errorf("%s: %d dissolved, want 1", l, report.Dissolved[l])
		}
	}
	conn := datatest.Conn(t, dbURL)
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT code, name, kind, tps_count, ST_IsValid(geom), ST_Area(geom) FROM admin_unit ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	type unit struct {
		name, kind string
		tps        int
		valid      bool
		area       float64
	}
	got := map[string]unit{}
	for rows.Next() {
		var code string
		var u unit
		if err := rows.Scan(&code, &u.name, &u.kind, &u.tps, &u.valid, &u.area); err != nil {
			t.Fatal(err)
		}
		got[code] = u
	}
	// The bow-tie repairs to its two triangles, each of area 0.25 square degrees; the square is 1.
	want := map[string]unit{
		"99":            {"Provinsi Uji", "provinsi", 7, true, 1.5},
		"99.71":         {"Kota Uji", "kota", 7, true, 1.5},
		"99.71.01":      {"Kecamatan Uji", "kecamatan", 7, true, 1.5},
		"99.71.01.1001": {"Dasi", "kelurahan", 3, true, 0.5},
		"99.71.01.2002": {"Kotak", "desa", 4, true, 1},
	}
	for code, w := range want {
		g, ok := got[code]
		if !ok {
			t.Errorf("%s missing", code)
			continue
		}
		if g.name != w.name || g.kind != w.kind || g.tps != w.tps || !g.valid || math.Abs(g.area-w.area) > 1e-9 {
			t.Errorf("%s = %+v, want %+v", code, g, w)
		}
	}
}
