package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Parameters of the hotspot analyses and the area summary.
const (
	ParamPolygon      = "polygon"
	ParamUnit         = "unit"
	ParamRes          = "res"
	ParamK            = "k"
	ParamValue        = "value"
	ParamMethod       = "method"
	ParamFDR          = "fdr"
	ParamPermutations = "permutations"
	ParamSeed         = "seed"
	ParamTop          = "top"
)

// Units and methods of the hotspot analyses.
const (
	UnitDesa    = "desa"
	UnitH3      = "h3"
	MethodGi    = "gi"
	MethodMoran = "moran"
)

// Defaults and bounds of the hotspot parameters.
const (
	// MaxHotspotUnits bounds the units of one analysis (Banten has 1,552
	// desa, the largest provinsi about 8,500).
	MaxHotspotUnits = 20_000
	// MaxPolygonVertices bounds the polygon of an area.
	MaxPolygonVertices  = 10_000
	DefaultHotspotRes   = 8
	DefaultK            = 2
	MaxK                = 5
	DefaultPermutations = 999
	MinPermutations     = 99
	MaxPermutations     = 9_999
	DefaultSeed         = 1
	// MaxMoranDraws bounds the random draws of Moran's permutation test
	// (permutations times neighbour links), about a second of work.
	MaxMoranDraws = 100_000_000
	DefaultTop    = 10
	MaxTop        = 100
)

// hotspotParams are the parameters /hotspots takes.
var hotspotParams = []string{ParamArea, ParamBBox, ParamPolygon, ParamUnit, ParamRes, ParamK, ParamValue, ParamMethod,
	ParamFDR, ParamPermutations, ParamSeed, ParamElection, ParamPhase, ParamDatetime}

// h3Caveat is DOMAIN.md's warning about statistics over cells that share desa scores.
const h3Caveat = "Caveat: a cell's score is the overlap-weighted mean of the desa it overlaps, and a desa spreads over " +
	"several cells, so neighbouring cells share values and cluster by construction: Gi* finds hot spots over cells more " +
	"readily than over desa. Run the statistic on desa (unit=desa) or on point data (value=incidents) for inference, " +
	"and use H3 for display and aggregation."

// hotspotServer serves the hotspot analyses and area summaries; hotspots
// keeps the desa contiguity between requests.
type hotspotServer struct {
	*Server
	hotspots *data.Hotspots
}

func (s *Server) hotspotRoutes(e *echo.Echo) {
	h := &hotspotServer{Server: s, hotspots: data.NewHotspots(s.store)}
	e.GET("/hotspots", h.hotspotAnalysis)
	e.GET("/areas/:code/summary", h.areaSummary)
}

// hotspotRequest is a parsed /hotspots request.
type hotspotRequest struct {
	query        data.HotspotQuery
	unit         string
	moran        bool
	fdr          bool
	permutations int
	seed         uint64
}

