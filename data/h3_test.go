package data_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

var testActor = data.Actor{Name: "test", Role: data.Admin}

// Every desa reaches at least one cell at every resolution, its shares sum
// to 1, and its overlaps add up to its area as measured independently, in
// UTM zone 48S (EPSG:32748, which holds Banten): H3 areas are on a sphere,
// so they may differ by a fraction of a percent, never more.
func TestH3OverlapsCoverEveryDesa(t *testing.T) {
	conn := datatest.Conn(t, datatest.Banten(t))
	desa := queryInt(t, conn, `SELECT count(*) FROM admin_unit WHERE level = 4`)
	rows, err := conn.Query(context.Background(), `
		WITH d AS (SELECT code, ST_Area(ST_Transform(geom, 32748)) AS area FROM admin_unit WHERE level = 4)
		SELECT o.res, count(*), min(o.share_sum), max(o.share_sum), min(o.overlap / d.area), max(o.overlap / d.area)
		FROM (SELECT res, desa_code, sum(desa_share) AS share_sum, sum(overlap_m2) AS overlap FROM h3_desa GROUP BY res, desa_code) o
		JOIN d ON d.code = o.desa_code
		GROUP BY o.res ORDER BY o.res`)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	var res, reached int
	var minShare, maxShare, minArea, maxArea float64
	_, err = pgx.ForEachRow(rows, []any{&res, &reached, &minShare, &maxShare, &minArea, &maxArea}, func() error {
		seen++
		if reached != desa {
			t.Errorf("res %d: %d of %d desa reach a cell", res, reached, desa)
		}
		if math.Abs(minShare-1) > 1e-9 || math.Abs(maxShare-1) > 1e-9 {
			t.Errorf("res %d: a desa's shares sum to between %v and %v, want 1", res, minShare, maxShare)
		}
		if minArea < 0.99 || maxArea > 1.01 {
			t.Errorf("res %d: a desa's overlaps add up to between %.4f and %.4f of its area, want 1 ± 1%%", res, minArea, maxArea)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(geo.H3Resolutions) {
		t.Errorf("cells at %d resolutions, want %d", seen, len(geo.H3Resolutions))
	}
}

// A cell inside the province is (nearly) all desa; a cell with a corner
// outside every desa (the sea, the next province) is not.
func TestH3CoveredFraction(t *testing.T) {
	conn := datatest.Conn(t, datatest.Banten(t))
	const covered = `
		WITH cell AS (
			SELECT c.covered_fraction,
			       ST_Within(c.geom, (SELECT geom FROM admin_unit WHERE code = '36')) AS within,
			       EXISTS (SELECT 1 FROM ST_DumpPoints(c.geom) p WHERE NOT EXISTS (
			           SELECT 1 FROM admin_unit u WHERE u.level = 4 AND ST_Intersects(u.geom, p.geom))) AS corner_out
			FROM h3_cell c WHERE c.res = 7)
		SELECT count(*) FILTER (WHERE within), count(*) FILTER (WHERE within AND covered_fraction < 0.99),
		       count(*) FILTER (WHERE corner_out), count(*) FILTER (WHERE corner_out AND covered_fraction >= 1)
		FROM cell`
	var within, withinShort, coast, coastFull int
	if err := conn.QueryRow(context.Background(), covered).Scan(&within, &withinShort, &coast, &coastFull); err != nil {
		t.Fatal(err)
	}
	if within < 1000 || coast < 100 {
		t.Fatalf("only %d cells inside and %d on the edge of Banten at res 7: the test data is not what it expects", within, coast)
	}
	// The desa polygons leave slivers between them (and lakes): allow 1 % of cells to fall short.
	if withinShort*100 > within {
		t.Errorf("%d of %d res 7 cells inside the province have covered_fraction < 0.99", withinShort, within)
	}
	if coastFull > 0 {
		t.Errorf("%d of %d res 7 cells with a corner outside every desa have covered_fraction 1", coastFull, coast)
	}
}

// A cell's scores, checked against its overlaps measured here with
// PostGIS on the spheroid, from the h3-go hexagon, and the stored desa scores.
func TestH3ScoresAreTheOverlapWeightedMeans(t *testing.T) {
	ctx := context.Background()
	conn := datatest.Conn(t, datatest.Banten(t))
	rows, err := conn.Query(ctx, `
		SELECT to_hex(cell), score::float8, score_tps::float8, score_max::float8, rendah + sedang + tinggi
		FROM h3_score WHERE election_code = 'pemilu-2024' AND phase_code = 'kampanye' AND res IN (6, 8)
		ORDER BY md5(cell::text) LIMIT 30`)
	if err != nil {
		t.Fatal(err)
	}
	type cellScore struct {
		id              string
		score, tps, max float64
		desa            int
	}
	var cells []cellScore
	var c cellScore
	if _, err := pgx.ForEachRow(rows, []any{&c.id, &c.score, &c.tps, &c.max, &c.desa}, func() error {
		cells = append(cells, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(cells) != 30 {
		t.Fatalf("%d scored cells, want 30", len(cells))
	}
	for _, c := range cells {
		cell, err := geo.ParseH3Cell(c.id)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, `
			WITH hex AS (SELECT ST_GeomFromText($1, 4326) AS geom)
			SELECT ST_Area(ST_Intersection(u.geom, hex.geom)::geography), ST_Area(u.geom::geography), coalesce(u.tps_count, 0), r.score::float8
			FROM admin_unit u CROSS JOIN hex
			JOIN risk_score r ON r.unit_code = u.code AND r.election_code = 'pemilu-2024' AND r.phase_code = 'kampanye'
			WHERE u.level = 4 AND ST_Intersects(u.geom, hex.geom)`, wkt.MarshalString(geo.H3CellPolygon(cell)))
		if err != nil {
			t.Fatal(err)
		}
		var overlap, area, score float64
		var tps int
		var sumArea, sumScore, sumTPS, sumTPSScore, max float64
		n := 0
		_, err = pgx.ForEachRow(rows, []any{&overlap, &area, &tps, &score}, func() error {
			if overlap <= 0 {
				return nil // touches the cell along an edge only
			}
			n++
			sumArea += overlap
			sumScore += score * overlap
			w := float64(tps) * overlap / area
			sumTPS += w
			sumTPSScore += score * w
			max = math.Max(max, score)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != c.desa {
			t.Errorf("cell %s: stored over %d desa, %d overlap it", c.id, c.desa, n)
		}
		if want := sumScore / sumArea; math.Abs(c.score-want) > 0.02 {
			t.Errorf("cell %s: score %.2f, want the overlap-weighted mean %.3f", c.id, c.score, want)
		}
		if want := sumTPSScore / sumTPS; math.Abs(c.tps-want) > 0.02 {
			t.Errorf("cell %s: score_tps %.2f, want the TPS-weighted mean %.3f", c.id, c.tps, want)
		}
		if c.max != max {
			t.Errorf("cell %s: score_max %.2f, want %.2f", c.id, c.max, max)
		}
	}
}

// staleCells counts the cells whose stored scores differ from the
// aggregate of their desa's stored scores (or that lack one, or have one
// without desa).
func staleCells(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	return queryInt(t, conn, `
		WITH agg AS (
			SELECT r.election_code, r.phase_code, o.res, o.cell,
			       round((sum(r.score::float8 * o.overlap_m2) / sum(o.overlap_m2))::numeric, 2) AS score,
			       max(r.score) AS score_max, count(*) FILTER (WHERE r.category = 'sedang') AS sedang,
			       count(*) FILTER (WHERE r.category = 'tinggi') AS tinggi, bool_or(r.demo) AS demo
			FROM h3_desa o JOIN risk_score r ON r.unit_code = o.desa_code
			GROUP BY r.election_code, r.phase_code, o.res, o.cell)
		SELECT count(*) FROM agg a FULL JOIN h3_score s USING (election_code, phase_code, res, cell)
		WHERE (a.score, a.score_max, a.sedang, a.tinggi, a.demo) IS DISTINCT FROM (s.score, s.score_max, s.sedang, s.tinggi, s.demo)`)
}

// A write rescoring a desa refreshes its cells in the same transaction, and
// so does a full run after a model change; a full recompute gives the same
// cells; a uniform score aggregates to itself; once the boundaries change,
// the cells are refused until recomputed. (One database copy and one
// recompute, which takes a while.)
func TestH3CellsFollowScoresAndBoundaries(t *testing.T) {
	ctx := context.Background()
	dbURL := datatest.BantenCopy(t)
	conn := datatest.Conn(t, dbURL)
	store := datatest.Open(t, dbURL)
	const desa = "36.72.01.1001"
	const cellsOfDesa = `
		SELECT string_agg(format('%s %s %s %s %s', s.res, to_hex(s.cell), s.score, s.score_tps, s.score_max), ',' ORDER BY s.res, s.cell)
		FROM h3_score s JOIN h3_desa d ON d.res = s.res AND d.cell = s.cell
		WHERE d.desa_code = '` + desa + `' AND s.phase_code = 'kampanye'`
	var before, afterWrite string
	if err := conn.QueryRow(ctx, cellsOfDesa).Scan(&before); err != nil {
		t.Fatal(err)
	}
	value := 40.0
	_, err := store.AddObservations(ctx, testActor, data.ObservationBatch{Inputs: []geo.ObservationInput{{
		Indicator: "ujaran_kebencian", UnitCode: desa, Election: "pemilu-2024", Phase: "kampanye",
		Value: &value, Source: "polres", ObservedAt: "2024-01-10T10:00:00+07:00",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, cellsOfDesa).Scan(&afterWrite); err != nil {
		t.Fatal(err)
	}
	if afterWrite == before {
		t.Fatalf("the cells of %s did not change with its score:\n%s", desa, before)
	}
	if n := staleCells(t, conn); n > 0 {
		t.Fatalf("after a write, %d cells disagree with their desa", n)
	}

	// A model change rescoring every phase in full: new desa thresholds
	// change categories, hence the cells' counts per category.
	tinggiBefore := queryInt(t, conn, `SELECT sum(tinggi) FROM h3_score`)
	if _, _, err := store.SetThresholds(ctx, testActor, geo.Desa, 5, 20); err != nil {
		t.Fatal(err)
	}
	for {
		ran, err := store.RunQueuedScoring(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}
	if tinggiAfter := queryInt(t, conn, `SELECT sum(tinggi) FROM h3_score`); tinggiAfter <= tinggiBefore {
		t.Fatalf("lower thresholds left %d tinggi desa-in-cells (before: %d)", tinggiAfter, tinggiBefore)
	}
	if n := staleCells(t, conn); n > 0 {
		t.Fatalf("after a threshold change, %d cells disagree with their desa", n)
	}
	const everyCell = `SELECT md5(string_agg(format('%s %s %s %s %s %s %s %s %s %s', phase_code, res, cell, score, score_tps,
		score_max, rendah, sedang, tinggi, demo), ',' ORDER BY phase_code, res, cell)) FROM h3_score WHERE phase_code <> 'masa_tenang'`
	var incremental, recomputed string
	if err := conn.QueryRow(ctx, everyCell).Scan(&incremental); err != nil {
		t.Fatal(err)
	}

	// Scores written behind petarawan's back, the same in every desa.
	if _, err := conn.Exec(ctx, `UPDATE risk_score SET score = 42.42, category = 'tinggi'
		WHERE phase_code = 'masa_tenang' AND length(unit_code) = 13`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RecomputeH3(ctx, testActor, geo.H3MaxRes, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, everyCell).Scan(&recomputed); err != nil {
		t.Fatal(err)
	}
	if incremental != recomputed {
		t.Error("the cells kept by writes and full runs differ from what a full recompute makes of the same scores")
	}
	var cells, other int
	err = conn.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE score <> 42.42 OR score_tps <> 42.42 OR score_max <> 42.42)
		FROM h3_score WHERE phase_code = 'masa_tenang'`).Scan(&cells, &other)
	if err != nil {
		t.Fatal(err)
	}
	if cells == 0 || other > 0 {
		t.Errorf("%d of %d cells do not aggregate the uniform 42.42 to 42.42", other, cells)
	}

	q := data.H3Query{Res: 7, Election: "pemilu-2024", Phase: "kampanye", Limit: 1}
	if _, rows, err := store.H3Features(ctx, q); err != nil {
		t.Fatal(err)
	} else {
		rows.Close()
	}
	if _, err := conn.Exec(ctx, `UPDATE admin_unit SET geom = ST_Multi(ST_Buffer(geom, 0.0001)) WHERE code = $1`, desa); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.H3Features(ctx, q); !errors.Is(err, data.ErrH3Stale) {
		t.Fatalf("after a boundary change: %v, want ErrH3Stale", err)
	}
}

// An import that changes only a desa's TPS count leaves the cells current
// (no unit came, went or changed shape) and moves their TPS at once: each
// cell of the desa gains 7 TPS times the desa's share in it.
func TestH3CellsFollowATPSOnlyImport(t *testing.T) {
	ctx := context.Background()
	dbURL := datatest.BantenCopy(t)
	conn := datatest.Conn(t, dbURL)
	store := datatest.Open(t, dbURL)

	// The bundled files, with one more TPS in a desa: 7, to be precise.
	files := datatest.BantenFiles()
	src, err := data.OpenBoundaryFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(src.Reader)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	desa := fc.Features[0].Properties.MustString("kode")
	fc.Features[0].Properties["jumlah_tps"] = fc.Features[0].Properties.MustFloat64("jumlah_tps") + 7
	changed, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	sources := []data.BoundarySource{{Name: "desa with 7 more TPS", Reader: bytes.NewReader(changed)}}
	for _, path := range files[1:] {
		s, err := data.OpenBoundaryFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sources = append(sources, s)
	}

	const cellsOfDesa = `SELECT s.election_code, s.phase_code, s.res, s.cell, s.tps::float8, d.desa_share
		FROM h3_score s JOIN h3_desa d ON d.res = s.res AND d.cell = s.cell WHERE d.desa_code = $1`
	type cell struct {
		election, phase string
		res             int
		id              int64
	}
	want := map[cell]float64{}
	rows, err := conn.Query(ctx, cellsOfDesa, desa)
	if err != nil {
		t.Fatal(err)
	}
	var c cell
	var tps, share float64
	if _, err := pgx.ForEachRow(rows, []any{&c.election, &c.phase, &c.res, &c.id, &tps, &share}, func() error {
		want[c] = math.Round((tps+7*share)*100) / 100
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	version := queryInt(t, conn, `SELECT version FROM boundary_version`)

	if _, err := store.ImportBoundaries(ctx, sources, nil); err != nil {
		t.Fatal(err)
	}
	if v := queryInt(t, conn, `SELECT version FROM boundary_version`); v != version {
		t.Errorf("a TPS-only import moved boundary_version from %d to %d: the cells would be stale", version, v)
	}
	if _, rows, err := store.H3Features(ctx, data.H3Query{Res: 7, Election: "pemilu-2024", Phase: "kampanye", Limit: 1}); err != nil {
		t.Fatalf("H3 after a TPS-only import: %v", err)
	} else {
		rows.Close()
	}
	rows, err = conn.Query(ctx, cellsOfDesa, desa)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	if _, err := pgx.ForEachRow(rows, []any{&c.election, &c.phase, &c.res, &c.id, &tps, &share}, func() error {
		seen++
		// The stored sum is rounded to 2 decimals, before and after.
		if math.Abs(tps-want[c]) > 0.0101 {
			t.Errorf("cell %x (res %d, %s): tps %.2f, want %.2f", c.id, c.res, c.phase, tps, want[c])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != len(want) || seen == 0 {
		t.Errorf("%d cells of %s after the import, %d before", seen, desa, len(want))
	}
}
