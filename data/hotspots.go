package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uber/h3-go/v4"

	"github.com/petarawan/petarawan/geo"
)

// Values the hotspot statistics run on: the composite score, one dimension's
// score (by its name, e.g. social_political), or the count of incidents.
const (
	ValueComposite = "composite"
	ValueIncidents = "incidents"
)

// HotspotValues lists the values the statistics can run on.
func HotspotValues() []string {
	values := []string{ValueComposite}
	for _, d := range geo.Dimensions {
		values = append(values, d.String())
	}
	return append(values, ValueIncidents)
}

// HotspotQuery selects the units of a hotspot analysis and the value of each.
type HotspotQuery struct {
	Election, Phase string
	// The area: exactly one of an admin unit (its desa, or the cells they
	// overlap), a box or a polygon (WKB in EPSG:4326; the units meeting it).
	Area    geo.Code
	BBox    *geo.BBox
	Polygon []byte
	// H3Res 0 analyses desa with queen contiguity; 5-9 the H3 cells of that
	// resolution with k-ring weights of K.
	H3Res, K int
	Value    string // one of HotspotValues
	// Geometry asks for each unit's GeoJSON geometry.
	Geometry bool
	// MaxUnits refuses, with a *TooManyUnits, an area of more units
	// (counted with or without a value), before any is read.
	MaxUnits int
}

// HotspotUnit is one unit of an analysis.
type HotspotUnit struct {
	ID       string // desa code, or H3 index in hexadecimal
	Name     string // the desa's name; "" for a cell
	Value    float64
	Geometry []byte // GeoJSON, when asked for
}

// HotspotUnits are the units of an area (desa in code order, cells in index
// order) with their neighbours.
type HotspotUnits struct {
	Units      []HotspotUnit
	Neighbours geo.Neighbours
	// Demo tells whether any value is (or counts) demo data.
	Demo bool
}

// Values lists the units' values in order, as the statistics take them.
func (u *HotspotUnits) Values() []float64 {
	values := make([]float64, len(u.Units))
	for i, unit := range u.Units {
		values[i] = unit.Value
	}
	return values
}

// TooManyUnits refuses an area with more units than the query allows.
type TooManyUnits struct{ Units, Max int }

func (e *TooManyUnits) Error() string {
	return fmt.Sprintf("the area has %d units; the limit is %d", e.Units, e.Max)
}

// InvalidGeometry refuses a polygon PostGIS finds invalid (self-intersecting, ...).
type InvalidGeometry struct{ Reason string }

func (e *InvalidGeometry) Error() string { return "invalid geometry: " + e.Reason }

// Hotspots reads the units of hotspot analyses. It keeps the queen
// contiguity of the desa it has met, per provinsi, for the boundary version
// it was computed at: contiguity takes PostGIS a few hundred milliseconds per
// provinsi, a lookup microseconds.
type Hotspots struct {
	store      *Store
	contiguity contiguity
}

// NewHotspots reads hotspot units from store.
func NewHotspots(store *Store) *Hotspots { return &Hotspots{store: store} }

