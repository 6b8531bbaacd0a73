package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Bounds of a deployment plan request.
const (
	// MaxPlanAreas bounds the areas of one plan.
	MaxPlanAreas = 100
	// MaxPlanDesa bounds the desa of a JSON or CSV plan: all of Indonesia
	// (about 83,400 desa) fits, in about a second.
	MaxPlanDesa = 100_000
	// MaxPlanFeatures bounds the desa of a GeoJSON plan, whose polygons
	// weigh about 2.6 KB a desa (a province fits; Indonesia would be ~200 MB).
	MaxPlanFeatures = 20_000
	// MaxPersonnel bounds available: Operasi Mantap Brata 2024 had 434,197 personnel.
	MaxPersonnel = 10_000_000
	// MaxMinPerDesa bounds min_per_desa.
	MaxMinPerDesa = 10_000
)

// FormatGeoJSON is the f value of a plan as a GeoJSON FeatureCollection.
const FormatGeoJSON = "geojson"

// planMethod says how a plan is made; every plan carries it.
const planMethod = "TPS classes: every TPS of a desa takes the class of the desa's composite score category in the phase " +
	"(rendah -> kurang_rawan, sedang -> rawan, tinggi -> sangat_rawan), unless tps_classes gives the desa's own count " +
	"(classed_by planner). A desa without a score in the phase counts its TPS as kurang_rawan, the lightest guard any TPS " +
	"gets (classed_by unscored); a desa without a TPS count has no TPS to guard and needs only the minimum (classed_by no_tps). " +
	"Need: for each class, ceil(TPS / per_tps) groups of police, summed over the classes, and at least min_per_desa. " +
	"Allocation of the deployable personnel (available - reserve): if they cover the total need, every desa gets its need " +
	"and the rest stays unallocated. Otherwise minimums come first: if even the minimums cannot all be met, they are met " +
	"in order of larger need, then higher score, then lower code, until the personnel run out; else every desa gets a share " +
	"proportional to its need by the largest-remainder (Hamilton) method: the floor of its quota, then one more to the largest " +
	"remainders (ties to the higher score, then the lower code), and a desa whose quota falls below its minimum is held at the " +
	"minimum while the rest is shared again. Shares are whole, deterministic, never above a desa's need, and sum exactly to " +
	"the deployable personnel (or to the need when it is lower). Kecamatan and kabupaten figures are sums of their desa."

func (s *Server) planRoutes(e *echo.Echo) {
	e.POST("/plan/deployment", s.planDeployment)
}

// planBody is the request body of POST /plan/deployment.
type planBody struct {
	Available     *int                     `json:"available"`
	Areas         []string                 `json:"areas"`
	Election      string                   `json:"election"`
	Phase         string                   `json:"phase"`
	Datetime      string                   `json:"datetime"`
	GuardPatterns geo.GuardPatterns        `json:"guard_patterns"`
	MinPerDesa    int                      `json:"min_per_desa"`
	Reserve       int                      `json:"reserve"`
	TPSClasses    map[string]geo.TPSCounts `json:"tps_classes"`
}

// planInput is a checked planBody.
type planInput struct {
	available, reserve, minPerDesa int
	areas                          []geo.Code
	patterns                       geo.GuardPatterns
	tpsClasses                     map[geo.Code]geo.TPSCounts
}

