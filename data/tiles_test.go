package data_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

// decodeTile reads a tile as a client would and returns its one layer's
// features; an empty tile has none.
func decodeTile(t *testing.T, tile []byte, layer string) mvt.Layers {
	t.Helper()
	layers, err := mvt.Unmarshal(tile)
	if err != nil {
		t.Fatalf("tile does not decode: %v", err)
	}
	for _, l := range layers {
		if l.Name != layer {
			t.Fatalf("tile has a layer %q, want only %q", l.Name, layer)
		}
		if l.Extent != data.TileExtent {
			t.Errorf("layer extent %d, want %d", l.Extent, data.TileExtent)
		}
	}
	return layers
}

// featureProperties indexes the features of a decoded tile by a property (code or id).
func featureProperties(layers mvt.Layers, key string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, l := range layers {
		for _, f := range l.Features {
			out[fmt.Sprint(f.Properties[key])] = f.Properties
		}
	}
	return out
}

func tileOf(t *testing.T, store *data.Store, r data.TileRequest) []byte {
	t.Helper()
	_, b, err := store.Tile(context.Background(), r)
	if err != nil {
		t.Fatalf("%s: %v", r.Key(), err)
	}
	return b
}

func TestTileBoundsAreThoseOfPostGIS(t *testing.T) {
	conn := datatest.Conn(t, datatest.Banten(t))
	for _, tile := range []geo.Tile{{Z: 0}, {Z: 1, X: 1}, {Z: 8, X: 203, Y: 132}, {Z: 12, X: 3263, Y: 2118}, {Z: 16, X: 52234, Y: 33901}} {
		var want geo.MercatorBox
		err := conn.QueryRow(context.Background(), `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ST_TileEnvelope($1, $2, $3) e`,
			tile.Z, tile.X, tile.Y).Scan(&want.MinX, &want.MinY, &want.MaxX, &want.MaxY)
		if err != nil {
			t.Fatal(err)
		}
		got := tile.Bounds()
		if d := max(math.Abs(got.MinX-want.MinX), math.Abs(got.MinY-want.MinY), math.Abs(got.MaxX-want.MaxX), math.Abs(got.MaxY-want.MaxY)); d > 1e-6 {
			t.Errorf("%v: bounds %+v, ST_TileEnvelope %+v", tile, got, want)
		}
	}
}

// No generalisation may lose a unit: each one is in the tile containing its
// point on surface, at its first zoom and in every band after it.
func TestEveryUnitIsInTheTileOfItsPointAtEveryBand(t *testing.T) {
	dbURL := datatest.Banten(t)
	store, conn := datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
	type unit struct {
		Code     string
		Lon, Lat float64
	}
	for _, l := range geo.Levels {
		rows, err := conn.Query(context.Background(), `
			SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) p FROM admin_unit WHERE level = $1) u`, int16(l))
		if err != nil {
			t.Fatal(err)
		}
		units, err := pgx.CollectRows(rows, pgx.RowToStructByPos[unit])
		if err != nil {
			t.Fatal(err)
		}
		// The first zoom of the level, then the first zoom of each band after it.
		rows, err = conn.Query(context.Background(), `SELECT min_zoom FROM tile_band WHERE min_zoom > $1 ORDER BY min_zoom`, geo.MinZoom(l))
		if err != nil {
			t.Fatal(err)
		}
		bandZooms, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		zooms := append([]int{geo.MinZoom(l)}, bandZooms...)
		for _, z := range zooms {
			byTile := map[geo.Tile][]string{}
			for _, u := range units {
				tile := geo.TileAt(u.Lon, u.Lat, z)
				byTile[tile] = append(byTile[tile], u.Code)
			}
			missing := 0
			for tile, codes := range byTile {
				got := featureProperties(decodeTile(t, tileOf(t, store, data.TileRequest{Tile: tile, Level: l, Election: "pemilu-2024", Phase: "kampanye"}), l.String()), "code")
				for _, code := range codes {
					if got[code] == nil {
						missing++
						if missing <= 5 {
							t.Errorf("%s %s is not in tile %v, which contains its point on surface", l, code, tile)
						}
					}
				}
			}
			if missing > 0 {
				t.Errorf("%s at z%d: %d of %d units missing from their tiles", l, z, missing, len(units))
			}
		}
	}
}

