package data

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/uber/h3-go/v4"

	"github.com/petarawan/petarawan/geo"
)

// H3 aggregation. Which cells a desa overlaps and by how much depends only on
// the boundaries: RecomputeH3 measures it (h3_cell, h3_desa) for every
// resolution. A cell's scores depend on the scores of its desa: every scoring
// run refreshes the cells of the desa it scored (refreshH3Scores), in its own
// transaction, so the cells never disagree with the desa.

// H3Report says what a full H3 recompute stored.
type H3Report struct {
	Resolutions []int
	Cells       map[int]int // cells per resolution
	Overlaps    map[int]int // (cell, desa) overlaps per resolution
	Scores      int         // cell scores, over every election phase
}

// ErrH3Stale is returned when the H3 tables are missing or were computed for
// other boundaries than the stored ones.
var ErrH3Stale = errors.New("the H3 aggregates are missing or older than the boundaries; run petarawan h3 recompute")

// desaPieceVertices bounds the vertices of the desa pieces (ST_Subdivide)
// that cells are intersected with: an intersection costs as much as the
// vertices it meets, and a cell meets few pieces.
const desaPieceVertices = 64

// RecomputeH3 measures, for every aggregated resolution up to maxRes, the
// overlap of each desa with each H3 cell (candidates from geo.H3Cover,
// intersections from PostGIS), replaces the H3 tables with them and
// aggregates the scores of every election phase, all in one transaction:
// readers see the old cells until it commits. The resolutions are measured
// one after the other, so that memory and temporary tables hold one at a
// time. progress is told each step.
func (s *Store) RecomputeH3(ctx context.Context, actor Actor, maxRes int, progress func(step string)) (H3Report, error) {
	if maxRes < geo.H3MinRes || maxRes > geo.H3MaxRes {
		return H3Report{}, fmt.Errorf("h3 recompute: the highest resolution must be %d-%d, not %d", geo.H3MinRes, geo.H3MaxRes, maxRes)
	}
	report := H3Report{Resolutions: geo.H3Resolutions[:maxRes-geo.H3MinRes+1], Cells: map[int]int{}, Overlaps: map[int]int{}}
	defer s.observe("h3_recompute", time.Now())
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('h3 recompute', 0))`); err != nil {
			return err
		}
		desa, err := readDesaShapes(ctx, tx)
		if err != nil {
			return err
		}
		if err := prepareH3Tables(ctx, tx); err != nil {
			return err
		}
		for _, res := range report.Resolutions {
			progress(fmt.Sprintf("res %d: listing candidate cells", res))
			if err := copyH3Candidates(ctx, tx, desa, res); err != nil {
				return err
			}
			progress(fmt.Sprintf("res %d: measuring overlaps", res))
			if err := storeOverlaps(ctx, tx); err != nil {
				return err
			}
		}
		if err := countH3(ctx, tx, &report); err != nil {
			return err
		}
		progress("aggregating scores")
		if err := refreshH3Scores(ctx, tx, nil, nil); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM h3_score`).Scan(&report.Scores); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO h3_state (boundary_version, resolutions, computed_at)
			SELECT version, $1, now() FROM boundary_version
			ON CONFLICT (singleton) DO UPDATE SET boundary_version = EXCLUDED.boundary_version,
				resolutions = EXCLUDED.resolutions, computed_at = EXCLUDED.computed_at`, report.Resolutions); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE data_version SET version = version + 1`); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "h3.recompute", "h3", nil, report)
	})
	if err != nil {
		return report, fmt.Errorf("h3 recompute: %w", err)
	}
	return report, s.vacuumAnalyze(ctx, "h3_cell", "h3_desa", "h3_score")
}

// desaShape is a desa's code and polygons.
type desaShape struct {
	code string
	geom orb.MultiPolygon
}

