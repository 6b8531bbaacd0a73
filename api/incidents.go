package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// incidentCollection is the id of the collection of incident reports.
const incidentCollection = "insiden"

// incidentParams are the parameters insiden items takes besides the unit code filters.
var incidentParams = []string{ParamBBox, ParamDatetime, ParamType, ParamElection, ParamPhase, ParamLimit, ParamOffset, ParamFormat}

// The collection's paths are static routes: Echo prefers them to the
// /collections/:collectionId routes of the admin units.
func (s *Server) incidentRoutes(e *echo.Echo) {
	base := "/collections/" + incidentCollection
	e.GET(base, s.incidentCollectionInfo)
	e.GET(base+"/items", s.incidents)
	e.POST(base+"/items", s.addIncidents, require(data.Editor))
	e.GET(base+"/items/:featureId", s.incident)
}

// describeIncidents gives the incident collection's metadata: its extent in
// space is that of the incidents (of the desa while there are none), in time
// that of the elections (interval, nil when there are none).
func (s *Server) describeIncidents(c echo.Context, extents map[geo.Level]data.Extent, interval []string) (collectionInfo, error) {
	href := incidentsURL(c)
	info := collectionInfo{
		ID:    incidentCollection,
		Title: "Insiden",
		Description: "Incident reports (bentrokan, politik uang, intimidasi, ...) as points, each counted in the desa/kelurahan " +
			"containing it and in the election phase of its time; they feed the risk scores. Editors add them with POST to the items. " +
			"Incidents whose property demo is true are generated demo data, not reports.",
		Attribution: Attribution,
		ItemType:    "feature",
		CRS:         []string{crs84},
		Extent:      map[string]any{},
		Links: []Link{
			{Href: href, Rel: RelSelf, Type: MediaJSON, Title: "this collection"},
			{Href: href + "/items", Rel: RelItems, Type: MediaGeoJSON, Title: "the incidents"},
			{Href: href + "/tiles", Rel: RelTilesetsVector, Type: MediaJSON, Title: "the vector tilesets"},
		},
	}
	b, err := s.store.IncidentExtent(c.Request().Context())
	if err != nil {
		return info, err
	}
	if desa, ok := extents[geo.Desa]; b == nil && ok {
		b = &desa.BBox
	}
	if b != nil {
		info.Extent["spatial"] = map[string]any{"bbox": [][]float64{{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}}, "crs": crs84}
	}
	if interval != nil {
		info.Extent["temporal"] = map[string]any{"interval": [][]string{{interval[0] + "T00:00:00+07:00", interval[1] + "T23:59:59+07:00"}}}
	}
	return info, nil
}

func (s *Server) incidentCollectionInfo(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	infos, err := s.describeCollections(c)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(infos, func(info collectionInfo) bool { return info.ID == incidentCollection })
	return writeJSON(c, http.StatusOK, MediaJSON, infos[i])
}

// parseIncidentItems reads the query string of insiden items.
func (s *Server) parseIncidentItems(c echo.Context) (data.IncidentQuery, []string, error) {
	params := c.QueryParams()
	props := data.IncidentProperties()
	filters := filterNames(props)
	q := data.IncidentQuery{Filters: map[string]string{}}
	_, err := knownParams(c, append(slices.Clone(incidentParams), filters...), func(string) string {
		return fmt.Sprintf("unknown parameter; insiden items takes %s and the filters %s",
			strings.Join(incidentParams, ", "), strings.Join(filters, ", "))
	})
	if err != nil {
		return q, nil, err
	}
	if params.Has(ParamBBox) {
		if q.BBox, err = parseBBox(params.Get(ParamBBox)); err != nil {
			return q, nil, err
		}
	}
	var sel incidentSelection
	if sel, err = s.parseIncidentSelection(c, params); err != nil {
		return q, nil, err
	}
	q.Election, q.Phase, q.Time, q.Types = sel.election, sel.phase, sel.time, sel.types
	var notices []string
	var notice string
	if q.Limit, q.Offset, notice, err = parsePage(params); err != nil {
		return q, nil, err
	}
	if notice != "" {
		notices = append(notices, notice)
	}
	if _, err := isCSV(params); err != nil {
		return q, nil, err
	}
	for _, p := range props {
		if v, ok := params[p.Name]; ok && p.Filter {
			if q.Filters[p.Name], err = parseFilter(p, v[0]); err != nil {
				return q, nil, err
			}
		}
	}
	return q, notices, nil
}

