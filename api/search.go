package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// ParamQuery is what /search looks for: the start of a name or a code.
const ParamQuery = "q"

// Limits of /search.
const (
	DefaultSearchLimit = 10
	MaxSearchLimit     = 50
	// MaxQueryLength bounds q, in characters: longer than any unit's name.
	MaxQueryLength = 100
)

func (s *Server) searchRoutes(e *echo.Echo) {
	e.GET("/search", s.search)
	e.GET("/elections", s.elections)
}

// searchResult is a unit found, as /search shows it.
type searchResult struct {
	Code  geo.Code  `json:"code"`
	Name  string    `json:"name"`
	Level geo.Level `json:"level"`
	Kind  string    `json:"kind"`
	// Names of the enclosing units; null at and below the unit's own level.
	Kecamatan *string    `json:"kecamatan"`
	Kabupaten *string    `json:"kabupaten"`
	Provinsi  *string    `json:"provinsi"`
	BBox      [4]float64 `json:"bbox"`
	// Href is the unit's GeoJSON feature.
	Href string `json:"href"`
}

// search finds admin units of every level by name or code: GET /search?q=cilegon.
func (s *Server) search(c echo.Context) error {
	q, err := parseSearch(c)
	if err != nil {
		return err
	}
	found, err := s.store.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	base := baseURL(c.Request()) + "/collections/"
	results := make([]searchResult, len(found))
	for i, u := range found {
		b := u.BBox
		results[i] = searchResult{Code: u.Code, Name: u.Name, Level: u.Level, Kind: u.Kind,
			Kecamatan: u.Kecamatan, Kabupaten: u.Kabupaten, Provinsi: u.Provinsi,
			BBox: [4]float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat},
			Href: base + u.Level.String() + "/items/" + strconv.FormatInt(u.Code.ID(), 10)}
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"results": results})
}

// parseSearch reads q and limit. A q made of digits and dots that can start
// a code also matches codes.
func parseSearch(c echo.Context) (data.SearchQuery, error) {
	if err := onlyParams(c, ParamQuery, ParamLimit, ParamFormat); err != nil {
		return data.SearchQuery{}, err
	}
	params := c.QueryParams()
	text := strings.TrimSpace(params.Get(ParamQuery))
	switch {
	case text == "":
		return data.SearchQuery{}, badParameter(ParamQuery, "give the start of a name or of a code, e.g. cilegon, kota ser or 36.72")
	case utf8.RuneCountInString(text) > MaxQueryLength:
		return data.SearchQuery{}, badParameter(ParamQuery, fmt.Sprintf("longer than %d characters", MaxQueryLength))
	case strings.IndexFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0:
		return data.SearchQuery{}, badParameter(ParamQuery, fmt.Sprintf("%q has no letter or digit to search for", text))
	}
	q := data.SearchQuery{Text: text, Limit: DefaultSearchLimit}
	q.CodePrefix, _ = geo.CodePrefix(text)
	if params.Has(ParamLimit) {
		n, err := strconv.Atoi(params.Get(ParamLimit))
		if err != nil || n < 1 || n > MaxSearchLimit {
			return data.SearchQuery{}, badParameter(ParamLimit, fmt.Sprintf("%q is not a whole number from 1 to %d", params.Get(ParamLimit), MaxSearchLimit))
		}
		q.Limit = n
	}
	return q, nil
}

// electionInfo is an election as /elections shows it.
type electionInfo struct {
	Code      string      `json:"code"`
	Name      string      `json:"name"`
	VotingDay string      `json:"voting_day"`
	Phases    []phaseInfo `json:"phases"`
}

type phaseInfo struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

// elections lists the elections, latest first, each with its phases in
// order: what the election and phase parameters take.
func (s *Server) elections(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	elections, err := s.store.Elections(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]electionInfo, len(elections))
	for i, e := range elections {
		out[i] = electionInfo{Code: e.Code, Name: e.Name, VotingDay: e.VotingDay.Format(time.DateOnly)}
		for _, p := range e.Phases {
			out[i].Phases = append(out[i].Phases, phaseInfo{Code: p.Code, Name: p.Name,
				StartsOn: p.StartsOn.Format(time.DateOnly), EndsOn: p.EndsOn.Format(time.DateOnly)})
		}
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"elections": out})
}

// FormatCSV is the f value of the CSV export of items.
const FormatCSV = "csv"