// parseHotspots reads the query string of /hotspots (all but the phase).
func parseHotspots(c echo.Context) (*hotspotRequest, error) {
	if err := onlyParams(c, hotspotParams...); err != nil {
		return nil, err
	}
	q := c.QueryParams()
	req := &hotspotRequest{
		query: data.HotspotQuery{Value: data.ValueComposite, Geometry: true, MaxUnits: MaxHotspotUnits},
		unit:  UnitDesa, permutations: DefaultPermutations, seed: DefaultSeed,
	}
	if err := parseAreaSelection(q, &req.query); err != nil {
		return nil, err
	}
	var err error
	switch unit := q.Get(ParamUnit); unit {
	case "", UnitDesa:
		if err := onlyFor(q, "unit=h3", ParamRes, ParamK); err != nil {
			return nil, err
		}
	case UnitH3:
		req.unit = UnitH3
		if req.query.H3Res, err = intInRange(q, ParamRes, DefaultHotspotRes, geo.H3MinRes, geo.H3MaxRes); err != nil {
			return nil, err
		}
		if req.query.K, err = intInRange(q, ParamK, DefaultK, 1, MaxK); err != nil {
			return nil, err
		}
	default:
		return nil, badParameter(ParamUnit, fmt.Sprintf("%q is not desa or h3", unit))
	}
	if v := q.Get(ParamValue); q.Has(ParamValue) {
		if !slices.Contains(data.HotspotValues(), v) {
			return nil, badParameter(ParamValue, fmt.Sprintf("%q is not one of %s", v, strings.Join(data.HotspotValues(), ", ")))
		}
		req.query.Value = v
	}
	switch method := q.Get(ParamMethod); method {
	case "", MethodGi:
		if err := onlyFor(q, "method=moran", ParamPermutations, ParamSeed); err != nil {
			return nil, err
		}
		if req.fdr, err = parseBool(c, ParamFDR); err != nil {
			return nil, err
		}
	case MethodMoran:
		req.moran = true
		if err := onlyFor(q, "method=gi", ParamFDR); err != nil {
			return nil, err
		}
		if req.permutations, err = intInRange(q, ParamPermutations, DefaultPermutations, MinPermutations, MaxPermutations); err != nil {
			return nil, err
		}
		if q.Has(ParamSeed) {
			if req.seed, err = strconv.ParseUint(q.Get(ParamSeed), 10, 64); err != nil {
				return nil, badParameter(ParamSeed, fmt.Sprintf("%q is not a whole number from 0 to %d", q.Get(ParamSeed), uint64(math.MaxUint64)))
			}
		}
	default:
		return nil, badParameter(ParamMethod, fmt.Sprintf("%q is not gi or moran", method))
	}
	return req, nil
}

// onlyFor refuses the named parameters, which only make sense with what is named.
func onlyFor(q url.Values, what string, names ...string) error {
	for _, name := range names {
		if q.Has(name) {
			return badParameter(name, "only taken with "+what)
		}
	}
	return nil
}

// intInRange reads an optional whole-number parameter from lo to hi.
func intInRange(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < lo || n > hi {
		return 0, badParameter(name, fmt.Sprintf("%q is not a whole number from %d to %d", q.Get(name), lo, hi))
	}
	return n, nil
}

// parseAreaSelection reads the area of an analysis: exactly one of an admin
// code, a box or a polygon.
func parseAreaSelection(q url.Values, hq *data.HotspotQuery) error {
	var given []string
	for _, name := range []string{ParamArea, ParamBBox, ParamPolygon} {
		if q.Has(name) {
			given = append(given, name)
		}
	}
	if len(given) != 1 {
		name := ParamArea
		if len(given) > 1 {
			name = given[1]
		}
		return badParameter(name, fmt.Sprintf("give exactly one of area (an admin code), bbox or polygon; got %d", len(given)))
	}
	var err error
	switch given[0] {
	case ParamArea:
		if hq.Area, err = geo.ParseCode(q.Get(ParamArea)); err != nil {
			return badParameter(ParamArea, err.Error())
		}
	case ParamBBox:
		hq.BBox, err = parseBBox(q.Get(ParamBBox))
	case ParamPolygon:
		hq.Polygon, err = parsePolygon(q.Get(ParamPolygon))
	}
	return err
}

// parsePolygon reads the polygon of an area (geo.ParsePolygonArea) as WKB.
func parsePolygon(s string) ([]byte, error) {
	mp, err := geo.ParsePolygonArea(s, MaxPolygonVertices)
	if err != nil {
		return nil, badParameter(ParamPolygon, err.Error())
	}
	return wkb.Marshal(mp)
}