// incidentSelection is what selects incidents, in their items and tiles alike.
type incidentSelection struct {
	election, phase string
	time            geo.TimeRange
	types           []string
}

// parseIncidentSelection reads the election, phase, datetime (an instant or
// an interval) and type filters of incidents.
func (s *Server) parseIncidentSelection(c echo.Context, params url.Values) (incidentSelection, error) {
	var sel incidentSelection
	var err error
	if sel.election, sel.phase, err = s.parseElectionPhase(c, params.Get(ParamElection), params.Get(ParamPhase)); err != nil {
		return sel, err
	}
	if params.Has(ParamDatetime) {
		if sel.time, err = geo.ParseTimeRange(params.Get(ParamDatetime)); err != nil {
			return sel, badParameter(ParamDatetime, err.Error())
		}
	}
	if params.Has(ParamType) {
		if sel.types, err = s.parseIncidentTypes(c, params.Get(ParamType)); err != nil {
			return sel, err
		}
	}
	return sel, nil
}

// parseIncidentTypes reads a comma-separated list of incident type codes of the catalogue.
func (s *Server) parseIncidentTypes(c echo.Context, list string) ([]string, error) {
	catalogue, err := s.store.IncidentTypes(c.Request().Context())
	if err != nil {
		return nil, err
	}
	known := make([]string, len(catalogue))
	for i, t := range catalogue {
		known[i] = t.Code
	}
	var types []string
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if !slices.Contains(known, t) {
			return nil, badParameter(ParamType, fmt.Sprintf("unknown incident type %q; types are %s", t, strings.Join(known, ", ")))
		}
		types = append(types, t)
	}
	return types, nil
}

// parseElectionPhase checks the election and phase filters: an election that
// exists, a phase of it (of any election when none is named).
func (s *Server) parseElectionPhase(c echo.Context, election, phase string) (string, string, error) {
	if election == "" && phase == "" {
		return "", "", nil
	}
	elections, err := s.store.Elections(c.Request().Context())
	if err != nil {
		return "", "", err
	}
	named, err := electionsNamed(elections, election)
	if err != nil {
		return "", "", err
	}
	var phases []string
	for _, e := range named {
		for _, p := range e.Phases {
			if !slices.Contains(phases, p.Code) {
				phases = append(phases, p.Code)
			}
		}
	}
	if phase != "" && !slices.Contains(phases, phase) {
		return "", "", badParameter(ParamPhase, fmt.Sprintf("unknown phase %q; phases are %s", phase, strings.Join(phases, ", ")))
	}
	return election, phase, nil
}

// incidentGeoJSON names the members of an incident Feature or
// FeatureCollection, which geo.ReadIncidentsGeoJSON reads, for checkMembers.
type incidentGeoJSON struct {
	Type     string            `json:"type"`
	Features []incidentGeoJSON `json:"features"`
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Type        string `json:"type"`
		OccurredAt  string `json:"occurred_at"`
		Description string `json:"description"`
		Source      string `json:"source"`
		Phase       string `json:"phase"`
	} `json:"properties"`
}

