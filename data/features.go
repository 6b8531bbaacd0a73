package data

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// Property is an attribute of the features of a collection.
type Property struct {
	Name        string
	Type        string // JSON Schema type: string, integer, number, boolean
	Description string
	// Filter marks properties offered as equality filters (?name=value).
	Filter bool
	// Enum lists the values a filter accepts, when they are few and fixed.
	Enum []string
	// CodeLevel is the level of the admin code a code-valued property holds (0: not a code).
	CodeLevel geo.Level
	Sortable  bool
	expr      string // SQL expression over the aliases of featureFrom
}

// Properties lists the properties of the features of level l, in output order.
// Every feature of the level carries all of them, nulls included. The slice
// is shared: read it, do not change it.
func Properties(l geo.Level) []Property { return levelProperties[l] }

// PropertiesByName indexes Properties(l) by name; shared like it.
func PropertiesByName(l geo.Level) map[string]Property { return levelPropertyIndex[l] }

// Every request reads the property lists, so they are built once.
var levelProperties, levelPropertyIndex = func() (map[geo.Level][]Property, map[geo.Level]map[string]Property) {
	lists, index := map[geo.Level][]Property{}, map[geo.Level]map[string]Property{}
	for _, l := range geo.Levels {
		lists[l], index[l] = buildProperties(l), map[string]Property{}
		for _, p := range lists[l] {
			index[l][p.Name] = p
		}
	}
	return lists, index
}()

func buildProperties(l geo.Level) []Property {
	props := []Property{
		{Name: "code", Type: "string", Description: "Kemendagri code, e.g. 36.72.01.1001", Filter: true, CodeLevel: l, Sortable: true, expr: "u.code"},
		{Name: "name", Type: "string", Description: "official name", Filter: true, Sortable: true, expr: "u.name"},
		{Name: "kind", Type: "string", Description: "kind of unit", Filter: true, Enum: geo.KindsOf(l), Sortable: true, expr: "u.kind"},
	}
	for _, a := range geo.Levels[:l-1] {
		alias := ancestorAlias(a)
		props = append(props,
			Property{Name: a.String() + "_code", Type: "string", Description: "code of the enclosing " + a.String(), Filter: true, CodeLevel: a, Sortable: true, expr: "u." + a.String() + "_code"},
			Property{Name: a.String(), Type: "string", Description: "name of the enclosing " + a.String(), Sortable: true, expr: alias + ".name"})
	}
	props = append(props,
		Property{Name: "tps_count", Type: "integer", Description: "polling stations (TPS), Pemilu 2024", Sortable: true, expr: "u.tps_count"},
		Property{Name: "area_km2", Type: "number", Description: "geodesic area in km²", Sortable: true, expr: "u.area_km2"})
	if l == geo.Desa {
		props = append(props, Property{Name: "kpu_code_2024", Type: "string", Description: "10-digit desa code KPU used in 2024", expr: "u.kpu_code_2024"})
	}
	props = append(props,
		Property{Name: "election", Type: "string", Description: "election of the score", expr: "e.election_code"},
		Property{Name: "phase", Type: "string", Description: "election phase of the score", expr: "e.phase_code"},
		Property{Name: "score", Type: "number", Description: "composite risk score 0-100 (higher is more vulnerable)", Sortable: true, expr: "r.score"},
		Property{Name: "category", Type: "string", Description: "risk category of the score", Filter: true, Enum: categoryNames(), Sortable: true, expr: "r.category"},
		Property{Name: "top_threats", Type: "array", Description: "up to 3 threats contributing most to the score, largest first (GET /threats names them)", expr: "r.top_threats"},
		Property{Name: "score_social_political", Type: "number", Description: "IKP dimension konteks sosial-politik, 0-100", Sortable: true, expr: "r.score_social_political"},
		Property{Name: "score_administration", Type: "number", Description: "IKP dimension penyelenggaraan, 0-100", Sortable: true, expr: "r.score_administration"},
		Property{Name: "score_contestation", Type: "number", Description: "IKP dimension kontestasi, 0-100", Sortable: true, expr: "r.score_contestation"},
		Property{Name: "score_participation", Type: "number", Description: "IKP dimension partisipasi, 0-100", Sortable: true, expr: "r.score_participation"},
		Property{Name: "demo", Type: "boolean", Description: "true when the score is generated demo data, not an assessment", expr: "r.demo"})
	return props
}