// hotspotAnalysis answers GET /hotspots: the units of the area with the
// statistic of each, as GeoJSON.
func (h *hotspotServer) hotspotAnalysis(c echo.Context) error {
	req, err := parseHotspots(c)
	if err != nil {
		return err
	}
	q := &req.query
	if q.Election, q.Phase, err = h.resolvePhase(c, phaseSelectionOf(c)); err != nil {
		return err
	}
	units, err := h.hotspots.Units(c.Request().Context(), *q)
	if err != nil {
		return hotspotProblem(err)
	}
	props, counts, err := req.analyse(units)
	if err != nil {
		return err
	}
	method := req.method(len(units.Units))
	method["islands"] = counts.islands
	method["election"], method["phase"] = q.Election, q.Phase
	return writeHotspots(c, units.Units, props, map[string]any{"method": method, "hot": counts.hot, "cold": counts.cold, "demo": units.Demo})
}

// hotspotCounts counts the units in hot and cold spots, and the islands.
type hotspotCounts struct{ hot, cold, islands int }

// analyse runs the requested statistic over the units: the properties of
// each (giProperties or moranProperties) and the counts.
func (req *hotspotRequest) analyse(units *data.HotspotUnits) ([]any, hotspotCounts, error) {
	values := units.Values()
	props := make([]any, len(values))
	var n hotspotCounts
	if req.moran {
		links := 0
		for _, list := range units.Neighbours {
			links += len(list)
		}
		if draws := req.permutations * links; draws > MaxMoranDraws {
			return nil, n, badParameter(ParamPermutations, fmt.Sprintf("%d permutations over %d units with %d neighbour links take %d random draws; "+
				"the limit is %d: ask for fewer permutations, a smaller k or a smaller area", req.permutations, len(values), links, draws, MaxMoranDraws))
		}
		for i, m := range geo.LocalMoran(values, units.Neighbours, req.permutations, req.seed) {
			props[i] = moranPropertiesOf(unitProperties(req.unit, units.Units[i], m.Island), m)
			n.islands += boolInt(m.Island)
			n.hot += boolInt(m.Quadrant == geo.HighHigh && m.P <= 0.05)
			n.cold += boolInt(m.Quadrant == geo.LowLow && m.P <= 0.05)
		}
		return props, n, nil
	}
	stats := geo.GetisOrdGiStar(values, units.Neighbours)
	bins := stats // the bins hot and cold count
	if req.fdr {
		bins = geo.FDRBins(stats)
	}
	for i, g := range stats {
		p := giProperties{hotspotUnitProperties: unitProperties(req.unit, units.Units[i], g.Island), Z: finite(g.Z), P: finite(g.P), Bin: g.Bin}
		if req.fdr {
			p.BinFDR = &bins[i].Bin
		}
		props[i] = p
		n.islands += boolInt(g.Island)
		n.hot += boolInt(bins[i].Bin > 0)
		n.cold += boolInt(bins[i].Bin < 0)
	}
	return props, n, nil
}

// hotspotProblem turns the refusals of the units' query into problems naming the parameter.
func hotspotProblem(err error) error {
	var tooMany *data.TooManyUnits
	var invalid *data.InvalidGeometry
	switch {
	case errors.As(err, &tooMany):
		return badParameter(ParamArea, fmt.Sprintf("the area holds %d units; at most %d are analysed at once: choose a smaller area (or a coarser res)",
			tooMany.Units, tooMany.Max))
	case errors.As(err, &invalid):
		return badParameter(ParamPolygon, invalid.Reason)
	case errors.Is(err, data.ErrNotFound):
		return badParameter(ParamArea, strings.TrimSuffix(err.Error(), ": "+data.ErrNotFound.Error()))
	}
	return err
}