func TestTileAttributesAreTheStoredScoresOfThePhase(t *testing.T) {
	dbURL := datatest.Banten(t)
	store, conn := datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
	// z11 over Kota Serang: dozens of desa.
	tile := geo.TileAt(106.15, -6.12, 11)
	phaseScores := map[string]string{}
	for _, phase := range []string{"kampanye", "masa_tenang"} {
		got := featureProperties(decodeTile(t, tileOf(t, store, data.TileRequest{Tile: tile, Level: geo.Desa, Election: "pemilu-2024", Phase: phase}), "desa"), "code")
		if len(got) < 20 {
			t.Fatalf("%s: %d desa in the tile over Kota Serang, want dozens", phase, len(got))
		}
		var scores []string
		for code, props := range got {
			var name, category, threats string
			var score, sp, adm, con, par float64
			var tps int
			var demo bool
			err := conn.QueryRow(context.Background(), `
				SELECT u.name, r.category, r.score::float8, r.score_social_political::float8, r.score_administration::float8,
				       r.score_contestation::float8, r.score_participation::float8, array_to_string(r.top_threats, ','), u.tps_count, r.demo
				FROM admin_unit u JOIN risk_score r ON r.unit_code = u.code AND r.election_code = 'pemilu-2024' AND r.phase_code = $2
				WHERE u.code = $1`, code, phase).Scan(&name, &category, &score, &sp, &adm, &con, &par, &threats, &tps, &demo)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			want := map[string]any{"code": code, "name": name, "category": category, "score": score,
				"score_social_political": sp, "score_administration": adm, "score_contestation": con, "score_participation": par,
				"top_threats": threats, "tps_count": float64(tps), "demo": demo}
			for k, v := range want {
				if props[k] != v {
					t.Errorf("%s %s: %s = %v (%T), want %v", phase, code, k, props[k], props[k], v)
				}
			}
			if len(props) != len(want) {
				t.Errorf("%s: attributes %v, want exactly %d", code, props, len(want))
			}
			scores = append(scores, fmt.Sprintf("%s=%v", code, props["score"]))
		}
		slices.Sort(scores)
		phaseScores[phase] = strings.Join(scores, " ")
	}
	if phaseScores["kampanye"] == phaseScores["masa_tenang"] {
		t.Error("the tiles of two phases carry the same scores")
	}
}

func TestTilesOutsideTheLayersZoomsOrDataAreEmpty(t *testing.T) {
	store := datatest.Open(t, datatest.Banten(t))
	serang := func(z int) geo.Tile { return geo.TileAt(106.15, -6.12, z) }
	for _, c := range []struct {
		name string
		r    data.TileRequest
	}{
		{"desa below z8", data.TileRequest{Tile: serang(7), Level: geo.Desa}},
		{"kecamatan below z7", data.TileRequest{Tile: serang(6), Level: geo.Kecamatan}},
		{"kabupaten below z4", data.TileRequest{Tile: serang(3), Level: geo.Kabupaten}},
		{"incidents below z8", data.TileRequest{Tile: serang(7)}},
		{"desa over the Indian Ocean", data.TileRequest{Tile: geo.TileAt(100, -20, 10), Level: geo.Desa, Election: "pemilu-2024", Phase: "kampanye"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tile := tileOf(t, store, c.r)
			if len(tile) != 0 || len(decodeTile(t, tile, c.r.Layer())) != 0 {
				t.Fatalf("%d bytes, want an empty tile", len(tile))
			}
		})
	}
	// The same places at the layers' first zooms are not empty.
	for _, r := range []data.TileRequest{
		{Tile: serang(8), Level: geo.Desa, Election: "pemilu-2024", Phase: "kampanye"},
		{Tile: serang(8)},
	} {
		if len(tileOf(t, store, r)) == 0 {
			t.Errorf("%s is empty", r.Key())
		}
	}
}