func readDesaShapes(ctx context.Context, tx pgx.Tx) ([]desaShape, error) {
	rows, err := tx.Query(ctx, `SELECT code, ST_AsBinary(geom) FROM admin_unit WHERE level = 4 ORDER BY code`)
	if err != nil {
		return nil, err
	}
	var all []desaShape
	var code string
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&code, &raw}, func() error {
		g, err := wkb.Unmarshal(raw)
		if err != nil {
			return fmt.Errorf("desa %s: %w", code, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return fmt.Errorf("desa %s: geometry is a %s, not a MultiPolygon", code, g.GeoJSONType())
		}
		all = append(all, desaShape{code, mp})
		return nil
	})
	return all, err
}

// prepareH3Tables empties the stored H3 tables (DELETE rather than TRUNCATE,
// so that readers keep reading the old cells meanwhile) and makes the
// temporary tables of a resolution's candidates, and the desa cut into
// pieces of at most desaPieceVertices vertices.
func prepareH3Tables(ctx context.Context, tx pgx.Tx) error {
	for _, stmt := range []string{
		`DELETE FROM h3_score`,
		`DELETE FROM h3_desa`,
		`DELETE FROM h3_cell`,
		`CREATE TEMP TABLE h3_candidate (cell bigint, desa_code text, inside boolean) ON COMMIT DROP`,
		`CREATE TEMP TABLE h3_candidate_cell (res smallint, cell bigint, wkb bytea, area_m2 float8) ON COMMIT DROP`,
		`CREATE TEMP TABLE desa_piece ON COMMIT DROP AS
			SELECT code, ST_Subdivide(geom, ` + strconv.Itoa(desaPieceVertices) + `) AS geom FROM admin_unit WHERE level = 4`,
		`CREATE INDEX ON desa_piece (code)`,
		`ANALYZE desa_piece`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// copyH3Candidates lists every (cell, desa) of resolution res that may
// overlap into the temporary table h3_candidate (inside: the cell lies
// wholly in the desa, geo.H3Cover), and each candidate cell's hexagon and
// area (H3's own, on the sphere) into h3_candidate_cell. The desa are
// covered on every core and their candidates streamed into COPY as they come.
func copyH3Candidates(ctx context.Context, tx pgx.Tx, desa []desaShape, res int) error {
	if _, err := tx.Exec(ctx, `TRUNCATE h3_candidate, h3_candidate_cell`); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	found := make([]map[h3.Cell]bool, workers)
	batches := make(chan [][]any, 2*workers)
	var wg sync.WaitGroup
	for w := range workers {
		found[w] = map[h3.Cell]bool{}
		wg.Go(func() {
			for i := w; i < len(desa); i += workers {
				inside, edge := geo.H3Cover(desa[i].geom, res)
				batch := make([][]any, 0, len(inside)+len(edge))
				for _, c := range inside {
					batch = append(batch, []any{int64(c), desa[i].code, true})
					found[w][c] = true
				}
				for _, c := range edge {
					batch = append(batch, []any{int64(c), desa[i].code, false})
					found[w][c] = true
				}
				select {
				case batches <- batch:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(batches) }()
	var batch [][]any
	i := 0
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"h3_candidate"}, []string{"cell", "desa_code", "inside"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for i >= len(batch) {
				b, ok := <-batches
				if !ok {
					return nil, nil
				}
				batch, i = b, 0
			}
			i++
			return batch[i-1], nil
		}))
	if err != nil {
		return err
	}
	cells := found[0]
	for _, f := range found[1:] {
		maps.Copy(cells, f)
	}
	list := slices.Collect(maps.Keys(cells))
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"h3_candidate_cell"}, []string{"res", "cell", "wkb", "area_m2"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if len(list) == 0 {
				return nil, nil
			}
			c := list[0]
			list = list[1:]
			b, err := wkb.Marshal(geo.H3CellPolygon(c))
			return []any{int16(res), int64(c), b, h3.CellAreaM2(c)}, err
		}))
	return err
}

