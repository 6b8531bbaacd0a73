package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// Incident is a stored incident report: what a write's caller and its audit
// entry need to know of it, and its GeoJSON Feature as the API serves it.
type Incident struct {
	ID       int64           `json:"id"`
	Type     string          `json:"type"`
	Desa     geo.Code        `json:"desa_code"`
	Election string          `json:"election"`
	Phase    string          `json:"phase"`
	Feature  json.RawMessage `json:"-"`
}

// IncidentProperties lists the properties of the features of the incident
// collection (insiden), in output order. The slice is shared: read it, do not change it.
func IncidentProperties() []Property { return incidentProperties }

var incidentProperties = []Property{
	{Name: "id", Type: "integer", Description: "the incident's id, also the feature id", expr: "n.id"},
	{Name: "type", Type: "string", Description: "incident type code (the catalogue's incident_type)", expr: "n.type"},
	{Name: "type_name", Type: "string", Description: "name of the incident type", expr: "t.name"},
	{Name: "threat", Type: "string", Description: "the threat the incident type belongs to", expr: "t.threat"},
	{Name: "occurred_at", Type: "string", Description: "when it happened, RFC 3339 in WIB (+07:00)", expr: wibText("n.occurred_at")},
	{Name: "election", Type: "string", Description: "election the incident is counted in", expr: "n.election_code"},
	{Name: "phase", Type: "string", Description: "election phase the incident is counted in", expr: "n.phase_code"},
	{Name: "desa_code", Type: "string", Description: "code of the desa/kelurahan containing the point", Filter: true, CodeLevel: geo.Desa, expr: "n.unit_code"},
	{Name: "desa", Type: "string", Description: "name of the desa/kelurahan", expr: "d.name"},
	{Name: "kecamatan_code", Type: "string", Description: "code of the enclosing kecamatan", Filter: true, CodeLevel: geo.Kecamatan, expr: "d.kecamatan_code"},
	{Name: "kabupaten_code", Type: "string", Description: "code of the enclosing kabupaten/kota", Filter: true, CodeLevel: geo.Kabupaten, expr: "d.kabupaten_code"},
	{Name: "description", Type: "string", Description: "what happened, as reported", expr: "n.description"},
	{Name: "source", Type: "string", Description: "who reported it: bawaslu, polres, kpu, media (demo for generated demo data)", expr: "n.source"},
	{Name: "recorded_at", Type: "string", Description: "when it was recorded, RFC 3339 in WIB (+07:00)", expr: wibText("n.recorded_at")},
	{Name: "demo", Type: "boolean", Description: "true when the incident is generated demo data, not a report", expr: "n.source = 'demo'"},
}

// wibText formats a timestamptz column as RFC 3339 in WIB, with fractional
// seconds only when there are any.
func wibText(col string) string {
	local := "((" + col + ") AT TIME ZONE 'UTC' + interval '7 hours')"
	return "to_char(" + local + `, 'YYYY-MM-DD"T"HH24:MI:SS') || ` +
		"CASE WHEN date_part('microseconds', " + local + ")::bigint % 1000000 = 0 THEN '' ELSE rtrim(to_char(" + local + ", '.US'), '0') END || '+07:00'"
}

// incidentFrom joins an incident (n) with its type (t) and its desa (d).
const incidentFrom = `incident n JOIN incident_type t ON t.code = n.type JOIN admin_unit d ON d.code = n.unit_code`

// incidentFeature builds each incident's GeoJSON Feature in PostgreSQL.
var incidentFeature = func() string {
	pairs := make([]string, len(incidentProperties))
	for i, p := range incidentProperties {
		pairs[i] = "'" + p.Name + "', " + p.expr
	}
	return `'{"type":"Feature","id":' || n.id || ',"geometry":' || ST_AsGeoJSON(n.geom, 7) ||
		',"properties":' || json_build_object(` + strings.Join(pairs, ", ") + `)::text || '}'`
}()