// Units reads the units of q's area with their values and neighbours. Units
// without a value in the phase (not scored) are left out. An unknown area
// code is ErrNotFound.
func (h *Hotspots) Units(ctx context.Context, q HotspotQuery) (*HotspotUnits, error) {
	if q.Polygon != nil {
		if err := h.store.checkPolygon(ctx, q.Polygon); err != nil {
			return nil, err
		}
	}
	if q.H3Res != 0 {
		// The area is checked below, with the unit count.
		if err := h.store.checkH3Query(ctx, H3Query{Res: q.H3Res}); err != nil {
			return nil, err
		}
	}
	plan, err := q.plan()
	if err != nil {
		return nil, err
	}
	var version int64
	var count int
	// The count of the area's units, with or without a value, bounds the work before any is read.
	err = h.store.read.QueryRow(ctx, `SELECT (SELECT version FROM boundary_version), (`+plan.count+`)`, plan.args...).Scan(&version, &count)
	if err != nil {
		return nil, err
	}
	if count == 0 && q.Area != "" {
		if err := h.store.unitExists(ctx, q.Area); err != nil {
			return nil, err
		}
	}
	if count > q.MaxUnits {
		return nil, &TooManyUnits{Units: count, Max: q.MaxUnits}
	}
	out := &HotspotUnits{}
	geometry := "NULL::text"
	if q.Geometry {
		geometry = plan.geom
	}
	rows, err := h.store.read.Query(ctx, `SELECT `+plan.id+`, `+plan.name+`, `+plan.value+`, `+plan.demo+`, `+geometry+
		` FROM `+plan.from+` WHERE `+plan.where+` ORDER BY `+plan.order, plan.args...)
	if err != nil {
		return nil, err
	}
	var u HotspotUnit
	var demo bool
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.Name, &u.Value, &demo, &u.Geometry}, func() error {
		out.Units = append(out.Units, u)
		out.Demo = out.Demo || demo
		return nil
	})
	if err != nil {
		return nil, err
	}
	if q.H3Res == 0 {
		out.Neighbours, err = h.desaNeighbours(ctx, version, out.Units)
		return out, err
	}
	cells := make([]h3.Cell, len(out.Units))
	for i, u := range out.Units {
		cells[i] = h3.Cell(h3.IndexFromString(u.ID))
	}
	out.Neighbours = geo.H3Neighbours(cells, q.K)
	if q.Value == ValueIncidents {
		err = h.store.countIncidentsInCells(ctx, q, cells, out)
	}
	return out, err
}