// storeOverlaps measures the area each candidate cell of the resolution
// shares with its desa: the whole cell where it lies inside the desa, else
// the cell's share of its intersections with the desa's pieces (in degrees²,
// as a cell spans too little latitude for the share to change on the sphere)
// times its area. The cells that overlap a desa go to h3_cell, the overlaps
// to h3_desa.
func storeOverlaps(ctx context.Context, tx pgx.Tx) error {
	for _, stmt := range []string{
		`CREATE TEMP TABLE h3_hexagon ON COMMIT DROP AS
			SELECT res, cell, g AS geom, area_m2, ST_Area(g) AS area_deg2
			FROM (SELECT res, cell, area_m2, ST_SetSRID(ST_GeomFromWKB(wkb), 4326) AS g FROM h3_candidate_cell) c`,
		`CREATE UNIQUE INDEX ON h3_hexagon (cell)`,
		`ANALYZE h3_candidate, h3_hexagon`,
		`CREATE TEMP TABLE h3_overlap ON COMMIT DROP AS
			SELECT k.cell, k.desa_code, x.area_m2 AS overlap_m2
			FROM h3_candidate k JOIN h3_hexagon x ON x.cell = k.cell
			WHERE k.inside
			UNION ALL
			SELECT k.cell, k.desa_code, x.area_m2 * sum(ST_Area(ST_Intersection(x.geom, p.geom))) / x.area_deg2 AS overlap_m2
			FROM h3_candidate k
			JOIN h3_hexagon x ON x.cell = k.cell
			JOIN desa_piece p ON p.code = k.desa_code AND p.geom && x.geom
			WHERE NOT k.inside
			GROUP BY k.cell, k.desa_code, x.area_m2, x.area_deg2`,
		`DELETE FROM h3_overlap WHERE NOT overlap_m2 > 0`,
		`INSERT INTO h3_cell (res, cell, area_m2, covered_fraction, desa_count, geom, geom_3857)
			SELECT x.res, x.cell, x.area_m2, least(1, o.covered_m2 / x.area_m2), o.desa_count, x.geom, ST_Transform(x.geom, 3857)
			FROM (SELECT cell, sum(overlap_m2) AS covered_m2, count(*) AS desa_count FROM h3_overlap GROUP BY cell) o
			JOIN h3_hexagon x ON x.cell = o.cell`,
		`INSERT INTO h3_desa (res, cell, desa_code, overlap_m2, desa_share)
			SELECT x.res, o.cell, o.desa_code, o.overlap_m2, o.overlap_m2 / sum(o.overlap_m2) OVER (PARTITION BY o.desa_code)
			FROM h3_overlap o JOIN h3_hexagon x ON x.cell = o.cell`,
		`DROP TABLE h3_overlap, h3_hexagon`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

func countH3(ctx context.Context, tx pgx.Tx, report *H3Report) error {
	rows, err := tx.Query(ctx, `
		SELECT c.res, c.cells, o.overlaps
		FROM (SELECT res, count(*) AS cells FROM h3_cell GROUP BY res) c
		JOIN (SELECT res, count(*) AS overlaps FROM h3_desa GROUP BY res) o USING (res)`)
	if err != nil {
		return err
	}
	var res, cells, overlaps int
	_, err = pgx.ForEachRow(rows, []any{&res, &cells, &overlaps}, func() error {
		report.Cells[res], report.Overlaps[res] = cells, overlaps
		return nil
	})
	return err
}

// refreshH3Scores recomputes, in tx, the scores in an election phase (nil:
// every phase) of the cells that the given desa overlap (nil: every cell)
// from the stored desa scores: the mean weighted by overlap area, the mean weighted by TPS (each
// desa's TPS spread over its cells by area), the highest score, the desa per
// category. (The cell's own category is read with the thresholds of the day:
// a threshold change moves it without rescoring a desa.)
func refreshH3Scores(ctx context.Context, tx pgx.Tx, phase *phaseKey, desa []geo.Code) error {
	var w clause
	if phase != nil {
		w.add("r.election_code = " + w.bind(phase.Election))
		w.add("r.phase_code = " + w.bind(phase.Phase))
	}
	if desa != nil {
		codes := make([]string, len(desa))
		for i, d := range desa {
			codes[i] = string(d)
		}
		w.add("(o.res, o.cell) IN (SELECT res, cell FROM h3_desa WHERE desa_code = ANY(" + w.bind(codes) + "))")
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO h3_score AS h (election_code, phase_code, res, cell, score, score_tps, score_max,
		                           tps, rendah, sedang, tinggi, demo)
			SELECT r.election_code, r.phase_code, o.res, o.cell,
			       round((sum(r.score::float8 * o.overlap_m2) / sum(o.overlap_m2))::numeric, 2) AS score,
			       round((sum(r.score::float8 * u.tps_count * o.desa_share) / nullif(sum(u.tps_count * o.desa_share), 0))::numeric, 2) AS score_tps,
			       max(r.score) AS score_max,
			       round(sum(coalesce(u.tps_count, 0) * o.desa_share)::numeric, 2) AS tps,
			       count(*) FILTER (WHERE r.category = 'rendah') AS rendah,
			       count(*) FILTER (WHERE r.category = 'sedang') AS sedang,
			       count(*) FILTER (WHERE r.category = 'tinggi') AS tinggi,
			       bool_or(r.demo) AS demo
			FROM h3_desa o
			JOIN risk_score r ON r.unit_code = o.desa_code
			JOIN admin_unit u ON u.code = o.desa_code
			WHERE `+w.sql()+`
			GROUP BY r.election_code, r.phase_code, o.res, o.cell
		ON CONFLICT (election_code, phase_code, res, cell) DO UPDATE SET
			score = EXCLUDED.score, score_tps = EXCLUDED.score_tps, score_max = EXCLUDED.score_max,
			tps = EXCLUDED.tps, rendah = EXCLUDED.rendah, sedang = EXCLUDED.sedang,
			tinggi = EXCLUDED.tinggi, demo = EXCLUDED.demo`, w.args...)
	return err
}

// refreshH3AfterImport refreshes the cells of the desa an import wrote when
// the import left the cells current (no unit came, went or changed shape):
// only TPS counts or names changed, and the cells' TPS figures follow at
// once. Otherwise the cells are stale until recomputed.
func refreshH3AfterImport(ctx context.Context, tx pgx.Tx, written []string) error {
	var desa []geo.Code
	for _, c := range written {
		if geo.Code(c).Level() == geo.Desa {
			desa = append(desa, geo.Code(c))
		}
	}
	if len(desa) == 0 {
		return nil
	}
	var current bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM h3_state h JOIN boundary_version b ON h.boundary_version = b.version)`).Scan(&current); err != nil || !current {
		return err
	}
	return refreshH3Scores(ctx, tx, nil, desa)
}

// H3State is when the H3 tables were computed, and whether for the stored boundaries.
type H3State struct {
	ComputedAt  time.Time
	Resolutions []int
	Current     bool
}

// H3Status tells whether, when and for which boundaries the H3 tables were computed.
func (s *Store) H3Status(ctx context.Context) (H3State, error) {
	var st H3State
	var res []int16
	err := s.read.QueryRow(ctx, `
		SELECT h.computed_at, h.resolutions, h.boundary_version = b.version
		FROM h3_state h CROSS JOIN boundary_version b`).Scan(&st.ComputedAt, &res, &st.Current)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	for _, r := range res {
		st.Resolutions = append(st.Resolutions, int(r))
	}
	return st, err
}

// H3Query selects the cells of one resolution with their scores in an
// election phase: all, those meeting BBox, those overlapping a desa of Area,
// or one Cell.
type H3Query struct {
	Res             int
	Election, Phase string
	BBox            *geo.BBox
	Area            geo.Code
	Cell            h3.Cell
	Limit, Offset   int
}

// H3Properties are the properties of a cell, in order: the H3 index, its
// scores in the phase (null where none of its desa is scored) and what the
// boundaries say of it.
func H3Properties() []Property { return h3Properties }

var h3Properties = []Property{
	{Name: "h3", Type: "string", Description: "H3 cell index (hexadecimal)", expr: "to_hex(c.cell)"},
	{Name: "res", Type: "integer", Description: "H3 resolution", expr: "c.res"},
	{Name: "election", Type: "string", Description: "election of the scores", expr: "e.election_code"},
	{Name: "phase", Type: "string", Description: "election phase of the scores", expr: "e.phase_code"},
	{Name: "score", Type: "number", Description: "mean composite score (0-100) of the desa overlapping the cell, weighted by overlap area", expr: "s.score"},
	{Name: "score_tps", Type: "number", Description: "mean composite score weighted by TPS (each desa's TPS spread over its cells by area); null when its desa have no TPS count", expr: "s.score_tps"},
	{Name: "score_max", Type: "number", Description: "highest composite score of the desa overlapping the cell", expr: "s.score_max"},
	{Name: "category", Type: "string", Description: "category of score by the desa thresholds", Enum: categoryNames(),
		expr: "CASE WHEN s.score >= t.tinggi THEN 'tinggi' WHEN s.score >= t.sedang THEN 'sedang' WHEN s.score IS NOT NULL THEN 'rendah' END"},
	{Name: "tps", Type: "number", Description: "TPS in the cell: each desa's TPS count times its share of area in the cell", expr: "s.tps"},
	{Name: "desa_count", Type: "integer", Description: "desa/kelurahan overlapping the cell", expr: "c.desa_count"},
	{Name: "rendah", Type: "integer", Description: "overlapping desa of category rendah", expr: "s.rendah"},
	{Name: "sedang", Type: "integer", Description: "overlapping desa of category sedang", expr: "s.sedang"},
	{Name: "tinggi", Type: "integer", Description: "overlapping desa of category tinggi", expr: "s.tinggi"},
	{Name: "covered_fraction", Type: "number", Description: "share of the cell's area inside desa (below 1 on coasts and borders)", expr: "trim_scale(round(c.covered_fraction::numeric, 4))"},
	{Name: "area_km2", Type: "number", Description: "area of the cell in km²", expr: "trim_scale(round((c.area_m2 / 1e6)::numeric, 4))"},
	{Name: "demo", Type: "boolean", Description: "true when any score aggregated is demo data", expr: "coalesce(s.demo, false)"},
}

// h3From joins the cells c to their scores s in the election phase the
// parameters named election and phase say, and to the desa thresholds t.
func h3From(election, phase string) string {
	return `h3_cell c CROSS JOIN (SELECT ` + election + `::text AS election_code, ` + phase + `::text AS phase_code) e
		CROSS JOIN (SELECT sedang, tinggi FROM category_threshold WHERE level = 4) t
		LEFT JOIN h3_score s ON s.res = c.res AND s.cell = c.cell AND s.election_code = e.election_code AND s.phase_code = e.phase_code`
}

// where is the condition on the cells (after $1 election, $2 phase).
func (q H3Query) where() (string, []any) {
	w := clause{args: []any{q.Election, q.Phase}}
	// The resolution bound once, not taken from the outer row: a subquery
	// naming c.res would run once per cell.
	res := w.bind(int16(q.Res))
	w.add("c.res = " + res)
	w.intersects("c.geom", q.BBox)
	if q.Area != "" {
		w.add("c.cell IN (SELECT d.cell FROM admin_unit u JOIN h3_desa d ON d.desa_code = u.code AND d.res = " + res +
			" WHERE " + desaOf(&w, q.Area) + ")")
	}
	if q.Cell != 0 {
		w.add("c.cell = " + w.bind(int64(q.Cell)))
	}
	return w.sql(), w.args
}

func h3FeatureJSON() string {
	pairs := make([]string, len(h3Properties))
	for i, p := range h3Properties {
		pairs[i] = "'" + p.Name + "', " + p.expr
	}
	return `'{"type":"Feature","id":"' || to_hex(c.cell) || '","geometry":' || ST_AsGeoJSON(c.geom, 6) ||
		',"properties":' || json_build_object(` + strings.Join(pairs, ", ") + `)::text || '}'`
}

// currentH3 reads the H3 state once: it refuses tables computed for other
// boundaries, and gives the finest resolution computed.
func (s *Store) currentH3(ctx context.Context) (maxRes int, err error) {
	st, err := s.H3Status(ctx)
	if err != nil {
		return 0, err
	}
	if !st.Current {
		return 0, ErrH3Stale
	}
	return slices.Max(st.Resolutions), nil
}

// H3NotComputedError says that a resolution was left out of the last
// recompute (petarawan h3 recompute --max-res).
type H3NotComputedError struct{ Res, MaxRes int }

func (e *H3NotComputedError) Error() string {
	return fmt.Sprintf("H3 resolution %d is not computed on this server (up to %d); petarawan h3 recompute --max-res %d computes it", e.Res, e.MaxRes, e.Res)
}

// checkH3Query refuses what currentH3 refuses, a resolution not computed and
// an area that does not exist.
func (s *Store) checkH3Query(ctx context.Context, q H3Query) error {
	top, err := s.currentH3(ctx)
	if err != nil {
		return err
	}
	if q.Res > top {
		return &H3NotComputedError{Res: q.Res, MaxRes: top}
	}
	if q.Area == "" {
		return nil
	}
	return s.unitExists(ctx, q.Area)
}

// H3Features counts the cells q matches and streams the page it selects as
// GeoJSON features, both in one round trip.
func (s *Store) H3Features(ctx context.Context, q H3Query) (int64, *FeatureRows, error) {
	if err := s.checkH3Query(ctx, q); err != nil {
		return 0, nil, err
	}
	where, args := q.where()
	list := h3FeatureJSON() + ", coalesce(s.demo, false)"
	page, pageArgs := h3PageQuery(list, where, args, q)
	matched, br, rows, err := s.countAndPage(ctx, h3CountQuery+where, args, page, pageArgs)
	if err != nil {
		return 0, nil, err
	}
	return matched, &FeatureRows{batch: br, rows: rows}, nil
}

// H3Table is H3Features as a table of the properties, for CSV: the first
// column, hex_id, is the H3 index (the column kepler.gl builds its H3 layer
// from), then the other properties, then the cell centre's lon and lat.
func (s *Store) H3Table(ctx context.Context, q H3Query) (int64, *TableRows, error) {
	if err := s.checkH3Query(ctx, q); err != nil {
		return 0, nil, err
	}
	where, args := q.where()
	list, columns := tableSelect(h3Properties, "c.geom")
	columns[0] = "hex_id"
	page, pageArgs := h3PageQuery(list, where, args, q)
	return s.sendTable(ctx, columns, h3CountQuery+where, args, page, pageArgs)
}

// h3CountQuery counts cells; it names the election and phase ($1, $2) as
// the page query does, so that both bind the same arguments.
const h3CountQuery = `SELECT count(*) FROM h3_cell c CROSS JOIN (SELECT $1::text, $2::text) e WHERE `

// h3PageQuery selects list for the page of cells q asks for, in index order.
func h3PageQuery(list, where string, args []any, q H3Query) (string, []any) {
	n := len(args)
	return fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY c.cell LIMIT $%d OFFSET $%d`, list, h3From("$1", "$2"), where, n+1, n+2),
		append(slices.Clone(args), q.Limit, q.Offset)
}