func TestIncidentTilesHoldTheIncidentsTheFiltersSelect(t *testing.T) {
	dbURL := datatest.Banten(t)
	store, conn := datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
	tile := geo.TileAt(106.15, -6.12, 10)
	// The incidents strictly inside the tile, and those within its buffer, by SQL alone.
	inTile := func(margin float64, filter string, args ...any) []string {
		rows, err := conn.Query(context.Background(), `
			SELECT id::text FROM incident n
			WHERE ST_Intersects(ST_Transform(n.geom, 3857), ST_TileEnvelope($1, $2, $3, margin => $4)) AND `+filter,
			append([]any{tile.Z, tile.X, tile.Y, margin}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	from, until := time.Date(2024, 1, 1, 0, 0, 0, 0, geo.WIB), time.Date(2024, 1, 15, 0, 0, 0, 0, geo.WIB)
	for _, c := range []struct {
		name   string
		r      data.TileRequest
		filter string
		args   []any
	}{
		{"all", data.TileRequest{}, "true", nil},
		{"one phase", data.TileRequest{Election: "pemilu-2024", Phase: "masa_tenang"}, "n.election_code = 'pemilu-2024' AND n.phase_code = 'masa_tenang'", nil},
		{"two types", data.TileRequest{Types: []string{"politik_uang", "konflik_massa"}}, "n.type IN ('politik_uang', 'konflik_massa')", nil},
		{"a fortnight", data.TileRequest{Time: geo.TimeRange{From: &from, Until: &until}}, "n.occurred_at >= $5 AND n.occurred_at < $6", []any{from, until}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.Tile = tile
			got := featureProperties(decodeTile(t, tileOf(t, store, c.r), "insiden"), "id")
			inside, buffered := inTile(0, c.filter, c.args...), inTile(64.0/4096, c.filter, c.args...)
			if len(inside) == 0 {
				t.Fatal("no incident in the tile: pick another")
			}
			for _, id := range inside {
				if got[id] == nil {
					t.Errorf("incident %s is inside the tile but not in it", id)
				}
			}
			for id := range got {
				if !slices.Contains(buffered, id) {
					t.Errorf("incident %s is in the tile but outside its buffer or filter", id)
				}
			}
		})
	}
	// Attributes are those the items give.
	var id int64
	var typ, typeName, occurredAt, desa string
	var demo bool
	err := conn.QueryRow(context.Background(), `
		SELECT n.id, n.type, t.name, to_char(n.occurred_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"'), n.unit_code, n.source = 'demo'
		FROM incident n JOIN incident_type t ON t.code = n.type
		WHERE ST_Intersects(ST_Transform(n.geom, 3857), ST_TileEnvelope($1, $2, $3)) ORDER BY n.id LIMIT 1`, tile.Z, tile.X, tile.Y).
		Scan(&id, &typ, &typeName, &occurredAt, &desa, &demo)
	if err != nil {
		t.Fatal(err)
	}
	props := featureProperties(decodeTile(t, tileOf(t, store, data.TileRequest{Tile: tile}), "insiden"), "id")[fmt.Sprint(id)]
	want := map[string]any{"id": float64(id), "type": typ, "type_name": typeName, "occurred_at": occurredAt, "desa_code": desa, "demo": demo}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("incident %d: %s = %v, want %v", id, k, props[k], v)
		}
	}
}