// method describes the analysis for the response's method member.
func (req *hotspotRequest) method(n int) map[string]any {
	m := map[string]any{"n": n, "unit": req.unit, "value": req.query.Value}
	var description string
	if req.unit == UnitH3 {
		m["res"], m["k"] = req.query.H3Res, req.query.K
		m["weights"] = fmt.Sprintf("k-ring k=%d", req.query.K)
		description = fmt.Sprintf("Units: the H3 cells of resolution %d with a value in the phase that overlap the area; "+
			"binary k-ring weights: the other cells within %d grid steps (H3 GridDisk). ", req.query.H3Res, req.query.K)
	} else {
		m["weights"] = "queen contiguity"
		description = "Units: the desa/kelurahan of the area with a value in the phase; binary queen-contiguity weights: " +
			"desa whose polygons share at least one point (PostGIS ST_Intersects) are neighbours. "
	}
	description += "Only units of the area count, as values and as neighbours; a unit with no neighbour among them " +
		"is an island: it counts in the mean and spread but gets no statistic (null). "
	if req.moran {
		m["statistic"] = "Local Moran's I"
		m["permutations"], m["seed"] = req.permutations, req.seed
		description += fmt.Sprintf("Local Moran's I (Anselin 1995) with row-standardised weights, as PySAL esda Moran_Local: "+
			"i = z_i * (mean z of the neighbours) / m2, z the deviations from the mean, m2 their mean square; quadrant HH "+
			"(high among high), LL, HL (high among low: an outlier), LH; p a pseudo p-value from %d conditional "+
			"permutations, reproducible with seed %d. hot counts HH units with p <= 0.05, cold LL units with p <= 0.05.",
			req.permutations, req.seed)
	} else {
		m["statistic"] = "Getis-Ord Gi*"
		m["fdr"] = req.fdr
		description += "Getis-Ord Gi* (Ord & Getis 1995) with binary weights and the unit itself included, as PySAL esda " +
			"G_Local(star=True): z = (sum of the neighbourhood's values - mean * W) / (S * sqrt((n * W - W^2) / (n - 1))), " +
			"W the units in the neighbourhood, S the population standard deviation of the n values; p two-sided normal. " +
			"bin +3/+2/+1: a hot spot at 99/95/90 % confidence (z >= 2.576/1.960/1.645), -3/-2/-1 a cold spot, 0 neither."
		if req.fdr {
			description += " bin_fdr: the bin kept under a Benjamini-Hochberg false discovery rate correction at each level; " +
				"hot and cold count bin_fdr."
		} else {
			description += " hot and cold count the units of positive and negative bins."
		}
	}
	if req.unit == UnitH3 && req.query.Value != data.ValueIncidents {
		description += " " + h3Caveat
	}
	m["description"] = description
	return m
}

// hotspotUnitProperties are the properties every unit carries.
type hotspotUnitProperties struct {
	Code   string  `json:"code,omitempty"`
	Name   string  `json:"name,omitempty"`
	H3     string  `json:"h3,omitempty"`
	Value  float64 `json:"value"`
	Island bool    `json:"island"`
}

func unitProperties(unit string, u data.HotspotUnit, island bool) hotspotUnitProperties {
	if unit == UnitH3 {
		return hotspotUnitProperties{H3: u.ID, Value: u.Value, Island: island}
	}
	return hotspotUnitProperties{Code: u.ID, Name: u.Name, Value: u.Value, Island: island}
}

// giProperties are a unit's Gi* properties; z and p are null for an island.
type giProperties struct {
	hotspotUnitProperties
	Z      *float64 `json:"z"`
	P      *float64 `json:"p"`
	Bin    int      `json:"bin"`
	BinFDR *int     `json:"bin_fdr,omitempty"`
}

// moranProperties are a unit's Local Moran properties; null for an island.
type moranProperties struct {
	hotspotUnitProperties
	I        *float64 `json:"i"`
	Quadrant *string  `json:"quadrant"`
	P        *float64 `json:"p"`
}

func moranPropertiesOf(u hotspotUnitProperties, m geo.Moran) moranProperties {
	p := moranProperties{hotspotUnitProperties: u, I: finite(m.I), P: finite(m.P)}
	if m.Quadrant != geo.NoQuadrant {
		q := string(m.Quadrant)
		p.Quadrant = &q
	}
	return p
}