// unitExists is ErrNotFound for a code no admin unit has.
func (s *Store) unitExists(ctx context.Context, code geo.Code) error {
	var found bool
	if err := s.read.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM admin_unit WHERE code = $1)`, string(code)).Scan(&found); err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no admin unit %s: %w", code, ErrNotFound)
	}
	return nil
}

// checkPolygon refuses a polygon PostGIS finds invalid, saying why.
func (s *Store) checkPolygon(ctx context.Context, wkb []byte) error {
	var valid bool
	var reason string
	err := s.read.QueryRow(ctx, `SELECT ST_IsValid(g), ST_IsValidReason(g) FROM (SELECT ST_GeomFromWKB($1, 4326) AS g) p`, wkb).Scan(&valid, &reason)
	if err != nil {
		return err
	}
	if !valid {
		return &InvalidGeometry{Reason: reason}
	}
	return nil
}

// hotspotPlan is the SQL of a HotspotQuery: every piece comes from the fixed
// texts below, every value is in args ($1 election, $2 phase, then the
// area's). count counts the units of the area, with or without a value;
// from and where select those with a value, and join it.
type hotspotPlan struct {
	count, from, where, order   string
	id, name, value, demo, geom string
	args                        []any
}

// phaseOf names the election ($1) and phase ($2) of a hotspot query, so that
// both have a type even in the count, which joins no values.
const phaseOf = " CROSS JOIN (SELECT $1::text AS election_code, $2::text AS phase_code) e"

// desaOf is the condition that desa u lies in the admin unit code.
func desaOf(w *clause, code geo.Code) string {
	column := "u.code"
	if l := code.Level(); l < geo.Desa {
		column = "u." + l.String() + "_code"
	}
	return "u.level = 4 AND " + column + " = " + w.bind(string(code))
}

func (q HotspotQuery) plan() (hotspotPlan, error) {
	var dimension string // the dimension's column, "" for the composite and incidents
	if d, ok := geo.ParseDimension(q.Value); ok {
		dimension = "score_" + d.String()
	} else if q.Value != ValueComposite && q.Value != ValueIncidents {
		return hotspotPlan{}, fmt.Errorf("hotspot query: unknown value %q", q.Value)
	}
	w := clause{args: []any{q.Election, q.Phase}}
	var p hotspotPlan
	if q.H3Res == 0 {
		p = q.desaPlan(&w, dimension)
	} else {
		p = q.cellPlan(&w, dimension)
	}
	p.where, p.args = w.sql(), w.args
	return p, nil
}

// desaPlan selects the desa of the area that have a value.
func (q HotspotQuery) desaPlan(w *clause, dimension string) hotspotPlan {
	p := hotspotPlan{from: "admin_unit u" + phaseOf, id: "u.code", name: "u.name", geom: "ST_AsGeoJSON(u.geom, 6)", order: "u.code"}
	if q.Area != "" {
		w.add(desaOf(w, q.Area))
	} else {
		w.add("u.level = 4 AND " + q.meets(w, "u.geom"))
	}
	p.count = "SELECT count(*) FROM " + p.from + " WHERE " + w.sql()
	if q.Value == ValueIncidents {
		p.from += ` CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(bool_or(i.source = 'demo'), false) AS demo
			FROM incident i WHERE i.unit_code = u.code AND i.election_code = e.election_code AND i.phase_code = e.phase_code) x`
		p.value, p.demo = "x.n::float8", "x.demo"
		return p
	}
	p.from += " JOIN risk_score r ON r.unit_code = u.code AND r.election_code = e.election_code AND r.phase_code = e.phase_code"
	p.value, p.demo = "r.score::float8", "r.demo"
	if dimension != "" {
		p.value = "r." + dimension + "::float8"
		w.add("r." + dimension + " IS NOT NULL")
	}
	return p
}

// cellPlan selects the cells of the area that have a score in the phase.
// The scores of the phase and resolution are read by their key and the
// hexagons one per cell: a join of h3_cell and h3_score would probe the
// scores of every phase of each cell.
func (q HotspotQuery) cellPlan(w *clause, dimension string) hotspotPlan {
	p := hotspotPlan{from: "h3_score s" + phaseOf, id: "to_hex(s.cell)", name: "''", order: "s.cell",
		geom:  "(SELECT ST_AsGeoJSON(c.geom, 6) FROM h3_cell c WHERE c.res = s.res AND c.cell = s.cell)",
		value: "s.score::float8", demo: "s.demo"}
	res := w.bind(int16(q.H3Res))
	var cells string // the cells of the area
	if q.Area != "" {
		// The resolution as a value, not s.res: an uncorrelated subquery is hashed once.
		cells = "SELECT d.cell FROM admin_unit u JOIN h3_desa d ON d.desa_code = u.code AND d.res = " + res + " WHERE " + desaOf(w, q.Area)
	} else {
		cells = "SELECT c.cell FROM h3_cell c WHERE c.res = " + res + " AND " + q.meets(w, "c.geom")
	}
	p.count = "SELECT count(DISTINCT a.cell) FROM (" + cells + ") a" + phaseOf
	w.add("s.election_code = e.election_code AND s.phase_code = e.phase_code AND s.res = " + res + " AND s.cell IN (" + cells + ")")
	switch {
	case q.Value == ValueIncidents: // counted in Go: countIncidentsInCells
		p.value, p.demo = "0::float8", "false"
	case dimension != "":
		// The dimension's mean over the cell's desa weighted by overlap, as the composite's.
		p.from += ` CROSS JOIN LATERAL (
			SELECT round((sum(r.` + dimension + `::float8 * d.overlap_m2) / sum(d.overlap_m2))::numeric, 2)::float8 AS v,
			       bool_or(r.demo) AS demo
			FROM h3_desa d JOIN risk_score r ON r.unit_code = d.desa_code AND r.election_code = e.election_code AND r.phase_code = e.phase_code
			WHERE d.res = s.res AND d.cell = s.cell AND r.` + dimension + ` IS NOT NULL) x`
		p.value, p.demo = "x.v", "x.demo"
		w.add("x.v IS NOT NULL")
	}
	return p
}

// meets is the condition that geom meets q's box or polygon, its values bound in w.
func (q HotspotQuery) meets(w *clause, geom string) string {
	cond := clause{args: w.args}
	if q.BBox != nil {
		cond.intersects(geom, q.BBox)
	} else {
		cond.add("ST_Intersects(" + geom + ", ST_GeomFromWKB(" + cond.bind(q.Polygon) + ", 4326))")
	}
	w.args = cond.args
	return cond.sql()
}

// countIncidentsInCells sets each cell's value to the number of the phase's
// incidents whose point lies in it, by h3 itself (LatLngToCell), so that a
// point on a shared edge counts once.
func (s *Store) countIncidentsInCells(ctx context.Context, q HotspotQuery, cells []h3.Cell, out *HotspotUnits) error {
	index := make(map[h3.Cell]int, len(cells))
	ids := make([]int64, len(cells))
	for i, c := range cells {
		index[c], ids[i] = i, int64(c)
	}
	rows, err := s.read.Query(ctx, `
		SELECT ST_Y(i.geom), ST_X(i.geom), i.source = 'demo' FROM incident i
		WHERE i.election_code = $1 AND i.phase_code = $2
		  AND i.geom && (SELECT ST_Extent(geom) FROM h3_cell WHERE res = $3 AND cell = ANY($4))::geometry`,
		q.Election, q.Phase, int16(q.H3Res), ids)
	if err != nil {
		return err
	}
	var lat, lon float64
	var demo bool
	_, err = pgx.ForEachRow(rows, []any{&lat, &lon, &demo}, func() error {
		if i, ok := index[h3.LatLngToCell(h3.NewLatLng(lat, lon), q.H3Res)]; ok {
			out.Units[i].Value++
			out.Demo = out.Demo || demo
		}
		return nil
	})
	return err
}

// contiguity holds the queen-contiguity neighbours of the desa of the
// provinsi met so far, for one boundary version.
type contiguity struct {
	mu      sync.Mutex
	version int64
	// byProvinsi maps a provinsi code to the neighbour codes of each of its
	// desa (which may lie in another provinsi). A map, once stored, is never changed.
	byProvinsi map[string]map[string][]string
}

// desaNeighbours is the queen contiguity of units restricted to them: desa
// sharing at least one boundary point (or overlapping) are neighbours.
func (h *Hotspots) desaNeighbours(ctx context.Context, version int64, units []HotspotUnit) (geo.Neighbours, error) {
	index := make(map[string]int, len(units))
	var provinsi []string
	for i, u := range units {
		index[u.ID] = i
		if p := string(geo.Code(u.ID).Ancestor(geo.Provinsi)); !slices.Contains(provinsi, p) {
			provinsi = append(provinsi, p)
		}
	}
	lists, err := h.contiguity.lists(ctx, h.store, version, provinsi)
	if err != nil {
		return nil, err
	}
	nb := make(geo.Neighbours, len(units))
	for i, u := range units {
		for _, code := range lists[string(geo.Code(u.ID).Ancestor(geo.Provinsi))][u.ID] {
			if j, ok := index[code]; ok {
				nb[i] = append(nb[i], j)
			}
		}
	}
	return nb, nil
}

// lists returns the neighbour lists of the desa of each provinsi at the
// boundary version, computing those not known at that version. One
// computation runs at a time, so concurrent requests never repeat one.
func (c *contiguity) lists(ctx context.Context, s *Store, version int64, provinsi []string) (map[string]map[string][]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byProvinsi == nil || c.version != version {
		c.version, c.byProvinsi = version, map[string]map[string][]string{}
	}
	var missing []string
	for _, p := range provinsi {
		if _, ok := c.byProvinsi[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		computed, err := s.queenContiguity(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, p := range missing {
			c.byProvinsi[p] = computed[p]
		}
	}
	out := make(map[string]map[string][]string, len(provinsi))
	for _, p := range provinsi {
		out[p] = c.byProvinsi[p]
	}
	return out, nil
}

// queenContiguity reads from PostGIS, for every desa of the provinsi, the
// desa whose polygons share at least one point with it, by provinsi.
func (s *Store) queenContiguity(ctx context.Context, provinsi []string) (map[string]map[string][]string, error) {
	out := make(map[string]map[string][]string, len(provinsi))
	for _, p := range provinsi {
		out[p] = map[string][]string{}
	}
	// Neighbours in code order: the sums, and so the last digits of z, never depend on the query plan.
	rows, err := s.read.Query(ctx, `
		SELECT a.provinsi_code, a.code, b.code
		FROM admin_unit a JOIN admin_unit b ON b.level = 4 AND b.code <> a.code AND ST_Intersects(a.geom, b.geom)
		WHERE a.level = 4 AND a.provinsi_code = ANY($1)
		ORDER BY a.code, b.code`, provinsi)
	if err != nil {
		return nil, err
	}
	var p, a, b string
	_, err = pgx.ForEachRow(rows, []any{&p, &a, &b}, func() error {
		out[p][a] = append(out[p][a], b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("desa contiguity of %v: %w", provinsi, err)
	}
	return out, nil
}

// AreaSummary is what a planner reads first about an admin unit in an
// election phase: its desa and TPS per category and its riskiest desa.
type AreaSummary struct {
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	Level    geo.Level `json:"level"`
	Kind     string    `json:"kind"`
	Election string    `json:"election"`
	Phase    string    `json:"phase"`
	// Desa counts the unit's desa per category of their score; TPS sums their TPS.
	Desa CategoryCounts `json:"desa"`
	TPS  CategoryCounts `json:"tps"`
	// Top are the desa of highest score, highest first (ties by code).
	Top []TopDesa `json:"top"`
	// Demo tells whether any score counted is demo data.
	Demo bool `json:"demo"`
}

// CategoryCounts counts per category, with what has no score in the phase.
type CategoryCounts struct {
	Total    int `json:"total"`
	Rendah   int `json:"rendah"`
	Sedang   int `json:"sedang"`
	Tinggi   int `json:"tinggi"`
	Unscored int `json:"unscored"`
}

// add counts n under category ("" for unscored).
func (c *CategoryCounts) add(category string, n int) {
	c.Total += n
	switch geo.Category(category) {
	case geo.Rendah:
		c.Rendah += n
	case geo.Sedang:
		c.Sedang += n
	case geo.Tinggi:
		c.Tinggi += n
	default:
		c.Unscored += n
	}
}

// TopDesa is a desa among the riskiest of an area.
type TopDesa struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Kecamatan  string   `json:"kecamatan"`
	TPSCount   *int     `json:"tps_count"`
	Score      float64  `json:"score"`
	Category   string   `json:"category"`
	TopThreats []string `json:"top_threats"`
}

// AreaSummary summarises the admin unit code (any level) in an election
// phase, with its top desa; an unknown code is ErrNotFound.
func (s *Store) AreaSummary(ctx context.Context, code geo.Code, election, phase string, top int) (*AreaSummary, error) {
	sum := &AreaSummary{Code: string(code), Level: code.Level(), Election: election, Phase: phase, Top: []TopDesa{}}
	err := s.read.QueryRow(ctx, `SELECT name, kind FROM admin_unit WHERE code = $1`, string(code)).Scan(&sum.Name, &sum.Kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("no admin unit %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	w := clause{args: []any{election, phase}}
	area := desaOf(&w, code)
	countArgs := slices.Clone(w.args)
	limit := w.bind(top)
	from := "admin_unit u LEFT JOIN risk_score r ON r.unit_code = u.code AND r.election_code = $1 AND r.phase_code = $2"
	batch := &pgx.Batch{}
	batch.Queue(`SELECT coalesce(r.category, ''), count(*), coalesce(sum(u.tps_count), 0), coalesce(bool_or(r.demo), false)
		FROM `+from+` WHERE `+area+` GROUP BY r.category`, countArgs...)
	batch.Queue(`SELECT u.code, u.name, coalesce(k.name, ''), u.tps_count, r.score::float8, r.category, coalesce(r.top_threats, '{}')
		FROM `+from+` LEFT JOIN admin_unit k ON k.code = u.kecamatan_code
		WHERE `+area+` AND r.score IS NOT NULL ORDER BY r.score DESC, u.code LIMIT `+limit, w.args...)
	br := s.read.SendBatch(ctx, batch)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	var category string
	var desa, tps int
	var demo bool
	_, err = pgx.ForEachRow(rows, []any{&category, &desa, &tps, &demo}, func() error {
		sum.Desa.add(category, desa)
		sum.TPS.add(category, tps)
		sum.Demo = sum.Demo || demo
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	var d TopDesa
	_, err = pgx.ForEachRow(rows, []any{&d.Code, &d.Name, &d.Kecamatan, &d.TPSCount, &d.Score, &d.Category, &d.TopThreats}, func() error {
		sum.Top = append(sum.Top, d)
		return nil
	})
	return sum, err
}
