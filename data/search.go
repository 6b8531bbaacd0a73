package data

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// SearchQuery asks for admin units by name or code.
type SearchQuery struct {
	// Text matches names in which some word starts with it (and the words of
	// Text that follow start the words that follow), ignoring case, accents
	// and punctuation: "cile" finds Kota Cilegon, "kab ser" Kabupaten Serang.
	Text string
	// CodePrefix, when not empty, also matches units whose code starts with
	// it: a dotted prefix as geo.CodePrefix gives it.
	CodePrefix string
	Limit      int
}

// SearchResult is an admin unit found by Search.
type SearchResult struct {
	Code  geo.Code
	Name  string
	Level geo.Level
	Kind  string
	// Names of the enclosing units; nil at and below the unit's own level.
	Kecamatan, Kabupaten, Provinsi *string
	BBox                           geo.BBox
}

// searchSQL finds units in admin_unit_search (migrations/00006_search.sql),
// best first: exact matches (the whole name, a kabupaten/kota name without
// its kind, or the whole code), then coarser levels, then names that start
// with the text, then by folded name and code, bytewise. Only the page's
// units are joined to their geometry and ancestors.
const searchSQL = `
	WITH q AS MATERIALIZED (
		SELECT f AS name, CASE WHEN f <> '' THEN to_tsquery('simple', replace(f, ' ', ':* <-> ') || ':*') END AS words
		FROM search_fold($1) f
	), hit AS (
		SELECT s.code, s.level, s.name,
		       (s.name = q.name OR s.core = q.name OR s.code = $2) IS TRUE AS exact,
		       (starts_with(s.core, q.name) OR starts_with(s.code, $2)) IS TRUE AS starts
		FROM admin_unit_search s CROSS JOIN q
		-- '~' sorts after digits and dots: the range holds every code starting with $2.
		WHERE s.words @@ q.words OR (s.code COLLATE "C" >= $2 AND s.code COLLATE "C" < $2 || '~')
		ORDER BY exact DESC, s.level, starts DESC, s.name COLLATE "C", s.code COLLATE "C"
		LIMIT $3
	)
	SELECT u.code, u.name, u.level, u.kind, kc.name, kb.name, pv.name,
	       ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
	FROM hit h
	JOIN admin_unit u ON u.code = h.code
	CROSS JOIN LATERAL box2d(u.geom) b
	LEFT JOIN admin_unit kc ON kc.code = u.kecamatan_code AND u.level > 3
	LEFT JOIN admin_unit kb ON kb.code = u.kabupaten_code AND u.level > 2
	LEFT JOIN admin_unit pv ON pv.code = u.provinsi_code AND u.level > 1
	ORDER BY h.exact DESC, h.level, h.starts DESC, h.name COLLATE "C", h.code COLLATE "C"`

// Search finds admin units of every level by name or code prefix.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchResult, error) {
	var prefix *string
	if q.CodePrefix != "" {
		prefix = &q.CodePrefix
	}
	rows, err := s.read.Query(ctx, searchSQL, q.Text, prefix, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SearchResult, error) {
		var r SearchResult
		var level int16
		err := row.Scan(&r.Code, &r.Name, &level, &r.Kind, &r.Kecamatan, &r.Kabupaten, &r.Provinsi,
			&r.BBox.MinLon, &r.BBox.MinLat, &r.BBox.MaxLon, &r.BBox.MaxLat)
		r.Level = geo.Level(level)
		return r, err
	})
}