// incidents answers a page of incidents, ordered by occurred_at then id.
func (s *Server) incidents(c echo.Context) error {
	q, notices, err := s.parseIncidentItems(c)
	if err != nil {
		return err
	}
	q.Within = readScope(c)
	if c.QueryParam(ParamFormat) == FormatCSV {
		matched, table, err := s.store.IncidentTable(c.Request().Context(), q)
		if err != nil {
			return err
		}
		defer table.Close()
		return s.writeCSV(c, incidentCollection, matched, table, q.Offset, q.Limit)
	}
	matched, rows, err := s.store.Incidents(c.Request().Context(), q)
	if err != nil {
		return err
	}
	defer rows.Close()
	return s.streamFeatures(c, rows, func(returned int, demo bool) map[string]any {
		links := append(pageLinks(c, MediaGeoJSON, q.Offset, q.Limit, returned, matched), incidentCollectionLink(c))
		return pageTail(matched, returned, demo, links, notices)
	})
}

// incident answers one incident. Ids are whole numbers; any other id is a 404 like an unknown one.
func (s *Server) incident(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	fid := c.Param("featureId")
	id, err := strconv.ParseInt(fid, 10, 64)
	if err != nil || id < 1 {
		return notFound(fmt.Sprintf("no incident with id %q; incident ids are whole numbers", fid))
	}
	feature, err := s.store.Incident(c.Request().Context(), id, readScope(c))
	if errors.Is(err, data.ErrNotFound) {
		return notFound(fmt.Sprintf("no incident with id %d", id))
	}
	if err != nil {
		return err
	}
	body, err := withFeatureLinks(feature, incidentLinks(c, id))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MediaGeoJSON, body)
}

// incidentsURL is the public URL of the incident collection.
func incidentsURL(c echo.Context) string {
	return baseURL(c.Request()) + "/collections/" + incidentCollection
}

func incidentCollectionLink(c echo.Context) Link {
	return Link{Href: incidentsURL(c), Rel: RelCollection, Type: MediaJSON, Title: "the collection"}
}

// incidentLinks are the links of one incident: itself, then its collection.
func incidentLinks(c echo.Context, id int64) []Link {
	return []Link{
		{Href: incidentsURL(c) + "/items/" + strconv.FormatInt(id, 10), Rel: RelSelf, Type: MediaGeoJSON, Title: "this feature"},
		incidentCollectionLink(c),
	}
}

// addIncidents records incident reports: a GeoJSON Feature or
// FeatureCollection, or a CSV file with the columns geo.IncidentColumns.
func (s *Server) addIncidents(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	mediaType, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mediaType != MediaGeoJSON && mediaType != MediaJSON && mediaType != MediaCSV {
		return unsupportedMedia(mediaType, MediaGeoJSON, MediaJSON, MediaCSV)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // too large (413), or the client has gone
	}
	var batch geo.IncidentBatch
	switch {
	case mediaType == MediaCSV:
		batch, err = geo.ReadIncidentsCSV(bytes.NewReader(body))
	case !utf8.Valid(body):
		err = errors.New("the body is not valid UTF-8")
	default:
		if batch, err = geo.ReadIncidentsGeoJSON(body); err == nil {
			// geo reads members as encoding/json does: refuse one given twice or in other letter case.
			if err := checkMembers(body, new(incidentGeoJSON)); err != nil {
				return err
			}
		}
	}
	if err != nil {
		return badBody(err.Error())
	}
	created, err := s.store.AddIncidents(c.Request().Context(), actorOf(c), batch)
	if err != nil {
		return err
	}
	if batch.Single {
		links := incidentLinks(c, created[0].ID)
		feature, err := withFeatureLinks(created[0].Feature, links)
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, links[0].Href)
		return c.Blob(http.StatusCreated, MediaGeoJSON, feature)
	}
	fc := newFeatureWriter(c, http.StatusCreated)
	for _, in := range created {
		fc.next().Write(in.Feature)
	}
	return fc.close(map[string]any{
		"numberReturned": len(created),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          []Link{incidentCollectionLink(c)},
		"demo":           false,
	})
}