// IncidentQuery selects incidents.
type IncidentQuery struct {
	BBox *geo.BBox
	// Time bounds occurred_at.
	Time geo.TimeRange
	// Types lists the incident types wanted (nil: all).
	Types           []string
	Election, Phase string
	// Filters are equality conditions on the properties with Filter set (the unit codes).
	Filters       map[string]string
	Limit, Offset int
	// Within confines the incidents to a token's jurisdiction (nil: everywhere).
	Within geo.Jurisdiction
}

func (q IncidentQuery) where() (string, []any, error) {
	var w clause
	w.intersects("n.geom", q.BBox)
	w.within("n.unit_code", q.Within, false)
	if q.Time.From != nil {
		w.add("n.occurred_at >= " + w.bind(*q.Time.From))
	}
	if q.Time.Until != nil {
		w.add("n.occurred_at < " + w.bind(*q.Time.Until))
	}
	if q.Types != nil {
		w.add("n.type = ANY(" + w.bind(q.Types) + ")")
	}
	if q.Election != "" {
		w.add("n.election_code = " + w.bind(q.Election))
	}
	if q.Phase != "" {
		w.add("n.phase_code = " + w.bind(q.Phase))
	}
	for _, p := range incidentProperties { // a fixed order keeps the SQL text stable
		if v, ok := q.Filters[p.Name]; ok && p.Filter {
			w.add(p.expr + " = " + w.bind(v))
		}
	}
	for name := range q.Filters {
		if i := slices.IndexFunc(incidentProperties, func(p Property) bool { return p.Name == name && p.Filter }); i < 0 {
			return "", nil, queryError("incidents cannot be filtered on %q", name)
		}
	}
	return w.sql(), w.args, nil
}

// Incidents counts the incidents matching q and streams the page q selects,
// ordered by occurred_at then id, both in one round trip.
func (s *Store) Incidents(ctx context.Context, q IncidentQuery) (int64, *FeatureRows, error) {
	where, args, err := q.where()
	if err != nil {
		return 0, nil, err
	}
	page, pageArgs := q.pageQuery(incidentFeature+", n.source = 'demo'", where, args)
	matched, br, rows, err := s.countAndPage(ctx, `SELECT count(*) FROM `+incidentFrom+` WHERE `+where, args, page, pageArgs)
	if err != nil {
		return 0, nil, err
	}
	return matched, &FeatureRows{batch: br, rows: rows}, nil
}

// pageQuery selects list for the incidents of the page q asks for, ordered by
// occurred_at then id: the page's ids first, so that OFFSET skips rows unbuilt.
func (q IncidentQuery) pageQuery(list, where string, args []any) (string, []any) {
	return fmt.Sprintf(`
		SELECT %s FROM %s
		WHERE n.id IN (SELECT n.id FROM %s WHERE %s ORDER BY n.occurred_at, n.id LIMIT $%d OFFSET $%d)
		ORDER BY n.occurred_at, n.id`, list, incidentFrom, incidentFrom, where, len(args)+1, len(args)+2),
		append(append([]any{}, args...), q.Limit, q.Offset)
}

// Incident returns one incident as a GeoJSON Feature.
// One outside the jurisdiction within (nil: everywhere) is not found.
func (s *Store) Incident(ctx context.Context, id int64, within geo.Jurisdiction) ([]byte, error) {
	w := clause{args: []any{id}, conds: []string{"n.id = $1"}}
	w.within("n.unit_code", within, false)
	var feature []byte
	err := s.read.QueryRow(ctx, `SELECT `+incidentFeature+` FROM `+incidentFrom+` WHERE `+w.sql(), w.args...).Scan(&feature)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return feature, err
}

