package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/petarawan/petarawan/geo"
)

// BoundarySource is one boundary file (a GeoJSON FeatureCollection) to import.
type BoundarySource struct {
	Name   string // shown in errors and progress
	Reader io.Reader
	closer io.Closer
}

// OpenBoundaryFile opens a GeoJSON file for import, gunzipping it when it is
// gzip-compressed (.geojson.gz). Close it after the import.
func OpenBoundaryFile(path string) (BoundarySource, error) {
	f, err := os.Open(path)
	if err != nil {
		return BoundarySource{}, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	src := BoundarySource{Name: path, Reader: br, closer: f}
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		if src.Reader, err = gzip.NewReader(br); err != nil {
			f.Close()
			return BoundarySource{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	return src, nil
}

// Close closes the file behind a source opened by OpenBoundaryFile.
func (b BoundarySource) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer.Close()
}

// ImportError names the file and feature that made an import fail.
type ImportError struct {
	Source string
	Index  int // feature index in the file, from 0; -1 when the error concerns no single feature
	Code   geo.Code
	Reason string
}

func (e *ImportError) Error() string {
	switch {
	case e.Index < 0:
		return fmt.Sprintf("%s: %s", e.Source, e.Reason)
	case e.Code != "":
		return fmt.Sprintf("%s: feature %d (kode %s): %s", e.Source, e.Index, e.Code, e.Reason)
	default:
		return fmt.Sprintf("%s: feature %d: %s", e.Source, e.Index, e.Reason)
	}
}

// Repair is an invalid geometry the import mended with ST_MakeValid.
type Repair struct {
	Source string
	Index  int
	Code   geo.Code
	Reason string // what ST_IsValidReason said before the repair
}

// ImportReport says what an import did.
type ImportReport struct {
	Read      map[geo.Level]int // features read from the files, per level
	Dissolved map[geo.Level]int // units made by dissolving the level below, per level
	Repaired  []Repair
	Inserted  int
	Updated   int
	Unchanged int
}

// ImportProgress is told how far an import has come: a step name and, while
// reading a file, the features read so far.
type ImportProgress func(step string, features int)

// ImportBoundaries loads administrative units from GeoJSON files in one
// transaction: any bad feature aborts the whole import and leaves the
// database as it was. Invalid rings are repaired with ST_MakeValid; a level
// above the highest level in the files (kecamatan, kabupaten, provinsi) that
// no file provides is made by dissolving the level below. Units are upserted
// by code, so importing the same files again changes nothing.
func (s *Store) ImportBoundaries(ctx context.Context, sources []BoundarySource, progress ImportProgress) (*ImportReport, error) {
	if progress == nil {
		progress = func(string, int) {}
	}
	tx, err := s.write.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// A national import takes minutes: lift the pool's statement timeout for it.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE import_raw (
			source text, idx int, code text, level smallint, parent_code text, kind text, name text,
			tps_count int, kpu_code_2024 text, kecamatan_name text, kabupaten_name text, provinsi_name text,
			wkb bytea
		) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	report := &ImportReport{Read: map[geo.Level]int{}, Dissolved: map[geo.Level]int{}}
	for _, src := range sources {
		rows := &boundaryRows{src: src, r: geo.NewBoundaryReader(src.Reader), progress: progress, read: report.Read}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_raw"}, importRawColumns, rows); err != nil {
			// COPY reports a failing source as a server error: give the source's own.
			if srcErr := rows.Err(); srcErr != nil {
				return nil, srcErr
			}
			return nil, fmt.Errorf("%s: %w", src.Name, err)
		}
		progress("read "+src.Name, rows.n)
	}
	if err := checkDuplicates(ctx, tx); err != nil {
		return nil, err
	}
	progress("checking geometries", 0)
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE import_unit ON COMMIT DROP AS
		SELECT source, idx, code, level, parent_code, kind, name, tps_count, kpu_code_2024,
		       kecamatan_name, kabupaten_name, provinsi_name, ST_GeomFromWKB(wkb, 4326) AS geom
		FROM import_raw;
		DROP TABLE import_raw;
		CREATE INDEX ON import_unit (code);
		CREATE INDEX ON import_unit (level, parent_code);
		-- The units as they will be after the import: imported ones replace stored ones.
		CREATE TEMP VIEW unit_after_import AS
			SELECT code, level, parent_code, tps_count, geom FROM import_unit
			UNION ALL
			SELECT code, level, parent_code, tps_count, geom FROM admin_unit a
			WHERE NOT EXISTS (SELECT 1 FROM import_unit i WHERE i.code = a.code)`); err != nil {
		return nil, err
	}
	if report.Repaired, err = repairGeometries(ctx, tx); err != nil {
		return nil, err
	}
	for l := geo.Kecamatan; l >= geo.Provinsi; l-- {
		if report.Read[l] > 0 || report.Read[l+1]+report.Dissolved[l+1] == 0 {
			continue
		}
		progress("dissolving "+l.String(), 0)
		if report.Dissolved[l], err = dissolve(ctx, tx, l); err != nil {
			return nil, err
		}
	}
	if err := checkParents(ctx, tx); err != nil {
		return nil, err
	}
	progress("writing", 0)
	written, err := upsertUnits(ctx, tx, report)
	if err != nil {
		return nil, err
	}
	if err := refreshH3AfterImport(ctx, tx, written); err != nil {
		return nil, err
	}
	if len(written) > 0 { // NULL would mean every unit
		progress("generalising tile geometry", 0)
		if _, err := tx.Exec(ctx, `SELECT refresh_admin_unit_tile($1)`, written); err != nil {
			return nil, fmt.Errorf("tile geometry: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `REFRESH MATERIALIZED VIEW admin_level_summary`); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	progress("analyzing", 0)
	return report, s.vacuumAnalyze(ctx, "admin_unit", "admin_unit_tile", "admin_unit_search")
}

// vacuumAnalyze refreshes the planner's statistics and the visibility map
// after a bulk write, so that counts and pages use index-only scans at once
// rather than after autovacuum comes by.
func (s *Store) vacuumAnalyze(ctx context.Context, tables ...string) error {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pgx.Identifier{t}.Sanitize()
	}
	_, err := s.write.Exec(ctx, `VACUUM (ANALYZE) `+strings.Join(names, ", "))
	return err
}

var importRawColumns = []string{"source", "idx", "code", "level", "parent_code", "kind", "name",
	"tps_count", "kpu_code_2024", "kecamatan_name", "kabupaten_name", "provinsi_name", "wkb"}

// boundaryRows feeds the features of one file to COPY as they are read.
type boundaryRows struct {
	src      BoundarySource
	r        *geo.BoundaryReader
	progress ImportProgress
	read     map[geo.Level]int
	n        int
	values   []any
	err      error
}

func (b *boundaryRows) Next() bool {
	if !b.r.Next() {
		return false
	}
	f := b.r.Boundary()
	geom, err := wkb.Marshal(f.Geometry)
	if err != nil {
		b.err = &ImportError{Source: b.src.Name, Index: b.r.Index(), Code: f.Code, Reason: err.Error()}
		return false
	}
	var parent *string
	if p := f.Code.Parent(); p != "" {
		parent = (*string)(&p)
	}
	name := func(l geo.Level) *string {
		if n, ok := f.AncestorNames[l]; ok {
			return &n
		}
		return nil
	}
	b.values = []any{b.src.Name, b.r.Index(), string(f.Code), int16(f.Code.Level()), parent, f.Kind, f.Name,
		f.TPSCount, f.KPUCode2024, name(geo.Kecamatan), name(geo.Kabupaten), name(geo.Provinsi), geom}
	b.read[f.Code.Level()]++
	b.n++
	if b.n%10000 == 0 {
		b.progress("reading "+b.src.Name, b.n)
	}
	return true
}

func (b *boundaryRows) Values() ([]any, error) { return b.values, nil }

func (b *boundaryRows) Err() error {
	if b.err != nil {
		return b.err
	}
	if err := b.r.Err(); err != nil {
		var fe *geo.FeatureError
		if errors.As(err, &fe) {
			return &ImportError{Source: b.src.Name, Index: fe.Index, Code: fe.Code, Reason: fe.Reason}
		}
		return &ImportError{Source: b.src.Name, Index: -1, Reason: err.Error()}
	}
	return nil
}

func checkDuplicates(ctx context.Context, tx pgx.Tx) error {
	var code string
	var places []string
	err := tx.QueryRow(ctx, `
		SELECT code, array_agg(source || ' feature ' || idx ORDER BY source, idx)
		FROM import_raw GROUP BY code HAVING count(*) > 1 ORDER BY min(idx) LIMIT 1`).Scan(&code, &places)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &ImportError{Source: strings.Join(places, ", "), Index: -1, Reason: fmt.Sprintf("kode %s appears more than once", code)}
}

// repairGeometries mends invalid geometries with ST_MakeValid, keeping their polygon parts.
func repairGeometries(ctx context.Context, tx pgx.Tx) ([]Repair, error) {
	rows, err := tx.Query(ctx, `
		WITH invalid AS (
			SELECT source, idx, ST_IsValidReason(geom) AS reason
			FROM import_unit WHERE NOT ST_IsValid(geom)
		)
		UPDATE import_unit u
		SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(u.geom), 3))
		FROM invalid i WHERE u.source = i.source AND u.idx = i.idx
		RETURNING u.source, u.idx, u.code, i.reason, ST_IsEmpty(u.geom)`)
	if err != nil {
		return nil, err
	}
	var repairs []Repair
	for rows.Next() {
		var r Repair
		var empty bool
		if err := rows.Scan(&r.Source, &r.Index, &r.Code, &r.Reason, &empty); err != nil {
			return nil, err
		}
		if empty {
			rows.Close()
			return nil, &ImportError{Source: r.Source, Index: r.Index, Code: r.Code,
				Reason: fmt.Sprintf("invalid geometry (%s) has no area left after repair", r.Reason)}
		}
		repairs = append(repairs, r)
	}
	return repairs, rows.Err()
}

// dissolve makes the units of level l that the imported units of level l+1
// belong to, as the union of their children after the import (imported ones,
// and stored ones the import leaves alone). A unit's name comes from its
// children's properties ("kecamatan", "kabupaten", "provinsi"), else from the
// stored unit.
func dissolve(ctx context.Context, tx pgx.Tx, l geo.Level) (int, error) {
	nameColumn := map[geo.Level]string{geo.Kecamatan: "kecamatan_name", geo.Kabupaten: "kabupaten_name", geo.Provinsi: "provinsi_name"}[l]
	rows, err := tx.Query(ctx, `
		SELECT i.parent_code, coalesce(min(i.`+nameColumn+`), min(a.name)), min(i.source), coalesce(min(i.idx), -1)
		FROM import_unit i LEFT JOIN admin_unit a ON a.code = i.parent_code
		WHERE i.level = $1 GROUP BY i.parent_code ORDER BY i.parent_code`, int16(l+1))
	if err != nil {
		return 0, err
	}
	var codes, parents, kinds, names []string
	for rows.Next() {
		var code, source string
		var name *string
		var idx int
		if err := rows.Scan(&code, &name, &source, &idx); err != nil {
			return 0, err
		}
		if name == nil {
			rows.Close()
			return 0, &ImportError{Source: source, Index: idx, Reason: fmt.Sprintf(
				"no %s file was given and no feature names %s %s (property %q), so it cannot be made by dissolving", l, l, code, l)}
		}
		codes, kinds, names = append(codes, code), append(kinds, geo.Code(code).Kind()), append(names, *name)
		parents = append(parents, string(geo.Code(code).Parent()))
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// A union on the files' 1e-6 grid (snap-rounding overlay) keeps GEOS from
	// failing on the slivers between independently simplified neighbours.
	tag, err := tx.Exec(ctx, `
		INSERT INTO import_unit (source, idx, code, level, parent_code, kind, name, kabupaten_name, provinsi_name, geom)
		SELECT 'dissolved', NULL, v.code, $1, nullif(v.parent_code, ''), v.kind, v.name, n.kabupaten_name, n.provinsi_name,
		       (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(c.geom, 0.000001)), 3))
		        FROM unit_after_import c WHERE c.level = $1 + 1 AND c.parent_code = v.code)
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS v(code, parent_code, kind, name)
		CROSS JOIN LATERAL (
			SELECT min(kabupaten_name) AS kabupaten_name, min(provinsi_name) AS provinsi_name
			FROM import_unit WHERE level = $1 + 1 AND parent_code = v.code
		) n`, int16(l), codes, parents, kinds, names)
	if err != nil {
		return 0, fmt.Errorf("dissolve %s: %w", l, err)
	}
	return int(tag.RowsAffected()), nil
}

// checkParents refuses units whose parent is neither imported nor already stored.
func checkParents(ctx context.Context, tx pgx.Tx) error {
	var e ImportError
	var parent string
	err := tx.QueryRow(ctx, `
		SELECT s.source, s.idx, s.code, s.parent_code FROM import_unit s
		WHERE s.parent_code IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM import_unit p WHERE p.code = s.parent_code)
		  AND NOT EXISTS (SELECT 1 FROM admin_unit p WHERE p.code = s.parent_code)
		ORDER BY s.source, s.idx LIMIT 1`).Scan(&e.Source, &e.Index, &e.Code, &parent)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	e.Reason = fmt.Sprintf("unknown parent %s: no such %s in the files or the database", parent, geo.Code(parent).Level())
	return &e
}

// upsertUnits writes the imported units and returns the codes of those it
// inserted or changed. The TPS count of an upper unit is the sum over its
// desa after the import.
func upsertUnits(ctx context.Context, tx pgx.Tx, report *ImportReport) ([]string, error) {
	if _, err := tx.Exec(ctx, `
		UPDATE import_unit p SET tps_count = t.total
		FROM (SELECT a.code, sum(d.tps_count)::int AS total
		      FROM unit_after_import d
		      CROSS JOIN LATERAL (VALUES (left(d.code, 2)), (left(d.code, 5)), (left(d.code, 8))) AS a(code)
		      WHERE d.level = 4 GROUP BY a.code) t
		WHERE p.code = t.code AND p.level < 4`); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO admin_unit AS a (code, kind, name, tps_count, kpu_code_2024, area_km2, geom)
		SELECT code, kind, name, tps_count, kpu_code_2024,
		       round((ST_Area(geom::geography) / 1e6)::numeric, 3), geom
		FROM import_unit ORDER BY code
		ON CONFLICT (code) DO UPDATE SET
			kind = EXCLUDED.kind, name = EXCLUDED.name, tps_count = EXCLUDED.tps_count,
			kpu_code_2024 = EXCLUDED.kpu_code_2024, area_km2 = EXCLUDED.area_km2, geom = EXCLUDED.geom
		WHERE (a.kind, a.name, a.tps_count, a.kpu_code_2024, ST_AsBinary(a.geom))
		      IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.name, EXCLUDED.tps_count, EXCLUDED.kpu_code_2024, ST_AsBinary(EXCLUDED.geom))
		RETURNING code, xmax = 0`)
	if err != nil {
		return nil, err
	}
	var written []string
	for rows.Next() {
		var code string
		var inserted bool
		if err := rows.Scan(&code, &inserted); err != nil {
			return nil, err
		}
		written = append(written, code)
		if inserted {
			report.Inserted++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	total := 0
	for _, n := range report.Read {
		total += n
	}
	for _, n := range report.Dissolved {
		total += n
	}
	report.Updated = len(written) - report.Inserted
	report.Unchanged = total - len(written)
	return written, nil
}
