package data

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// TableRows streams a page of features as rows of text values, one column per
// property then lon and lat, for the CSV export. Each value reads as the
// feature's GeoJSON shows it (numbers as stored, true/false), arrays joined by
// ';', null as nil.
type TableRows struct {
	// Columns names the columns: the properties, then lon and lat.
	Columns []string
	batch   pgx.BatchResults
	rows    pgx.Rows
}

// Next moves to the next row.
func (t *TableRows) Next() bool { return t.rows.Next() }

// Values are the current row's values (nil for null); the bytes are valid
// only until the next call to Next.
func (t *TableRows) Values() [][]byte { return t.rows.RawValues() }

// Err is the error that ended the rows, if any.
func (t *TableRows) Err() error { return t.rows.Err() }

// Close releases the connection; it must be called.
func (t *TableRows) Close() error {
	t.rows.Close()
	return errors.Join(t.Err(), t.batch.Close())
}

// pointColumns are the lon and lat columns: a point on the surface of geom
// (the point itself for a point), with 6 decimals, the precision of the data.
var pointColumns = []string{"lon", "lat"}

func pointValues(geom string) string {
	return fmt.Sprintf("trim_scale(round(ST_X(ST_PointOnSurface(%[1]s))::numeric, 6))::text, "+
		"trim_scale(round(ST_Y(ST_PointOnSurface(%[1]s))::numeric, 6))::text", geom)
}

// textValue is a property's SQL expression as the text a table shows.
func textValue(p Property) string {
	if p.Type == "array" {
		return "array_to_string(" + p.expr + ", ';')"
	}
	return "(" + p.expr + ")::text"
}

// tableSelect is the select list of a table of the properties named, and the names of its columns.
func tableSelect(props []Property, geom string) (string, []string) {
	values, columns := make([]string, len(props)), make([]string, len(props))
	for i, p := range props {
		values[i], columns[i] = textValue(p), p.Name
	}
	return strings.Join(append(values, pointValues(geom)), ", "), append(columns, pointColumns...)
}

// sendTable sends the count and the page queries in one round trip.
func (s *Store) sendTable(ctx context.Context, columns []string, count string, countArgs []any, page string, pageArgs []any) (int64, *TableRows, error) {
	matched, br, rows, err := s.countAndPage(ctx, count, countArgs, page, pageArgs)
	if err != nil {
		return 0, nil, err
	}
	return matched, &TableRows{Columns: columns, batch: br, rows: rows}, nil
}

// FeatureTable counts the units matching q, as Features does, and streams
// the page q selects as a table of the properties q names (all by default).
func (s *Store) FeatureTable(ctx context.Context, q FeatureQuery) (int64, *TableRows, error) {
	byName := PropertiesByName(q.Level)
	where, args, err := q.where(byName)
	if err != nil {
		return 0, nil, err
	}
	order, err := q.orderBy(byName)
	if err != nil {
		return 0, nil, err
	}
	props := Properties(q.Level)
	if q.Properties != nil {
		props = nil
		for _, name := range q.Properties {
			p, ok := byName[name]
			if !ok {
				return 0, nil, queryError("unknown property %q", name)
			}
			props = append(props, p)
		}
	}
	list, columns := tableSelect(props, "u.geom")
	from := featureFrom(q.Level)
	count, countArgs := q.countQuery(from, where, args)
	page, pageArgs := q.pageQuery(list, from, where, order, args)
	return s.sendTable(ctx, columns, count, countArgs, page, pageArgs)
}

// IncidentTable counts the incidents matching q, as Incidents does, and
// streams the page q selects as a table of every incident property.
func (s *Store) IncidentTable(ctx context.Context, q IncidentQuery) (int64, *TableRows, error) {
	where, args, err := q.where()
	if err != nil {
		return 0, nil, err
	}
	list, columns := tableSelect(incidentProperties, "n.geom")
	page, pageArgs := q.pageQuery(list, where, args)
	return s.sendTable(ctx, columns, `SELECT count(*) FROM `+incidentFrom+` WHERE `+where, args, page, pageArgs)
}
