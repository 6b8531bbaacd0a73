package data

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// PlanQuery selects the desa of a deployment plan: every desa inside any of
// Areas (codes of any level; a desa inside two of them counts once), with
// its score in the election phase.
type PlanQuery struct {
	Areas    []geo.Code
	Election string
	Phase    string
	// MaxDesa bounds the desa read; past it, PlanDesa reports TooMany.
	MaxDesa int
	// Points adds a point on each desa's surface (for a CSV that kepler.gl
	// places); it costs a few milliseconds per thousand desa.
	Points bool
}

// PlanArea is a unit named as an area of a plan.
type PlanArea struct {
	Code geo.Code
	Name string
}

// PlanDesa is what a plan reads of one desa.
type PlanDesa struct {
	Code      geo.Code
	Name      string
	Kecamatan string // name of the enclosing kecamatan
	Kabupaten string // name of the enclosing kabupaten/kota
	TPS       *int   // nil when unknown
	Score     *float64
	Category  geo.Category // "" when the desa has no score in the phase
	Demo      bool
	// Lon and Lat are a point on the desa's surface, when PlanQuery.Points asks.
	Lon, Lat *float64
}

// PlanUnits is what a plan reads: the areas that exist, in code order (an
// area missing here is unknown), and their desa in code order, up to MaxDesa.
type PlanUnits struct {
	Areas []PlanArea
	Desa  []PlanDesa
	// TooMany tells that the areas hold more than MaxDesa desa (Desa is then cut short).
	TooMany bool
}

// The select lists of the plan's desa: with or without a point on each.
const (
	planDesaColumns  = `u.code, u.name, k.name, b.name, u.tps_count, r.score::float8, r.category, coalesce(r.demo, false)`
	planPointColumns = `, round(ST_X(p.pt)::numeric, 6)::float8, round(ST_Y(p.pt)::numeric, 6)::float8
		FROM admin_unit u CROSS JOIN LATERAL (SELECT ST_PointOnSurface(u.geom) AS pt) p`
)

// PlanDesa reads the areas of q and their desa with names, TPS counts and
// scores in one round trip.
func (s *Store) PlanDesa(ctx context.Context, q PlanQuery) (*PlanUnits, error) {
	areas := make([]string, len(q.Areas))
	for i, a := range q.Areas {
		areas[i] = string(a)
	}
	from := " FROM admin_unit u"
	if q.Points {
		from = planPointColumns
	}
	batch := &pgx.Batch{}
	batch.Queue(`SELECT code, name FROM admin_unit WHERE code = ANY($1) ORDER BY code`, areas)
	batch.Queue(`SELECT `+planDesaColumns+from+`
		LEFT JOIN admin_unit k ON k.code = u.kecamatan_code
		LEFT JOIN admin_unit b ON b.code = u.kabupaten_code
		LEFT JOIN risk_score r ON r.unit_code = u.code AND r.election_code = $2 AND r.phase_code = $3
		WHERE u.level = 4 AND (u.code = ANY($1) OR u.kecamatan_code = ANY($1) OR u.kabupaten_code = ANY($1) OR u.provinsi_code = ANY($1))
		ORDER BY u.code
		LIMIT $4`, areas, q.Election, q.Phase, q.MaxDesa+1)
	br := s.read.SendBatch(ctx, batch)
	defer br.Close()
	out := &PlanUnits{}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a PlanArea
		if err := rows.Scan(&a.Code, &a.Name); err != nil {
			return nil, err
		}
		out.Areas = append(out.Areas, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	for rows.Next() {
		var d PlanDesa
		var kecamatan, kabupaten, category *string
		dest := []any{&d.Code, &d.Name, &kecamatan, &kabupaten, &d.TPS, &d.Score, &category, &d.Demo}
		if q.Points {
			dest = append(dest, &d.Lon, &d.Lat)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if len(out.Desa) == q.MaxDesa {
			out.TooMany = true
			rows.Close()
			break
		}
		d.Kecamatan, d.Kabupaten = deref(kecamatan), deref(kabupaten)
		d.Category = geo.Category(deref(category))
		out.Desa = append(out.Desa, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, br.Close()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DesaGeometries calls each with every desa of codes, in their order, and
// its geometry as GeoJSON (6 decimals; nil for a code that is no desa).
// The bytes are valid only during the call.
func (s *Store) DesaGeometries(ctx context.Context, codes []geo.Code, each func(code geo.Code, geometry []byte) error) error {
	list := make([]string, len(codes))
	for i, c := range codes {
		list[i] = string(c)
	}
	rows, err := s.read.Query(ctx, `
		SELECT g.code, ST_AsGeoJSON(u.geom, 6)
		FROM unnest($1::text[]) WITH ORDINALITY g(code, n)
		LEFT JOIN admin_unit u ON u.code = g.code AND u.level = 4
		ORDER BY g.n`, list)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		values := rows.RawValues()
		if err := each(geo.Code(values[0]), values[1]); err != nil {
			return err
		}
	}
	return rows.Err()
}