// writeCSV answers with a page of a collection's features as CSV (RFC 4180,
// UTF-8): a header line naming the columns, then a line per feature. The
// next and prev pages are in the Link header.
func (s *Server) writeCSV(c echo.Context, collection string, matched int64, table *data.TableRows, offset, limit int) error {
	// Read the first row before answering, so that a failing query still gets a problem response.
	more := table.Next()
	if err := table.Err(); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, MediaCSV+"; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+collection+`.csv"`)
	returned := int(max(0, min(int64(limit), matched-int64(offset))))
	for _, l := range pageLinks(c, MediaCSV, offset, limit, returned, matched) {
		if l.Rel != RelSelf {
			res.Header().Add("Link", fmt.Sprintf(`<%s>; rel="%s"; type="%s"`, l.Href, l.Rel, l.Type))
		}
	}
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	w.UseCRLF = true
	if err := w.Write(table.Columns); err != nil {
		return err
	}
	record := make([]string, len(table.Columns))
	for ; more; more = table.Next() {
		for i, v := range table.Values() {
			record[i] = string(v)
		}
		if err := w.Write(record); err != nil {
			return err // the client has gone
		}
	}
	if err := table.Err(); err != nil {
		// The body has started: cut the connection so the client sees a broken response, not a short one.
		s.log.Error("csv stream failed", "uri", c.Request().RequestURI, "err", err)
		panic(http.ErrAbortHandler)
	}
	w.Flush()
	return w.Error()
}

// Response schemas of /search and /elections.
var (
	nullableString = object{"type": "string", "nullable": true}
	searchSchema   = object{"type": "object", "required": []string{"results"}, "properties": object{
		"results": object{"type": "array", "items": object{"type": "object", "properties": object{
			"code":      object{"type": "string", "description": "Kemendagri code, e.g. 36.72.04"},
			"name":      object{"type": "string"},
			"level":     object{"type": "string", "enum": []string{"provinsi", "kabupaten", "kecamatan", "desa"}, "description": "the level, also the collection id"},
			"kind":      object{"type": "string", "enum": []string{"provinsi", "kabupaten", "kota", "kecamatan", "desa", "kelurahan"}},
			"kecamatan": nullableString, "kabupaten": nullableString, "provinsi": nullableString,
			"bbox": object{"type": "array", "minItems": 4, "maxItems": 4, "items": object{"type": "number"},
				"description": "minLon, minLat, maxLon, maxLat (CRS84)"},
			"href": object{"type": "string", "description": "the unit's GeoJSON feature"},
		}}},
	}}
	dateString      = object{"type": "string", "format": "date"}
	electionsSchema = object{"type": "object", "required": []string{"elections"}, "properties": object{
		"elections": object{"type": "array", "items": object{"type": "object", "properties": object{
			"code": object{"type": "string"}, "name": object{"type": "string"}, "voting_day": dateString,
			"phases": object{"type": "array", "items": object{"type": "object", "properties": object{
				"code": object{"type": "string"}, "name": object{"type": "string"},
				"starts_on": dateString, "ends_on": dateString,
			}}},
		}}},
	}}
)

func addSearchPaths(paths object) {
	paths["/search"] = getOp("Admin units of every level by name or code: for jumping to a place", "search",
		object{"200": object{"description": "the units found, best first: exact matches (the whole name, a kabupaten/kota name without " +
			"Kabupaten/Kota, or the whole code), then coarser levels, then names starting with q, then by name",
			"content": object{MediaJSON: object{"schema": searchSchema}}}},
		queryParam(ParamQuery, "the start of a word of the name, ignoring case, accents and punctuation (several words: consecutive "+
			"words, each by its start: \"kota ser\"); or the start of a code with or without dots (36.72, 3672)",
			object{"type": "string", "minLength": 1, "maxLength": MaxQueryLength}, "", true),
		queryParam(ParamLimit, "results at most", object{"type": "integer", "minimum": 1, "maximum": MaxSearchLimit, "default": DefaultSearchLimit}, "", false),
		ref("f"))
	paths["/elections"] = getOp("Elections, latest first, with their phases in order", "elections",
		object{"200": object{"description": "the elections: the values of the election and phase parameters",
			"content": object{MediaJSON: object{"schema": electionsSchema}}}},
		ref("f"))
	documentCSV(paths)
}

// documentCSV declares f=csv and its text/csv answer on the items paths of
// the collections, which the other files describe.
func documentCSV(paths object) {
	format := queryParam(ParamFormat, "response format: GeoJSON (json, geojson; the default) or CSV (csv: every property, "+
		"arrays joined by ';', then lon and lat of a point on the feature; the next and prev pages in the Link header)",
		object{"type": "string", "enum": []string{"json", "geojson", FormatCSV}}, "", false)
	ids := []string{incidentCollection}
	for _, l := range geo.Levels {
		ids = append(ids, l.String())
	}
	for _, id := range ids {
		op := paths["/collections/"+id+"/items"].(object)["get"].(object)
		content := op["responses"].(object)["200"].(object)["content"].(object)
		content[MediaCSV] = object{"schema": object{"type": "string"}}
		params := op["parameters"].([]any)
		for i, p := range params {
			if p, ok := p.(object); ok && p["$ref"] == ref("f")["$ref"] {
				params[i] = format
			}
		}
	}
}