// OpenAPI schemas of an incident report.
var (
	incidentPropertiesSchema = object{"type": "object", "additionalProperties": false,
		"required": []string{"type", "occurred_at", "source"},
		"properties": object{
			"type":        object{"type": "string", "description": "incident type code (GET /incident-types lists them), e.g. bentrok_pendukung"},
			"occurred_at": object{"type": "string", "format": "date-time", "description": "RFC 3339 with offset, e.g. 2024-01-15T10:30:00+07:00"},
			"description": object{"type": "string", "nullable": true, "maxLength": geo.MaxDescriptionLength},
			"source":      object{"type": "string", "enum": geo.Sources},
			"phase": object{"type": "string", "nullable": true,
				"description": "the election phase, where the day belongs to two (e.g. penghitungan on 14 Feb 2024); default: the first phase containing the day"},
		}}
	incidentFeatureSchema = object{"type": "object", "required": []string{"type", "geometry", "properties"},
		"properties": object{
			"type": object{"type": "string", "enum": []string{"Feature"}},
			"geometry": object{"type": "object", "required": []string{"type", "coordinates"}, "properties": object{
				"type":        object{"type": "string", "enum": []string{"Point"}},
				"coordinates": object{"type": "array", "minItems": 2, "maxItems": 3, "items": object{"type": "number"}},
			}},
			"properties": incidentPropertiesSchema,
		}}
	incidentBodySchema = object{"oneOf": []any{incidentFeatureSchema, object{"type": "object", "required": []string{"type", "features"},
		"properties": object{
			"type":     object{"type": "string", "enum": []string{"FeatureCollection"}},
			"features": object{"type": "array", "maxItems": geo.MaxIncidentBatch, "items": incidentFeatureSchema},
		}}}}
)

func addIncidentPaths(paths object) {
	base := "/collections/" + incidentCollection
	paths[base] = getOp("Metadata of the incident reports (insiden)", "collection_"+incidentCollection,
		jsonResponse("the collection's metadata"), ref("f"))
	params := []any{
		ref(ParamBBox),
		queryParam(ParamDatetime, "only incidents that occurred at this instant or in this interval (OGC API): a date (its whole day in WIB), "+
			"an RFC 3339 date-time with offset, or start/end with .. for an open end, e.g. 2024-02-11/2024-02-13 or 2024-02-14T00:00:00+07:00/..",
			object{"type": "string"}, "", false),
		queryParam(ParamType, "only incidents of these types (comma-separated codes)", object{"type": "array", "items": object{"type": "string"}}, "form", false),
		queryParam(ParamElection, "only incidents counted in this election, e.g. pemilu-2024", object{"type": "string"}, "", false),
		queryParam(ParamPhase, "only incidents counted in this phase, e.g. masa_tenang", object{"type": "string"}, "", false),
		ref(ParamLimit), ref(ParamOffset), ref("f"),
	}
	for _, p := range data.IncidentProperties() {
		if p.Filter {
			params = append(params, filterParam(p))
		}
	}
	paths[base+"/items"] = withOps(
		getOp("Incident reports, by occurred_at", "items_"+incidentCollection,
			geoJSONResponse("a page of incidents; follow the next link for more"), params...),
		writeOp("post", "Record incident reports and rescore the desa they fall in", "add_"+incidentCollection, data.Editor,
			object{
				MediaGeoJSON: object{"schema": incidentBodySchema},
				MediaJSON:    object{"schema": incidentBodySchema},
				MediaCSV: object{"schema": object{"type": "string",
					"description": "a header line naming the columns " + strings.Join(geo.IncidentColumns, ",") + " (description and phase optional), then one incident per line"}},
			},
			object{
				"201": object{"description": "recorded: the Feature (and a Location header) for a Feature, a FeatureCollection for a collection or CSV",
					"headers": object{"Location": object{"description": "the new incident, for a single Feature", "schema": object{"type": "string"}}},
					"content": object{MediaGeoJSON: object{}}},
				"415": problemResponse("the Content-Type is not application/geo+json, application/json or text/csv"),
			}))
	paths[base+"/items/{featureId}"] = getOp("One incident by id", "item_"+incidentCollection,
		geoJSONResponse("the incident"), object{
			"name": "featureId", "in": "path", "required": true, "description": "the incident's id",
			"schema": object{"type": "integer", "minimum": 1},
		}, ref("f"))
}