func categoryNames() []string {
	var names []string
	for _, c := range geo.Categories {
		names = append(names, string(c))
	}
	return names
}

func ancestorAlias(l geo.Level) string { return "a" + strconv.Itoa(int(l)) }

// featureFrom joins a unit (u) with its ancestors (a1..a3), the election
// phase asked for (e) and its risk score there (r).
func featureFrom(l geo.Level) string {
	var b strings.Builder
	b.WriteString("admin_unit u CROSS JOIN (SELECT $1::text AS election_code, $2::text AS phase_code) e")
	for _, a := range geo.Levels[:l-1] {
		fmt.Fprintf(&b, " LEFT JOIN admin_unit %[1]s ON %[1]s.code = u.%[2]s_code", ancestorAlias(a), a)
	}
	b.WriteString(" LEFT JOIN risk_score r ON r.unit_code = u.code AND r.election_code = e.election_code AND r.phase_code = e.phase_code")
	return b.String()
}

// FeatureQuery selects features of one level for an election phase.
type FeatureQuery struct {
	Level    geo.Level
	Election string
	Phase    string
	BBox     *geo.BBox
	// Filters are equality conditions on properties with Filter set.
	Filters map[string]string
	SortBy  []SortKey
	// Properties names the properties to include (nil: all).
	Properties []string
	Limit      int
	Offset     int
	// Within confines the features to a token's jurisdiction: the units
	// inside it and those containing part of it (nil: everywhere).
	Within geo.Jurisdiction
}

// SortKey orders features by a sortable property.
type SortKey struct {
	Property   string
	Descending bool
}

// queryError is a query naming a property the collection does not have; the
// API validates first, so it means a bug.
func queryError(format string, a ...any) error { return fmt.Errorf("feature query: "+format, a...) }

// clause collects the conditions of a WHERE clause and binds their values as parameters.
type clause struct {
	conds []string
	args  []any
}

// bind adds v to the arguments and names its parameter.
func (w *clause) bind(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *clause) add(cond string) { w.conds = append(w.conds, cond) }

// intersects keeps the rows whose geom (a column in EPSG:4326) meets the box, if any.
func (w *clause) intersects(geom string, b *geo.BBox) {
	if b != nil {
		w.add(fmt.Sprintf("ST_Intersects(%s, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
			geom, w.bind(b.MinLon), w.bind(b.MinLat), w.bind(b.MaxLon), w.bind(b.MaxLat)))
	}
}

// within keeps the rows whose unit (code, an expression) lies inside the
// jurisdiction j, or with around also those that contain part of it; nil
// keeps every row.
func (w *clause) within(code string, j geo.Jurisdiction, around bool) {
	if j == nil {
		return
	}
	cond := code + " = j OR " + code + " LIKE j || '.%'"
	if around {
		cond += " OR j LIKE " + code + " || '.%'"
	}
	w.add("EXISTS (SELECT FROM unnest(" + w.bind(j.Strings()) + "::text[]) AS j WHERE " + cond + ")")
}