// incidentTypes lists the codes of the catalogue's incident types, in order.
func incidentTypes(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT code FROM incident_type ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// IncidentExtent is the bounding box of the stored incidents (nil: there are none).
func (s *Store) IncidentExtent(ctx context.Context) (*geo.BBox, error) {
	var minLon, minLat, maxLon, maxLat *float64
	err := s.read.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM incident) x`).
		Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil || minLon == nil {
		return nil, err
	}
	return &geo.BBox{MinLon: *minLon, MinLat: *minLat, MaxLon: *maxLon, MaxLat: *maxLat}, nil
}

// newIncident is a checked report, ready to insert.
type newIncident struct {
	geo.ElectionPhase
	Type        string
	At          time.Time
	Desa        geo.Code
	Lon, Lat    float64
	Description string
	Source      string
}

// AddIncidents records a batch of incident reports in one transaction. Each
// report is checked on its own (geo.IncidentInput.Check), its type against
// the catalogue, its time against the election phases (geo.PhaseAt) and its
// point against the desa: it goes to the desa whose polygon covers it, and a
// point on the shared edge or vertex of several desa goes to the one with
// the lowest code, so the same report always lands in the same desa. Every
// problem of the batch, with those of the reports that could not be read
// (batch.Problems), is returned as *InvalidInput and nothing is written.
// Otherwise the incidents are inserted, the desa they fall in are rescored
// once per election phase touched, and one audit entry records the batch.
func (s *Store) AddIncidents(ctx context.Context, actor Actor, batch geo.IncidentBatch) ([]Incident, error) {
	if len(batch.Incidents) == 0 && len(batch.Problems) == 0 {
		return nil, &InvalidInput{Problems: []geo.InputProblem{{Reason: "no incidents given"}}}
	}
	if n := len(batch.Incidents); n > geo.MaxIncidentBatch {
		return nil, &InvalidInput{Problems: []geo.InputProblem{{Reason: fmt.Sprintf("%d incidents in one batch; at most %d", n, geo.MaxIncidentBatch)}}}
	}
	elections, err := s.Elections(ctx)
	if err != nil {
		return nil, err
	}
	var created []Incident
	var runs []Run
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		checked, problems, err := checkIncidents(ctx, tx, batch.Incidents, ElectionPhases(elections), time.Now())
		if err != nil {
			return err
		}
		if problems = append(problems, batch.Problems...); len(problems) > 0 {
			sort.SliceStable(problems, func(i, j int) bool {
				a, b := problems[i], problems[j]
				return a.Item < b.Item || a.Item == b.Item && a.Line < b.Line
			})
			return &InvalidInput{Problems: problems}
		}
		items, desa := make([]geo.InputProblem, len(checked)), make([]geo.Code, len(checked))
		for i, in := range batch.Incidents {
			items[i], desa[i] = geo.InputProblem{Item: in.Item, Line: in.Line, Field: in.CoordinatesField()}, checked[i].Desa
		}
		if err := actor.outsideJurisdiction(items, desa); err != nil {
			return err
		}
		if created, err = insertIncidents(ctx, tx, actor, checked); err != nil {
			return err
		}
		touched := touchedDesa{}
		for _, in := range checked {
			p := phaseKey{in.Election, in.Phase}
			touched[p] = append(touched[p], in.Desa)
		}
		if runs, err = rescoreTouched(ctx, tx, actor, touched); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "incident.create", "incident", nil, created)
	})
	if err != nil {
		return nil, err
	}
	s.observeRuns(runs...)
	return created, nil
}

// checkIncidents checks every report and returns the checked ones with
// their phase and desa, or every problem found.
func checkIncidents(ctx context.Context, tx pgx.Tx, inputs []geo.IncidentInput, phases []geo.ElectionPhase, now time.Time) ([]newIncident, []geo.InputProblem, error) {
	types, err := incidentTypes(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	checked := make([]newIncident, len(inputs))
	var problems []geo.InputProblem
	var located []int // the inputs whose coordinates are valid, to find their desa
	for i, in := range inputs {
		at, found := in.Check(now)
		has := func(fields ...string) bool {
			return slices.ContainsFunc(found, func(p geo.InputProblem) bool { return slices.Contains(fields, p.Field) })
		}
		if !has("type") && !slices.Contains(types, in.Type) {
			found = append(found, geo.InputProblem{Item: in.Item, Line: in.Line, Field: "type",
				Reason: fmt.Sprintf("unknown incident type %q; types are %s", in.Type, strings.Join(types, ", "))})
		}
		if !has("occurred_at", "phase") {
			phase, problem := geo.PhaseAt(phases, at, in.Phase)
			if problem != nil {
				problem.Item, problem.Line = in.Item, in.Line
				found = append(found, *problem)
			}
			checked[i].ElectionPhase = phase
		}
		if !has("geometry", "lon", "lat") {
			located = append(located, i)
		}
		checked[i].Type, checked[i].At, checked[i].Lon, checked[i].Lat = in.Type, at, in.Lon, in.Lat
		checked[i].Description, checked[i].Source = in.Description, in.Source
		problems = append(problems, found...)
	}
	lons, lats := make([]float64, len(located)), make([]float64, len(located))
	for j, i := range located {
		lons[j], lats[j] = inputs[i].Lon, inputs[i].Lat
	}
	// ST_Covers, not ST_Contains: a point on a boundary is in a desa too. Of
	// several desa sharing that boundary, the lowest code takes it.
	rows, err := tx.Query(ctx, `
		SELECT (SELECT u.code FROM admin_unit u
		        WHERE u.level = 4 AND ST_Covers(u.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
		        ORDER BY u.code LIMIT 1)
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, n)
		ORDER BY p.n`, lons, lats)
	if err != nil {
		return nil, nil, err
	}
	desa, err := pgx.CollectRows(rows, pgx.RowTo[*string])
	if err != nil {
		return nil, nil, err
	}
	for j, i := range located {
		in := inputs[i]
		if desa[j] == nil {
			problems = append(problems, geo.InputProblem{Item: in.Item, Line: in.Line, Field: in.CoordinatesField(),
				Reason: fmt.Sprintf("lon %v, lat %v is outside every desa/kelurahan", in.Lon, in.Lat)})
			continue
		}
		checked[i].Desa = geo.Code(*desa[j])
	}
	return checked, problems, nil
}

// insertIncidents inserts checked reports and returns them as stored, in
// the order given.
func insertIncidents(ctx context.Context, tx pgx.Tx, actor Actor, checked []newIncident) ([]Incident, error) {
	// Ids are drawn first, so that each report knows its own whatever order
	// the insert takes.
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('incident', 'id')) FROM generate_series(1, $1)`, len(checked))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	n := len(checked)
	types, elections, phases, desa := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	descriptions, sources := make([]string, n), make([]string, n)
	at, lons, lats := make([]time.Time, n), make([]float64, n), make([]float64, n)
	created := make([]Incident, n)
	for i, in := range checked {
		types[i], elections[i], phases[i], desa[i] = in.Type, in.Election, in.Phase, string(in.Desa)
		descriptions[i], sources[i], at[i], lons[i], lats[i] = in.Description, in.Source, in.At, in.Lon, in.Lat
		created[i] = Incident{ID: ids[i], Type: in.Type, Desa: in.Desa, Election: in.Election, Phase: in.Phase}
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO incident (id, type, occurred_at, election_code, phase_code, unit_code, description, source, recorded_by, geom)
		OVERRIDING SYSTEM VALUE
		SELECT id, type, at, election, phase, desa, description, source, $11, ST_SetSRID(ST_MakePoint(lon, lat), 4326)
		FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[])
		     AS i(id, type, at, election, phase, desa, description, source, lon, lat)`,
		ids, types, at, elections, phases, desa, descriptions, sources, lons, lats, actor.Name)
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT `+incidentFeature+` FROM `+incidentFrom+` WHERE n.id = ANY($1) ORDER BY n.id`, ids)
	if err != nil {
		return nil, err
	}
	features, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	for i := range created {
		created[i].Feature = features[i]
	}
	return created, nil
}