// finite is x, or nil (JSON null) for NaN.
func finite(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return &x
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeHotspots writes the units as a GeoJSON FeatureCollection, each
// geometry as PostGIS built it, closed by the members given.
func writeHotspots(c echo.Context, units []data.HotspotUnit, props []any, members map[string]any) error {
	members["numberReturned"] = len(units)
	members["timeStamp"] = time.Now().UTC().Format(time.RFC3339)
	fc := newFeatureWriter(c, http.StatusOK)
	for i, u := range units {
		id, _ := json.Marshal(u.ID)
		p, err := json.Marshal(props[i])
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(fc.next(), `{"type":"Feature","id":%s,"geometry":%s,"properties":%s}`, id, u.Geometry, p); err != nil {
			return err // the client has gone
		}
	}
	return fc.close(members)
}

// votersNote says why the summary has no voter counts.
const votersNote = "The data holds no voter counts (DPT) per desa or TPS, so voters per category are not given; " +
	"TPS per category are."

// areaSummary answers GET /areas/{code}/summary: a unit's desa and TPS per
// category, its riskiest desa and its Gi* hot spots.
func (h *hotspotServer) areaSummary(c echo.Context) error {
	code, err := geo.ParseCode(c.Param("code"))
	if err != nil {
		return notFound(fmt.Sprintf("no admin unit %q; codes have dots or not, e.g. 36.02 or 3602", c.Param("code")))
	}
	if err := onlyParams(c, ParamElection, ParamPhase, ParamDatetime, ParamTop); err != nil {
		return err
	}
	top, err := intInRange(c.QueryParams(), ParamTop, DefaultTop, 1, MaxTop)
	if err != nil {
		return err
	}
	election, phase, err := h.resolvePhase(c, phaseSelectionOf(c))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	sum, err := h.store.AreaSummary(ctx, code, election, phase, top)
	if err != nil {
		return err
	}
	units, err := h.hotspots.Units(ctx, data.HotspotQuery{Election: election, Phase: phase, Area: code,
		Value: data.ValueComposite, MaxUnits: MaxHotspotUnits})
	if err != nil {
		return err
	}
	values := units.Values()
	var hot, hot95 int
	for _, g := range geo.GetisOrdGiStar(values, units.Neighbours) {
		hot += boolInt(g.Bin >= 1)
		hot95 += boolInt(g.Bin >= 2)
	}
	base := baseURL(c.Request())
	hotspotsURL := base + "/hotspots?" + url.Values{ParamArea: {string(code)}, ParamElection: {election}, ParamPhase: {phase}}.Encode()
	return writeJSON(c, http.StatusOK, MediaJSON, struct {
		*data.AreaSummary
		Voters   map[string]any `json:"voters"`
		Hotspots map[string]any `json:"hotspots"`
		Links    []Link         `json:"links"`
	}{
		AreaSummary: sum,
		Voters:      map[string]any{"total": nil, "rendah": nil, "sedang": nil, "tinggi": nil, "note": votersNote},
		Hotspots: map[string]any{
			"statistic": "Getis-Ord Gi*", "value": data.ValueComposite, "unit": UnitDesa, "weights": "queen contiguity",
			"n": len(values), "hot": hot, "hot_95": hot95,
			"description": "desa of the area in a Gi* hot spot of the composite score (bin >= 1: 90 % confidence or more), " +
				"and those at 95 % or more (bin >= 2); the hotspots link gives each desa's statistic",
		},
		Links: []Link{
			{Href: base + c.Request().URL.Path + "?" + url.Values{ParamElection: {election}, ParamPhase: {phase}, ParamTop: {strconv.Itoa(top)}}.Encode(),
				Rel: RelSelf, Type: MediaJSON, Title: "this summary"},
			{Href: hotspotsURL, Rel: RelDescribedBy, Type: MediaGeoJSON, Title: "the hot spot analysis of the area's desa"},
		},
	})
}

// addHotspotPaths describes /hotspots and /areas/{code}/summary.
func addHotspotPaths(paths object) {
	paths["/hotspots"] = getOp("Hot spots of an area: Getis-Ord Gi* or Local Moran's I over its desa or H3 cells", "hotspots",
		geoJSONResponse("a FeatureCollection, one feature per unit with value and statistic (Gi*: z, p, bin, bin_fdr; "+
			"Moran: i, quadrant, p; null for an island), and the members method (statistic, n, weights, k, fdr, "+
			"permutations, seed, value, unit, election, phase, description), hot, cold and demo"),
		queryParam(ParamArea, "the desa of an admin unit of any level (a Kemendagri code with or without dots, e.g. 36.02); "+
			"with unit=h3 the cells overlapping them. Give exactly one of area, bbox or polygon",
			object{"type": "string"}, "", false),
		queryParam(ParamBBox, "the units meeting the box minLon,minLat,maxLon,maxLat (CRS84)",
			object{"type": "array", "minItems": 4, "maxItems": 6, "items": object{"type": "number"}}, "form", false),
		queryParam(ParamPolygon, fmt.Sprintf("the units meeting a polygon: a GeoJSON Polygon or MultiPolygon geometry object "+
			"or WKT POLYGON/MULTIPOLYGON, CRS84 longitude latitude, valid, at most %d vertices", MaxPolygonVertices),
			object{"type": "string"}, "", false),
		queryParam(ParamUnit, "the units: desa (queen contiguity) or h3 cells (k-ring weights)",
			object{"type": "string", "enum": []string{UnitDesa, UnitH3}, "default": UnitDesa}, "", false),
		queryParam(ParamRes, "H3 resolution (unit=h3 only)",
			object{"type": "integer", "minimum": geo.H3MinRes, "maximum": geo.H3MaxRes, "default": DefaultHotspotRes}, "", false),
		queryParam(ParamK, "k of the k-ring weights: cells within k grid steps are neighbours (unit=h3 only)",
			object{"type": "integer", "minimum": 1, "maximum": MaxK, "default": DefaultK}, "", false),
		queryParam(ParamValue, "the value analysed: the composite score, one dimension's score, or the number of incidents in the phase",
			object{"type": "string", "enum": data.HotspotValues(), "default": data.ValueComposite}, "", false),
		queryParam(ParamMethod, "gi: Getis-Ord Gi* (hot and cold spots); moran: Local Moran's I (clusters and outliers)",
			object{"type": "string", "enum": []string{MethodGi, MethodMoran}, "default": MethodGi}, "", false),
		queryParam(ParamFDR, "add bin_fdr, the Gi* bins under a Benjamini-Hochberg false discovery rate correction (method=gi only)",
			object{"type": "boolean", "default": false}, "", false),
		queryParam(ParamPermutations, fmt.Sprintf("conditional permutations of Moran's pseudo p-value (method=moran only; "+
			"at most %d draws in all, permutations times neighbour links)", MaxMoranDraws),
			object{"type": "integer", "minimum": MinPermutations, "maximum": MaxPermutations, "default": DefaultPermutations}, "", false),
		queryParam(ParamSeed, "seed of the permutations: the same seed gives the same p-values (method=moran only)",
			object{"type": "integer", "minimum": 0, "default": DefaultSeed}, "", false),
		ref(ParamElection), ref(ParamPhase), ref(ParamDatetime))
	paths["/areas/{code}/summary"] = getOp("A planner's summary of an admin unit", "area_summary",
		jsonResponse("the unit's desa and TPS per category (voters: null, the data has none), its riskiest desa with their top "+
			"threats, and its desa in Gi* hot spots of the composite score"),
		object{"name": "code", "in": "path", "required": true, "description": "a Kemendagri code of any level, with or without dots (36.02 or 3602)",
			"schema": object{"type": "string"}},
		queryParam(ParamTop, "how many of the riskiest desa to list",
			object{"type": "integer", "minimum": 1, "maximum": MaxTop, "default": DefaultTop}, "", false),
		ref(ParamElection), ref(ParamPhase), ref(ParamDatetime))
}