// sql is the clause's conditions joined, "true" when there are none.
func (w *clause) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// where builds the WHERE clause and its arguments (after $1 election, $2 phase).
func (q FeatureQuery) where(props map[string]Property) (string, []any, error) {
	w := clause{args: []any{q.Election, q.Phase, int16(q.Level)}, conds: []string{"u.level = $3"}}
	w.intersects("u.geom", q.BBox)
	w.within("u.code", q.Within, true)
	for _, p := range Properties(q.Level) { // a fixed order keeps the SQL text stable
		v, ok := q.Filters[p.Name]
		if !ok {
			continue
		}
		if !p.Filter {
			return "", nil, queryError("property %q is not filterable", p.Name)
		}
		w.add(p.expr + " = " + w.bind(v))
	}
	for name := range q.Filters {
		if _, ok := props[name]; !ok {
			return "", nil, queryError("unknown property %q", name)
		}
	}
	return w.sql(), w.args, nil
}

func (q FeatureQuery) orderBy(props map[string]Property) (string, error) {
	var keys []string
	for _, k := range q.SortBy {
		p, ok := props[k.Property]
		if !ok || !p.Sortable {
			return "", queryError("cannot sort by %q", k.Property)
		}
		dir := " ASC NULLS LAST"
		if k.Descending {
			dir = " DESC NULLS LAST"
		}
		keys = append(keys, p.expr+dir)
	}
	// The code breaks ties, so that pages never overlap or miss a feature.
	return strings.Join(append(keys, "u.code"), ", "), nil
}

// featureJSON builds each row's GeoJSON Feature in PostgreSQL, so Go only copies bytes.
func (q FeatureQuery) featureJSON(props map[string]Property) (string, error) {
	names := q.Properties
	if names == nil {
		for _, p := range Properties(q.Level) {
			names = append(names, p.Name)
		}
	}
	pairs := make([]string, 0, len(names))
	for _, name := range names {
		p, ok := props[name]
		if !ok {
			return "", queryError("unknown property %q", name)
		}
		pairs = append(pairs, "'"+p.Name+"', "+p.expr)
	}
	return `'{"type":"Feature","id":' || u.id || ',"geometry":' || ST_AsGeoJSON(u.geom, 6) ||
		',"properties":' || json_build_object(` + strings.Join(pairs, ", ") + `)::text || '}'`, nil
}

// FeatureRows streams the features of a query: each row is one GeoJSON Feature.
type FeatureRows struct {
	batch pgx.BatchResults
	rows  pgx.Rows
	json  []byte
	demo  bool
	err   error
}

// Next moves to the next feature.
func (f *FeatureRows) Next() bool {
	if !f.rows.Next() {
		return false
	}
	// The raw column bytes, without a copy: text arrives as is, and the
	// boolean as one byte in binary format or "t"/"f" in text format.
	values := f.rows.RawValues()
	if len(values) != 2 || len(values[1]) != 1 {
		f.err = fmt.Errorf("feature row: unexpected columns")
		f.rows.Close()
		return false
	}
	f.json, f.demo = values[0], values[1][0] == 1 || values[1][0] == 't'
	return true
}

// Feature is the current feature as GeoJSON; the bytes are valid only until the next call to Next.
func (f *FeatureRows) Feature() []byte { return f.json }

// Demo tells whether the current feature's score is demo data.
func (f *FeatureRows) Demo() bool { return f.demo }

// Err is the error that ended the rows, if any.
func (f *FeatureRows) Err() error { return errors.Join(f.err, f.rows.Err()) }

// Close releases the connection; it must be called.
func (f *FeatureRows) Close() error {
	f.rows.Close()
	return errors.Join(f.Err(), f.batch.Close())
}

// Features counts the features matching q and streams the page q selects,
// both in one round trip.
func (s *Store) Features(ctx context.Context, q FeatureQuery) (matched int64, rows *FeatureRows, err error) {
	props := PropertiesByName(q.Level)
	where, args, err := q.where(props)
	if err != nil {
		return 0, nil, err
	}
	order, err := q.orderBy(props)
	if err != nil {
		return 0, nil, err
	}
	feature, err := q.featureJSON(props)
	if err != nil {
		return 0, nil, err
	}
	from := featureFrom(q.Level)
	count, countArgs := q.countQuery(from, where, args)
	page, pageArgs := q.pageQuery(feature+", coalesce(r.demo, false)", from, where, order, args)
	matched, br, r, err := s.countAndPage(ctx, count, countArgs, page, pageArgs)
	if err != nil {
		return 0, nil, err
	}
	return matched, &FeatureRows{batch: br, rows: r}, nil
}