func TestImportGeneralisesEveryUnitInEveryBand(t *testing.T) {
	conn := datatest.Conn(t, datatest.Banten(t))
	ctx := context.Background()
	bands := queryInt(t, conn, `SELECT count(*) FROM tile_band`)
	if n, units := queryInt(t, conn, `SELECT count(*) FROM admin_unit_tile`), queryInt(t, conn, `SELECT count(*) FROM admin_unit`); n != bands*units {
		t.Fatalf("%d tile geometries, want %d bands x %d units", n, bands, units)
	}
	if bad := queryInt(t, conn, `
		SELECT count(*) FROM admin_unit_tile
		WHERE NOT ST_IsValid(geom) OR ST_IsEmpty(geom) OR ST_SRID(geom) <> 3857 OR GeometryType(geom) <> 'MULTIPOLYGON'`); bad > 0 {
		t.Fatalf("%d tile geometries are invalid, empty or not multipolygons in EPSG:3857", bad)
	}
	// Each coarser band has fewer vertices; units much larger than a band's
	// tolerance keep their area within 2 %.
	rows, err := conn.Query(ctx, `
		SELECT t.band, t.level, sum(ST_NPoints(t.geom)),
		       max(abs(ST_Area(t.geom) - ST_Area(ST_Transform(u.geom, 3857))) / ST_Area(ST_Transform(u.geom, 3857)))
		         FILTER (WHERE ST_Area(ST_Transform(u.geom, 3857)) > (50 * b.tolerance) ^ 2)
		FROM admin_unit_tile t JOIN admin_unit u ON u.code = t.code JOIN tile_band b ON b.band = t.band
		GROUP BY t.band, t.level ORDER BY t.level, t.band DESC`)
	if err != nil {
		t.Fatal(err)
	}
	vertices := map[geo.Level]int64{}
	var band, level int16
	var points int64
	var areaError *float64
	if _, err := pgx.ForEachRow(rows, []any{&band, &level, &points, &areaError}, func() error {
		l := geo.Level(level)
		if prev, ok := vertices[l]; ok && points >= prev {
			t.Errorf("%s band %d: %d vertices, not fewer than the finer band's %d", l, band, points, prev)
		}
		vertices[l] = points
		if areaError != nil && *areaError > 0.02 {
			t.Errorf("%s band %d: area off by %.1f %%", l, band, 100**areaError)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestTheDataVersionChangesWithEveryCommittedWrite(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store, conn := datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
	ctx := context.Background()
	version := func() int64 {
		t.Helper()
		v, err := store.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()

	// A refused write changes nothing.
	if _, err := store.AddIncidents(ctx, reporter, geo.IncidentBatch{Incidents: []geo.IncidentInput{report(1, 0, 0)}}); err == nil {
		t.Fatal("an incident outside every desa was accepted")
	}
	if v := version(); v != v0 {
		t.Fatalf("a refused write moved the version from %d to %d", v0, v)
	}

	// An incident (and the scores it changes).
	if _, err := store.AddIncidents(ctx, reporter, geo.IncidentBatch{Incidents: []geo.IncidentInput{report(1, 106.15, -6.12)}}); err != nil {
		t.Fatal(err)
	}
	v1 := version()
	if v1 == v0 {
		t.Fatal("an incident write left the version as it was")
	}

	// A scoring run.
	if _, err := store.ScoreAll(ctx, reporter); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2 == v1 {
		t.Fatal("a scoring run left the version as it was")
	}

	// A score written behind the store's back shows only once committed: a
	// reader never sees a version with data older than it.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE risk_score SET score = 1 WHERE unit_code = '36.72.01.1001'`); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v2 {
		t.Fatalf("an uncommitted write moved the version to %d", v)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	v3 := version()
	if v3 == v2 {
		t.Fatal("a committed score update left the version as it was")
	}

	// Importing the same files changes no unit, hence no version; a new desa does.
	datatest.ImportBanten(t, store)
	if v := version(); v != v3 {
		t.Fatalf("re-importing unchanged files moved the version from %d to %d", v3, v)
	}
	if _, err := store.ImportBoundaries(ctx, []data.BoundarySource{source("desa.geojson", collection(
		feature(`"kode":"36.01.01.2999","nama":"Desa Baru"`, polygon(square(105.5, -6.7, 0.001)))))}, nil); err != nil {
		t.Fatal(err)
	}
	if v := version(); v == v3 {
		t.Fatal("an import that adds a desa left the version as it was")
	}
	bands := queryInt(t, conn, `SELECT count(*) FROM tile_band`)
	if n := queryInt(t, conn, `SELECT count(*) FROM admin_unit_tile WHERE code = '36.01.01.2999'`); n != bands {
		t.Fatalf("the imported desa has %d tile geometries, want one per band (%d)", n, bands)
	}
}

// kulu is Desa Kulu, Aceh (11.11.17.2016), as the national file has it: a
// crescent 1.6 km long and under 300 m wide, which a plain simplification
// for z8 (306 m) turns into a sliver the tile's grid erases.
const kulu = `[[[96.820788,5.210786],[96.812721,5.210966],[96.81467,5.20907],[96.81577,5.208597],[96.816939,5.208393],` +
	`[96.819274,5.208912],[96.821542,5.208838],[96.823687,5.209166],[96.825921,5.209848],[96.827366,5.21077],[96.820788,5.210786]]]`

func TestADesaThinnerThanTheToleranceKeepsItsShapeAndItsTiles(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store, conn := datatest.Open(t, dbURL), datatest.Conn(t, dbURL)
	ctx := context.Background()
	parents := `"kecamatan":"Kuta Makmur","kabupaten":"Kabupaten Aceh Utara","provinsi":"Aceh"`
	if _, err := store.ImportBoundaries(ctx, []data.BoundarySource{source("kulu.geojson", collection(
		feature(`"kode":"11.11.17.2016","nama":"Kulu",`+parents, polygon(kulu))))}, nil); err != nil {
		t.Fatal(err)
	}
	if ratio := queryFloat(t, conn, `SELECT ST_Area(ST_SimplifyPreserveTopology(g, 306)) / ST_Area(g) FROM (SELECT ST_Transform(geom, 3857) g FROM admin_unit WHERE code = '11.11.17.2016') u`); ratio >= 0.5 {
		t.Fatalf("a plain simplification keeps %.0f %% of Kulu: the test needs a thinner desa", 100*ratio)
	}
	var lon, lat float64
	if err := conn.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_unit WHERE code = '11.11.17.2016') u`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `
		SELECT b.min_zoom, ST_Area(t.geom) / ST_Area(ST_Transform(u.geom, 3857))
		FROM admin_unit_tile t JOIN tile_band b ON b.band = t.band JOIN admin_unit u ON u.code = t.code
		WHERE t.code = '11.11.17.2016' ORDER BY b.band`)
	if err != nil {
		t.Fatal(err)
	}
	var minZoom int
	var ratio float64
	if _, err := pgx.ForEachRow(rows, []any{&minZoom, &ratio}, func() error {
		if ratio < 0.5 {
			t.Errorf("the band from z%d keeps %.0f %% of the desa's area", minZoom, 100*ratio)
		}
		if minZoom >= geo.MinZoom(geo.Desa) {
			tile := geo.TileAt(lon, lat, minZoom)
			if got := featureProperties(decodeTile(t, tileOf(t, store, data.TileRequest{Tile: tile, Level: geo.Desa}), "desa"), "code"); got["11.11.17.2016"] == nil {
				t.Errorf("z%d: the desa is not in its tile %v", minZoom, tile)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func queryFloat(t *testing.T, conn *pgx.Conn, sql string) float64 {
	t.Helper()
	var f float64
	if err := conn.QueryRow(context.Background(), sql).Scan(&f); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return f
}