// check validates the body and fills in the defaults, or lists every problem.
func (b planBody) check() (planInput, error) {
	in := planInput{minPerDesa: b.MinPerDesa, reserve: b.Reserve, patterns: geo.PolresSerang2024(), tpsClasses: map[geo.Code]geo.TPSCounts{}}
	var problems []geo.InputProblem
	bad := func(field, format string, a ...any) {
		problems = append(problems, geo.InputProblem{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	switch {
	case b.Available == nil:
		bad("available", "the personnel available is required")
	case *b.Available < 0 || *b.Available > MaxPersonnel:
		bad("available", "%d is not a whole number from 0 to %d", *b.Available, MaxPersonnel)
	default:
		in.available = *b.Available
	}
	switch {
	case b.Reserve < 0:
		bad("reserve", "%d must not be negative", b.Reserve)
	case b.Available != nil && b.Reserve > *b.Available:
		bad("reserve", "%d is more than the %d available", b.Reserve, *b.Available)
	}
	if b.MinPerDesa < 0 || b.MinPerDesa > MaxMinPerDesa {
		bad("min_per_desa", "%d is not a whole number from 0 to %d", b.MinPerDesa, MaxMinPerDesa)
	}
	switch {
	case len(b.Areas) == 0:
		bad("areas", "give at least one admin code (any level), e.g. [\"36.01\"]")
	case len(b.Areas) > MaxPlanAreas:
		bad("areas", "%d areas; a plan takes at most %d (a kabupaten or provinsi code covers all its desa)", len(b.Areas), MaxPlanAreas)
	}
	for _, a := range b.Areas {
		code, err := geo.ParseCode(a)
		if err != nil {
			bad("areas", "%v", err)
			continue
		}
		if !slices.Contains(in.areas, code) {
			in.areas = append(in.areas, code)
		}
	}
	for class, p := range b.GuardPatterns {
		in.patterns[class] = p // the classes not given keep their default
	}
	if err := in.patterns.Validate(); err != nil {
		bad("guard_patterns", "%v", err)
	}
	for _, key := range slices.Sorted(maps.Keys(b.TPSClasses)) {
		code, err := geo.ParseCode(key)
		switch {
		case err != nil:
			bad("tps_classes."+key, "%v", err)
		case code.Level() != geo.Desa:
			bad("tps_classes."+key, "%s is a %s code; tps_classes are given per desa", code, code.Level())
		case in.tpsClasses[code] != nil:
			bad("tps_classes."+key, "desa %s is given twice", code)
		default:
			in.tpsClasses[code] = b.TPSClasses[key]
		}
	}
	if problems != nil {
		return planInput{}, &data.InvalidInput{Problems: problems}
	}
	return in, nil
}

// planFormat reads the answer's format: f (json, csv, geojson), else the
// Accept header (text/csv, application/geo+json), else JSON. f is the only
// query parameter.
func planFormat(c echo.Context) (string, error) {
	_, err := knownParams(c, []string{ParamFormat}, func(string) string {
		return "unknown parameter; the plan's parameters are in the JSON body, and the query takes only f"
	})
	if err != nil {
		return "", err
	}
	if f := c.QueryParam(ParamFormat); c.QueryParams().Has(ParamFormat) {
		if f != "json" && f != FormatCSV && f != FormatGeoJSON {
			return "", badParameter(ParamFormat, fmt.Sprintf("format %q is not offered; use json, csv or geojson", f))
		}
		return f, nil
	}
	switch accept := c.Request().Header.Get(echo.HeaderAccept); {
	case strings.Contains(accept, MediaCSV):
		return FormatCSV, nil
	case strings.Contains(accept, MediaGeoJSON):
		return FormatGeoJSON, nil
	}
	return "json", nil
}

// planDeployment spreads the personnel available over the desa of the areas
// by their guard need (planMethod). It writes nothing.
func (s *Server) planDeployment(c echo.Context) error {
	format, err := planFormat(c)
	if err != nil {
		return err
	}
	var body planBody
	if err := decodeJSONBody(c, &body); err != nil {
		return err
	}
	in, err := body.check()
	if err != nil {
		return err
	}
	if j := readScope(c); j != nil {
		for _, a := range in.areas {
			if !j.Contains(a) {
				return forbidden(fmt.Sprintf("token %s plans only inside its jurisdiction (%s); area %s is not inside it",
					actorOf(c).Name, strings.Join(j.Strings(), ", "), a))
			}
		}
	}
	election, phase, err := s.resolvePhase(c, phaseSelection{body.Election, body.Phase, body.Datetime})
	if err != nil {
		return err
	}
	maxDesa := MaxPlanDesa
	if format == FormatGeoJSON {
		maxDesa = MaxPlanFeatures
	}
	units, err := s.store.PlanDesa(c.Request().Context(), data.PlanQuery{Areas: in.areas, Election: election, Phase: phase,
		MaxDesa: maxDesa, Points: format == FormatCSV})
	if err != nil {
		return err
	}
	p, err := makePlan(in, election, phase, units, maxDesa)
	if err != nil {
		return err
	}
	switch format {
	case FormatCSV:
		return writePlanCSV(c, p.desa)
	case FormatGeoJSON:
		return s.writePlanGeoJSON(c, p)
	}
	return writeJSON(c, http.StatusOK, MediaJSON, planJSON{p.planSummary, p.desa})
}

// planSummary is a plan without its desa: the members a GeoJSON plan adds
// to its FeatureCollection.
type planSummary struct {
	Parameters planParameters `json:"parameters"`
	Totals     planTotals     `json:"totals"`
	Notices    []string       `json:"notices,omitempty"`
	Method     string         `json:"method"`
	// Demo tells that some score used is demo data.
	Demo      bool       `json:"demo"`
	Kabupaten []planArea `json:"kabupaten"`
	Kecamatan []planArea `json:"kecamatan"`
}

// planJSON is a plan as JSON.
type planJSON struct {
	planSummary
	Desa []planDesa `json:"desa"`
}

type plan struct {
	planSummary
	desa []planDesa
}

type planParameters struct {
	Available     int                        `json:"available"`
	Reserve       int                        `json:"reserve"`
	Areas         []planAreaRef              `json:"areas"`
	Election      string                     `json:"election"`
	Phase         string                     `json:"phase"`
	GuardPatterns geo.GuardPatterns          `json:"guard_patterns"`
	MinPerDesa    int                        `json:"min_per_desa"`
	TPSClasses    map[geo.Code]geo.TPSCounts `json:"tps_classes"`
}

type planAreaRef struct {
	Code  geo.Code  `json:"code"`
	Name  string    `json:"name"`
	Level geo.Level `json:"level"`
}

type planTotals struct {
	Desa int `json:"desa"`
	TPS  int `json:"tps"`
	// TPSClasses counts the TPS of every class.
	TPSClasses geo.TPSCounts `json:"tps_classes"`
	// Deployable is available less the reserve.
	Deployable       int  `json:"deployable"`
	Need             int  `json:"need"`
	Allocated        int  `json:"allocated"`
	Unallocated      int  `json:"unallocated"`
	Shortfall        int  `json:"shortfall"`
	MinimumShortfall int  `json:"minimum_shortfall"`
	Covered          bool `json:"covered"`
	DesaUnscored     int  `json:"desa_unscored"`
	DesaWithoutTPS   int  `json:"desa_without_tps"`
}

// planDesa is one desa of a plan.
type planDesa struct {
	Code          geo.Code      `json:"code"`
	Name          string        `json:"name"`
	KecamatanCode geo.Code      `json:"kecamatan_code"`
	Kecamatan     string        `json:"kecamatan"`
	KabupatenCode geo.Code      `json:"kabupaten_code"`
	Kabupaten     string        `json:"kabupaten"`
	Score         *float64      `json:"score"`
	Category      *geo.Category `json:"category"`
	TPS           *int          `json:"tps"`
	TPSClasses    geo.TPSCounts `json:"tps_classes"`
	ClassedBy     geo.ClassedBy `json:"classed_by"`
	Need          int           `json:"need"`
	Min           int           `json:"min"`
	Allocated     int           `json:"allocated"`
	Shortfall     int           `json:"shortfall"`
	Demo          bool          `json:"demo"`
	// Lon and Lat place the desa in the CSV.
	Lon *float64 `json:"lon,omitempty"`
	Lat *float64 `json:"lat,omitempty"`
}

// planArea is the sum of a kecamatan's or kabupaten's desa.
type planArea struct {
	geo.AreaAllocation
	Name string `json:"name"`
}

// makePlan classes the TPS of the desa read, computes their need and
// allocates the personnel. Unknown areas, too many desa and tps_classes that
// do not fit their desa are refused.
func makePlan(in planInput, election, phase string, units *data.PlanUnits, maxDesa int) (*plan, error) {
	var problems []geo.InputProblem
	found := map[geo.Code]string{}
	for _, a := range units.Areas {
		found[a.Code] = a.Name
	}
	p := &plan{planSummary: planSummary{Method: planMethod, Parameters: planParameters{Available: in.available, Reserve: in.reserve,
		Election: election, Phase: phase, GuardPatterns: in.patterns, MinPerDesa: in.minPerDesa, TPSClasses: in.tpsClasses}}}
	for _, a := range in.areas {
		name, ok := found[a]
		if !ok {
			problems = append(problems, geo.InputProblem{Field: "areas", Reason: fmt.Sprintf("no %s with code %s", a.Level(), a)})
		}
		p.Parameters.Areas = append(p.Parameters.Areas, planAreaRef{Code: a, Name: name, Level: a.Level()})
	}
	if units.TooMany {
		problems = append(problems, geo.InputProblem{Field: "areas", Reason: fmt.Sprintf(
			"the areas hold more than %d desa, the most one plan covers in this format (JSON and CSV %d, GeoJSON %d)", maxDesa, MaxPlanDesa, MaxPlanFeatures)})
	}
	if problems != nil {
		return nil, &data.InvalidInput{Problems: problems}
	}
	t := &p.Totals
	t.TPSClasses = geo.TPSCounts{geo.KurangRawan: 0, geo.Rawan: 0, geo.SangatRawan: 0}
	p.desa = make([]planDesa, len(units.Desa))
	needs := make([]geo.DesaNeed, len(units.Desa))
	index := make(map[geo.Code]int, len(units.Desa))
	for i, d := range units.Desa {
		given, isGiven := in.tpsClasses[d.Code]
		tps, by, err := geo.DesaTPS(d.TPS, d.Category, given)
		if err != nil && isGiven {
			problems = append(problems, geo.InputProblem{Field: "tps_classes." + string(d.Code), Reason: err.Error()})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("desa %s: %w", d.Code, err)
		}
		need, err := in.patterns.Need(tps, in.minPerDesa)
		if err != nil {
			return nil, fmt.Errorf("desa %s: %w", d.Code, err)
		}
		weight := 0.0
		if d.Score != nil {
			weight = *d.Score
		}
		needs[i] = geo.DesaNeed{Code: d.Code, Need: need, Min: in.minPerDesa, Weight: weight}
		index[d.Code] = i
		row := planDesa{Code: d.Code, Name: d.Name, KecamatanCode: d.Code.Ancestor(geo.Kecamatan), Kecamatan: d.Kecamatan,
			KabupatenCode: d.Code.Ancestor(geo.Kabupaten), Kabupaten: d.Kabupaten, Score: d.Score, TPS: d.TPS,
			TPSClasses: tps, ClassedBy: by, Demo: d.Demo, Lon: d.Lon, Lat: d.Lat}
		if d.Category != "" {
			row.Category = &d.Category
		}
		p.desa[i] = row
		for c, n := range tps {
			t.TPSClasses[c] += n
			t.TPS += n
		}
		switch by {
		case geo.ClassedUnscored:
			t.DesaUnscored++
		case geo.ClassedNoTPS:
			t.DesaWithoutTPS++
		}
		p.Demo = p.Demo || d.Demo
	}
	for _, code := range slices.Sorted(maps.Keys(in.tpsClasses)) {
		if _, ok := index[code]; !ok {
			problems = append(problems, geo.InputProblem{Field: "tps_classes." + string(code), Reason: "desa " + string(code) + " is not in the areas"})
		}
	}
	if problems != nil {
		return nil, &data.InvalidInput{Problems: problems}
	}
	a, err := geo.Allocate(in.available, in.reserve, needs)
	if err != nil {
		return nil, err
	}
	read := p.desa
	p.desa = make([]planDesa, len(a.Desa)) // in the allocation's code order, which ByLevel follows too
	for i, d := range a.Desa {
		row := read[index[d.Code]]
		row.Need, row.Min, row.Allocated, row.Shortfall = d.Need, d.Min, d.Allocated, d.Shortfall
		p.desa[i] = row
	}
	t.Desa = len(p.desa)
	t.Deployable = in.available - in.reserve
	t.Need, t.Allocated, t.Unallocated, t.Shortfall, t.MinimumShortfall = a.Need, a.Allocated, a.Unallocated, a.Shortfall, a.MinimumShortfall
	t.Covered = a.Shortfall == 0
	p.Kecamatan = namedAreas(a.ByLevel(geo.Kecamatan), p.desa, func(d planDesa) string { return d.Kecamatan })
	p.Kabupaten = namedAreas(a.ByLevel(geo.Kabupaten), p.desa, func(d planDesa) string { return d.Kabupaten })
	p.Notices = planNotices(t, in, phase)
	return p, nil
}

// namedAreas names the areas of an allocation with the names the desa carry
// (desa and areas are both in code order).
func namedAreas(areas []geo.AreaAllocation, desa []planDesa, name func(planDesa) string) []planArea {
	out := make([]planArea, len(areas))
	i := 0
	for j, a := range areas {
		out[j] = planArea{AreaAllocation: a, Name: name(desa[i])}
		i += a.Desa
	}
	return out
}

// planNotices states the shortfall, the surplus and the desa classed by default.
func planNotices(t *planTotals, in planInput, phase string) []string {
	var notices []string
	switch {
	case t.MinimumShortfall > 0:
		notices = append(notices, fmt.Sprintf("Shortfall: the %d desa need %d personnel and even their minimums (%d each) exceed the %d deployable "+
			"(%d available less a reserve of %d): %d short; minimums were met in order of larger need, and %d of the minimums remain uncovered.",
			t.Desa, t.Need, in.minPerDesa, t.Deployable, in.available, in.reserve, t.Shortfall, t.MinimumShortfall))
	case t.Shortfall > 0:
		notices = append(notices, fmt.Sprintf("Shortfall: the %d desa need %d personnel but only %d are deployable (%d available less a reserve of %d): "+
			"%d short; each desa gets a share proportional to its need, minimums first.",
			t.Desa, t.Need, t.Deployable, in.available, in.reserve, t.Shortfall))
	case t.Unallocated > 0:
		notices = append(notices, fmt.Sprintf("The need of %d is covered: %d deployable personnel stay unallocated, beyond the reserve of %d.",
			t.Need, t.Unallocated, in.reserve))
	}
	if t.DesaUnscored > 0 {
		notices = append(notices, fmt.Sprintf("%d desa have no score in phase %s: their TPS count as kurang_rawan (classed_by unscored).", t.DesaUnscored, phase))
	}
	if t.DesaWithoutTPS > 0 {
		notices = append(notices, fmt.Sprintf("%d desa have no TPS count: they need only the minimum of %d (classed_by no_tps); "+
			"give their TPS in tps_classes to plan for them.", t.DesaWithoutTPS, in.minPerDesa))
	}
	return notices
}

// planCSVHeader names the columns of a plan as CSV.
var planCSVHeader = []string{"code", "name", "kecamatan_code", "kecamatan", "kabupaten_code", "kabupaten", "score", "category",
	"tps", "tps_kurang_rawan", "tps_rawan", "tps_sangat_rawan", "classed_by", "need", "min", "allocated", "shortfall", "demo", "lon", "lat"}

// writePlanCSV answers with the desa of a plan as CSV (RFC 4180, UTF-8): a
// header line, then a line per desa; empty cells are nulls. Names starting
// with = + - @, a tab or a carriage return get a leading ' so that a
// spreadsheet does not run them as formulas; numbers are written as is.
func writePlanCSV(c echo.Context, desa []planDesa) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, MediaCSV+"; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="deployment.csv"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	w.UseCRLF = true
	if err := w.Write(planCSVHeader); err != nil {
		return err
	}
	for _, d := range desa {
		category := ""
		if d.Category != nil {
			category = string(*d.Category)
		}
		record := []string{string(d.Code), csvText(d.Name), string(d.KecamatanCode), csvText(d.Kecamatan),
			string(d.KabupatenCode), csvText(d.Kabupaten), csvNumber(d.Score), category, csvInt(d.TPS),
			strconv.Itoa(d.TPSClasses[geo.KurangRawan]), strconv.Itoa(d.TPSClasses[geo.Rawan]), strconv.Itoa(d.TPSClasses[geo.SangatRawan]),
			string(d.ClassedBy), strconv.Itoa(d.Need), strconv.Itoa(d.Min), strconv.Itoa(d.Allocated), strconv.Itoa(d.Shortfall),
			strconv.FormatBool(d.Demo), csvNumber(d.Lon), csvNumber(d.Lat)}
		if err := w.Write(record); err != nil {
			return err // the client has gone
		}
	}
	w.Flush()
	return w.Error()
}

// csvText defuses a text cell that a spreadsheet would read as a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func csvInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

// writePlanGeoJSON answers with a plan as a GeoJSON FeatureCollection: a
// feature per desa (its polygons, the desa's row as properties), then the
// plan's summary as members of the collection.
func (s *Server) writePlanGeoJSON(c echo.Context, p *plan) error {
	codes := make([]geo.Code, len(p.desa))
	for i, d := range p.desa {
		codes[i] = d.Code
	}
	fc := newFeatureWriter(c, http.StatusOK)
	var props bytes.Buffer
	enc := json.NewEncoder(&props)
	enc.SetEscapeHTML(false)
	err := s.store.DesaGeometries(c.Request().Context(), codes, func(code geo.Code, geometry []byte) error {
		d := p.desa[fc.written]
		if code != d.Code {
			return fmt.Errorf("geometry of %s came for desa %s", code, d.Code)
		}
		props.Reset()
		if err := enc.Encode(d); err != nil {
			return err
		}
		if geometry == nil {
			geometry = []byte("null")
		}
		_, err := fmt.Fprintf(fc.next(), `{"type":"Feature","id":%d,"geometry":%s,"properties":%s}`, code.ID(), geometry, bytes.TrimSpace(props.Bytes()))
		return err
	})
	if err != nil && fc.written == 0 {
		return err
	}
	if err != nil {
		s.abortStream(c, "plan", err)
	}
	return fc.close(p.planSummary)
}

// addPlanPaths documents POST /plan/deployment.
func addPlanPaths(paths object) {
	integer := func(description string, minimum, maximum int) object {
		return object{"type": "integer", "minimum": minimum, "maximum": maximum, "description": description}
	}
	pattern := object{"type": "object", "additionalProperties": false, "required": []string{"police", "per_tps"}, "properties": object{
		"police":  integer("police per group", 0, geo.MaxGroupPolice),
		"per_tps": object{"type": "integer", "minimum": 1, "description": "TPS per group"},
	}}
	counts := object{"type": "object", "additionalProperties": false, "properties": object{
		"kurang_rawan": object{"type": "integer", "minimum": 0}, "rawan": object{"type": "integer", "minimum": 0},
		"sangat_rawan": object{"type": "integer", "minimum": 0}}}
	body := jsonBody(object{"type": "object", "additionalProperties": false, "required": []string{"available", "areas"}, "properties": object{
		"available": integer("personnel available, e.g. 1300 BKO", 0, MaxPersonnel),
		"areas": object{"type": "array", "minItems": 1, "maxItems": MaxPlanAreas, "items": object{"type": "string"},
			"description": "admin codes of any level, with or without dots (36.01, 3601); a desa inside two of them counts once"},
		"election": object{"type": "string", "description": "election of the scores (default: the latest)"},
		"phase":    object{"type": "string", "description": "phase of the election (default: the last)"},
		"datetime": object{"type": "string", "description": "a date or RFC 3339 date-time: the phase containing it; instead of phase"},
		"guard_patterns": object{"type": "object", "additionalProperties": false, "description": "police per group of TPS per class; " +
			"classes not given keep the default, Polres Serang 2024: kurang_rawan 2 per 12, rawan 2 per 2, sangat_rawan 2 per 1",
			"properties": object{"kurang_rawan": pattern, "rawan": pattern, "sangat_rawan": pattern}},
		"min_per_desa": integer("personnel every desa gets at least, when there are enough (default 0)", 0, MaxMinPerDesa),
		"reserve":      object{"type": "integer", "minimum": 0, "description": "personnel kept back from available (default 0), at most available"},
		"tps_classes": object{"type": "object", "additionalProperties": counts, "description": "per desa code, its own TPS per class, " +
			"instead of every TPS taking the class of the desa's category; they must add up to the desa's TPS count"},
	}})
	format := queryParam(ParamFormat, "answer format: json (the default), csv (a line per desa with lon and lat of a point on it; "+
		"names starting with = + - @ get a leading ' against formula injection) or geojson (a feature per desa, at most "+
		strconv.Itoa(MaxPlanFeatures)+" desa); or by Accept: text/csv, application/geo+json",
		object{"type": "string", "enum": []string{"json", FormatCSV, FormatGeoJSON}}, "", false)
	op := object{
		"summary": "Plan a deployment: spread the personnel available over the desa of the areas by their guard need " +
			"(writes nothing; a public read unless the server requires tokens for reads)",
		"description": planMethod + " A plan covers at most " + strconv.Itoa(MaxPlanDesa) + " desa (" + strconv.Itoa(MaxPlanFeatures) + " as GeoJSON). " + DemoNotice,
		"operationId": "plan_deployment",
		"parameters":  []any{format},
		"requestBody": object{"required": true, "content": body},
		"responses": object{
			"200": object{"description": "the plan: parameters, totals (need, allocated, unallocated, shortfall), notices stating a shortfall, " +
				"the method, demo, per kabupaten, kecamatan and desa",
				"content": object{MediaJSON: object{}, MediaCSV: object{"schema": object{"type": "string"}}, MediaGeoJSON: object{}}},
			"400": problemResponse("bad request: an unknown query parameter, a bad format, election or phase, or a body that is not JSON"),
			"413": problemResponse("the body is too large"),
			"415": problemResponse("the body is not JSON"),
			"422": problemResponse("the body is refused; problems names each field: available, reserve, areas (unknown codes, too many desa), " +
				"guard_patterns, min_per_desa, tps_classes.<code>"),
			"503": problemResponse("the database is unreachable or the query took too long; retry later"),
		},
	}
	paths["/plan/deployment"] = object{"post": op}
}