// countAndPage sends a count query and a page query in one round trip and
// returns the count and the page's rows, which hold the connection until
// the rows and the batch are closed.
func (s *Store) countAndPage(ctx context.Context, count string, countArgs []any, page string, pageArgs []any) (int64, pgx.BatchResults, pgx.Rows, error) {
	batch := &pgx.Batch{}
	batch.Queue(count, countArgs...)
	batch.Queue(page, pageArgs...)
	br := s.read.SendBatch(ctx, batch)
	var matched int64
	if err := br.QueryRow().Scan(&matched); err != nil {
		br.Close()
		return 0, nil, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return 0, nil, nil, err
	}
	return matched, br, rows, nil
}

// countQuery counts the units q matches.
func (q FeatureQuery) countQuery(from, where string, args []any) (string, []any) {
	if q.BBox == nil && len(q.Filters) == 0 && q.Within == nil {
		// The whole level: its count is kept by the import.
		return `SELECT coalesce((SELECT unit_count FROM admin_level_summary WHERE level = $1), 0)`, []any{int16(q.Level)}
	}
	return `SELECT count(*) FROM ` + from + ` WHERE ` + where, args
}

// pageQuery selects list for the units of the page q asks for: the page's
// codes first, then list, as OFFSET would otherwise compute list for every
// skipped row too.
func (q FeatureQuery) pageQuery(list, from, where, order string, args []any) (string, []any) {
	return fmt.Sprintf(`
		SELECT %s FROM %s
		WHERE u.code IN (SELECT u.code FROM %s WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d)
		ORDER BY %s`, list, from, from, where, order, len(args)+1, len(args)+2, order),
		append(append([]any{}, args...), q.Limit, q.Offset)
}

// ErrNotFound is returned for what does not exist (a unit, an incident, a run, a token).
var ErrNotFound = errors.New("not found")

// Feature returns one unit of level l as a GeoJSON Feature, and whether its score is demo data.
func (s *Store) Feature(ctx context.Context, l geo.Level, code geo.Code, election, phase string) ([]byte, bool, error) {
	q := FeatureQuery{Level: l, Election: election, Phase: phase, Filters: map[string]string{"code": string(code)}}
	props := PropertiesByName(l)
	where, args, err := q.where(props)
	if err != nil {
		return nil, false, err
	}
	feature, err := q.featureJSON(props)
	if err != nil {
		return nil, false, err
	}
	var body []byte
	var demo bool
	err = s.read.QueryRow(ctx, `SELECT `+feature+`, coalesce(r.demo, false) FROM `+featureFrom(l)+` WHERE `+where, args...).Scan(&body, &demo)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, ErrNotFound
	}
	return body, demo, err
}

// Extent is the bounding box and feature count of one level.
type Extent struct {
	Count int64
	BBox  geo.BBox
}

// Extents gives the stored extent of every level that has units.
func (s *Store) Extents(ctx context.Context) (map[geo.Level]Extent, error) {
	rows, err := s.read.Query(ctx, `SELECT level, unit_count, min_lon, min_lat, max_lon, max_lat FROM admin_level_summary`)
	if err != nil {
		return nil, err
	}
	out := map[geo.Level]Extent{}
	for rows.Next() {
		var l int16
		var e Extent
		if err := rows.Scan(&l, &e.Count, &e.BBox.MinLon, &e.BBox.MinLat, &e.BBox.MaxLon, &e.BBox.MaxLat); err != nil {
			return nil, err
		}
		out[geo.Level(l)] = e
	}
	return out, rows.Err()
}
