package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/frontend"
	"github.com/petarawan/petarawan/geo"
)

// Attribution credits the sources of the bundled boundaries and TPS counts.
const Attribution = "Batas desa/kelurahan, kecamatan, kab/kota: cahyadsn/wilayah_boundaries (MIT License, " +
	"Copyright (c) 2024 Cahya DSN). Kode dan nama wilayah: cahyadsn/wilayah (MIT License, Copyright (c) 2017-2025 " +
	"Cahya DSN), sesuai Kepmendagri No. 300.2.2-2138 Tahun 2025. Jumlah TPS Pemilu 2024: KPU RI, via KawalPemilu " +
	"(github.com/kawalpemilu/kp24)."

// DemoNotice is said wherever demo scores may appear.
const DemoNotice = "Features whose property demo is true carry demo risk scores: made up by a deterministic, " +
	"spatially clustered model (petarawan README, 'Demo scores'), not assessed in the field."

// Conformance classes of OGC API - Features - Part 1: Core.
var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
	"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
}

const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

var collectionTitles = map[geo.Level]string{
	geo.Provinsi:  "Provinsi",
	geo.Kabupaten: "Kabupaten/kota",
	geo.Kecamatan: "Kecamatan",
	geo.Desa:      "Desa/kelurahan",
}

func (s *Server) landing(c echo.Context) error {
	if wantsHTML(c) {
		page, err := frontend.FS.ReadFile("index.html")
		if err != nil {
			return err
		}
		return c.HTMLBlob(http.StatusOK, page)
	}
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	base := baseURL(c.Request())
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"title":       "petarawan",
		"description": "Indonesian desa/kelurahan boundaries joined with election-security risk scores. " + DemoNotice,
		"attribution": Attribution,
		"links": []Link{
			{Href: base + "/", Rel: RelSelf, Type: MediaJSON, Title: "this document"},
			{Href: base + "/?f=html", Rel: RelAlternate, Type: MediaHTML, Title: "this document as HTML"},
			{Href: base + "/api", Rel: RelServiceDesc, Type: MediaOpenAPI, Title: "the API definition"},
			{Href: base + "/conformance", Rel: RelConformance, Type: MediaJSON, Title: "conformance classes"},
			{Href: base + "/collections", Rel: RelData, Type: MediaJSON, Title: "collections"},
		},
	})
}

// wantsHTML tells whether the client asked for HTML (f=html, or a browser's Accept).
func wantsHTML(c echo.Context) bool {
	if f := c.QueryParam(ParamFormat); f != "" {
		return f == "html"
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, MediaHTML)
}

// onlyParams refuses what knownParams refuses, and any format but json.
func onlyParams(c echo.Context, allowed ...string) error {
	q, err := knownParams(c, allowed, nil)
	if err != nil {
		return err
	}
	if f, ok := q[ParamFormat]; ok && f[0] != "json" {
		return badParameter(ParamFormat, fmt.Sprintf("format %q is not offered here; use json", f[0]))
	}
	return nil
}

// knownParams reads the query of a request whose query string parses and
// whose path parameters are text (checkRequest), refusing what checkParams
// refuses.
func knownParams(c echo.Context, allowed []string, unknown func(name string) string) (url.Values, error) {
	if err := checkRequest(c); err != nil {
		return nil, err
	}
	return c.QueryParams(), checkParams(c.QueryParams(), allowed, unknown)
}

// checkRequest refuses a query string that does not parse (a bad
// %-escape, a raw semicolon: Echo would drop the parameter silently) and a
// path parameter that is not text (checkText).
func checkRequest(c echo.Context) error {
	if _, err := url.ParseQuery(c.Request().URL.RawQuery); err != nil {
		return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest,
			Detail: "the query string does not parse: " + err.Error()}
	}
	for _, name := range c.ParamNames() {
		if err := checkText(name, c.Param(name)); err != nil {
			return err
		}
	}
	return nil
}

// MaxParamLength bounds a query parameter's value, in bytes: far above any
// value taken (the polygon has its own bound), so that a hostile value is
// refused before it is parsed or repeated in an answer.
const MaxParamLength = 4096

// maxPolygonLength bounds the polygon parameter: room for MaxPolygonVertices
// vertices at full precision.
const maxPolygonLength = 64 * MaxPolygonVertices

// checkParams refuses, with a 400 naming it, the first parameter (in name
// order) that allowed does not list (unknown, when set, says what the
// operation takes; the detail starts with "unknown parameter" either way),
// that is given more than once, that is not text (checkText) or that is
// longer than its bound.
func checkParams(q url.Values, allowed []string, unknown func(name string) string) error {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(allowed, name) {
			if unknown != nil {
				return badParameter(name, unknown(name))
			}
			if len(allowed) == 0 {
				return badParameter(name, "unknown parameter; this takes none")
			}
			return badParameter(name, "unknown parameter; this takes "+strings.Join(allowed, ", "))
		}
		v := q[name]
		if len(v) > 1 {
			return badParameter(name, "given more than once")
		}
		limit := MaxParamLength
		if name == ParamPolygon {
			limit = maxPolygonLength
		}
		if len(v[0]) > limit {
			return badParameter(name, fmt.Sprintf("%d bytes long; at most %d", len(v[0]), limit))
		}
		if err := checkText(name, v[0]); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses a parameter value that is not UTF-8 or holds a NUL:
// PostgreSQL stores neither.
func checkText(name, v string) error {
	switch {
	case !utf8.ValidString(v):
		return badParameter(name, "not valid UTF-8")
	case strings.ContainsRune(v, 0):
		return badParameter(name, "holds a NUL character")
	}
	return nil
}

func (s *Server) conformance(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"conformsTo": conformanceClasses})
}

func (s *Server) openAPI(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaOpenAPI, openAPIDocument(baseURL(c.Request())))
}

// collectionInfo is a collection's metadata document.
type collectionInfo struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Attribution string         `json:"attribution"`
	ItemType    string         `json:"itemType"`
	CRS         []string       `json:"crs"`
	Extent      map[string]any `json:"extent"`
	Links       []Link         `json:"links"`
}

// describeCollections gives the metadata of every collection: extents in
// space (the stored units) and in time (the phases of the elections scored).
func (s *Server) describeCollections(c echo.Context) ([]collectionInfo, error) {
	ctx := c.Request().Context()
	extents, err := s.store.Extents(ctx)
	if err != nil {
		return nil, err
	}
	elections, err := s.store.Elections(ctx)
	if err != nil {
		return nil, err
	}
	var interval []string
	for _, e := range elections {
		start, end := e.Phases[0].StartsOn.Format(time.DateOnly), e.Phases[len(e.Phases)-1].EndsOn.Format(time.DateOnly)
		if interval == nil {
			interval = []string{start, end}
		}
		interval[0], interval[1] = min(interval[0], start), max(interval[1], end)
	}
	base := baseURL(c.Request())
	var infos []collectionInfo
	for _, l := range geo.Levels {
		href := base + "/collections/" + l.String()
		info := collectionInfo{
			ID:    l.String(),
			Title: collectionTitles[l],
			Description: fmt.Sprintf("%s with Kemendagri codes, TPS counts and risk scores for an election phase "+
				"(parameters election and phase or datetime; default: the latest). %s", collectionTitles[l], DemoNotice),
			Attribution: Attribution,
			ItemType:    "feature",
			CRS:         []string{crs84},
			Extent:      map[string]any{},
			Links: []Link{
				{Href: href, Rel: RelSelf, Type: MediaJSON, Title: "this collection"},
				{Href: href + "/items", Rel: RelItems, Type: MediaGeoJSON, Title: "the features"},
				{Href: href + "/tiles", Rel: RelTilesetsVector, Type: MediaJSON, Title: "the vector tilesets"},
			},
		}
		if ext, ok := extents[l]; ok {
			b := ext.BBox
			info.Extent["spatial"] = map[string]any{"bbox": [][]float64{{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}}, "crs": crs84}
		}
		if interval != nil {
			info.Extent["temporal"] = map[string]any{"interval": [][]string{{interval[0] + "T00:00:00+07:00", interval[1] + "T23:59:59+07:00"}}}
		}
		infos = append(infos, info)
	}
	incidents, err := s.describeIncidents(c, extents, interval)
	if err != nil {
		return nil, err
	}
	infos = append(infos, incidents)
	for _, res := range geo.H3Resolutions {
		infos = append(infos, describeH3(c, res, infos[geo.Desa-1].Extent))
	}
	return infos, nil
}

func (s *Server) collections(c echo.Context) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	infos, err := s.describeCollections(c)
	if err != nil {
		return err
	}
	base := baseURL(c.Request())
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"collections": infos,
		"links":       []Link{{Href: base + "/collections", Rel: RelSelf, Type: MediaJSON, Title: "collections"}},
	})
}

// levelOf reads the collection id of the path.
func levelOf(c echo.Context) (geo.Level, error) {
	id := c.Param("collectionId")
	l, ok := geo.ParseLevel(id)
	if !ok {
		return 0, notFound(fmt.Sprintf("no collection %q; collections are provinsi, kabupaten, kecamatan, desa, insiden", id))
	}
	return l, nil
}

func (s *Server) collection(c echo.Context) error {
	l, err := levelOf(c)
	if err != nil {
		return err
	}
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	infos, err := s.describeCollections(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, infos[l-1])
}

// phaseSelection is what a request says about which scores to join.
type phaseSelection struct{ election, phase, datetime string }

func phaseSelectionOf(c echo.Context) phaseSelection {
	return phaseSelection{c.QueryParam(ParamElection), c.QueryParam(ParamPhase), c.QueryParam(ParamDatetime)}
}

// resolvePhase picks the election and phase whose scores a request joins: as
// named, or the phase containing datetime (in the latest election that has
// one), or by default the latest election's last phase.
func (s *Server) resolvePhase(c echo.Context, sel phaseSelection) (string, string, error) {
	elections, err := s.store.Elections(c.Request().Context())
	if err != nil {
		return "", "", err
	}
	if len(elections) == 0 {
		return "", "", unavailable("no election is defined; run petarawan migrate")
	}
	if sel.phase != "" && sel.datetime != "" {
		return "", "", badParameter(ParamDatetime, "give phase or datetime, not both")
	}
	candidates, err := electionsNamed(elections, sel.election)
	if err != nil {
		return "", "", err
	}
	if sel.datetime != "" {
		at, err := parseDatetime(sel.datetime)
		if err != nil {
			return "", "", err
		}
		p, problem := geo.PhaseAt(data.ElectionPhases(candidates), at, "")
		if problem != nil {
			return "", "", badParameter(ParamDatetime, problem.Reason)
		}
		return p.Election, p.Phase, nil
	}
	e := candidates[0]
	if sel.phase == "" {
		return e.Code, e.Phases[len(e.Phases)-1].Code, nil
	}
	var codes []string
	for _, p := range e.Phases {
		if p.Code == sel.phase {
			return e.Code, p.Code, nil
		}
		codes = append(codes, p.Code)
	}
	return "", "", badParameter(ParamPhase, fmt.Sprintf("election %s has no phase %q; phases: %s", e.Code, sel.phase, strings.Join(codes, ", ")))
}

// electionsNamed is the election of that code (all of them for ""), or a
// problem naming the parameter.
func electionsNamed(elections []data.Election, code string) ([]data.Election, error) {
	if code == "" {
		return elections, nil
	}
	var codes []string
	for _, e := range elections {
		if e.Code == code {
			return []data.Election{e}, nil
		}
		codes = append(codes, e.Code)
	}
	return nil, badParameter(ParamElection, fmt.Sprintf("unknown election %q; elections are %s", code, strings.Join(codes, ", ")))
}

// parseDatetime reads an OGC datetime instant: a date (2024-02-14, its day in
// WIB) or an RFC 3339 date-time (2024-02-14T09:00:00+07:00).
func parseDatetime(s string) (time.Time, error) {
	if strings.Contains(s, "/") {
		return time.Time{}, badParameter(ParamDatetime, "intervals are not supported: give one date or date-time, which selects the election phase containing it")
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, geo.WIB); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badParameter(ParamDatetime, fmt.Sprintf("%q is neither a date (2024-02-14) nor an RFC 3339 date-time", s))
	}
	return t, nil
}

func (s *Server) items(c echo.Context) error {
	l, err := levelOf(c)
	if err != nil {
		return err
	}
	if err := checkRequest(c); err != nil {
		return err
	}
	req, err := parseItems(l, c.QueryParams())
	if err != nil {
		return err
	}
	q := &req.query
	q.Within = readScope(c)
	if q.Election, q.Phase, err = s.resolvePhase(c, phaseSelectionOf(c)); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if req.csv {
		matched, table, err := s.store.FeatureTable(ctx, *q)
		if err != nil {
			return err
		}
		defer table.Close()
		return s.writeCSV(c, l.String(), matched, table, q.Offset, q.Limit)
	}
	matched, rows, err := s.store.Features(ctx, *q)
	if err != nil {
		return err
	}
	defer rows.Close()
	return s.streamFeatures(c, rows, func(returned int, demo bool) map[string]any {
		return pageTail(matched, returned, demo, itemsLinks(c, l, q.Offset, q.Limit, returned, matched), req.notices)
	})
}

// pageTail is the members that close a page of features.
func pageTail(matched int64, returned int, demo bool, links []Link, notices []string) map[string]any {
	tail := map[string]any{
		"numberMatched":  matched,
		"numberReturned": returned,
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
		"demo":           demo,
	}
	if notices != nil {
		tail["notices"] = notices
	}
	return tail
}

// streamFeatures answers with a GeoJSON FeatureCollection of the rows'
// features, copied as they come, closed by the members tail gives for the
// number of features returned and whether any of them is demo data.
func (s *Server) streamFeatures(c echo.Context, rows *data.FeatureRows, tail func(returned int, demo bool) map[string]any) error {
	// Read the first row before answering, so that a failing query still gets a problem response.
	more := rows.Next()
	if err := rows.Err(); err != nil {
		return err
	}
	fc := newFeatureWriter(c, http.StatusOK)
	demo := false
	for ; more; more = rows.Next() {
		if _, err := fc.next().Write(rows.Feature()); err != nil {
			return err // the client has gone
		}
		demo = demo || rows.Demo()
	}
	if err := rows.Err(); err != nil {
		s.abortStream(c, "items", err)
	}
	return fc.close(tail(fc.written, demo))
}

// abortStream ends an answer whose body has started: it cuts the connection,
// so that the client sees a broken response rather than a short one.
func (s *Server) abortStream(c echo.Context, what string, err error) {
	s.log.Error(what+" stream failed", "request_id", requestID(c), "uri", loggedURI(c), "err", err)
	panic(http.ErrAbortHandler)
}

// featureWriter writes a GeoJSON FeatureCollection as its features come.
// The status and the collection's opening go out with the first feature
// (or the closing members), so that what fails before can still answer
// with a problem.
type featureWriter struct {
	res     *echo.Response
	status  int
	w       *bufio.Writer
	written int // features so far
}

func newFeatureWriter(c echo.Context, status int) *featureWriter {
	return &featureWriter{res: c.Response(), status: status, w: bufio.NewWriterSize(c.Response(), 64<<10)}
}

func (f *featureWriter) start() {
	f.res.Header().Set(echo.HeaderContentType, MediaGeoJSON)
	f.res.WriteHeader(f.status)
	f.w.WriteString(`{"type":"FeatureCollection","features":[`)
}

// next begins a feature, which the caller writes whole to the writer returned.
func (f *featureWriter) next() *bufio.Writer {
	if f.written == 0 {
		f.start()
	} else {
		f.w.WriteByte(',')
	}
	f.written++
	return f.w
}

// close ends the collection with the members of object, a value that
// encodes as a JSON object.
func (f *featureWriter) close(object any) error {
	members, err := marshalMembers(object)
	if err != nil {
		return err
	}
	if f.written == 0 {
		f.start()
	}
	f.w.WriteString(`],`)
	f.w.Write(members)
	return f.w.Flush()
}

// itemsLinks gives the links of a page of items: self, next, prev and the collection.
func itemsLinks(c echo.Context, l geo.Level, offset, limit, returned int, matched int64) []Link {
	links := pageLinks(c, MediaGeoJSON, offset, limit, returned, matched)
	return append(links, Link{Href: baseURL(c.Request()) + "/collections/" + l.String(), Rel: RelCollection, Type: MediaJSON, Title: "the collection"})
}

// pageLinks gives self, next and prev links to pages of the requested path,
// with every other parameter kept as asked.
func pageLinks(c echo.Context, mediaType string, offset, limit, returned int, matched int64) []Link {
	base := baseURL(c.Request()) + c.Request().URL.Path
	page := func(off int) string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			q[k] = v
		}
		q.Set(ParamOffset, strconv.Itoa(off))
		q.Set(ParamLimit, strconv.Itoa(limit))
		return base + "?" + q.Encode()
	}
	links := []Link{{Href: page(offset), Rel: RelSelf, Type: mediaType, Title: "this page"}}
	if int64(offset+returned) < matched {
		links = append(links, Link{Href: page(offset + returned), Rel: RelNext, Type: mediaType, Title: "next page"})
	}
	if offset > 0 {
		links = append(links, Link{Href: page(max(0, offset-limit)), Rel: RelPrev, Type: mediaType, Title: "previous page"})
	}
	return links
}

// unitOf reads the collection and feature id of the path: a level and a code of that level.
func unitOf(c echo.Context) (geo.Level, geo.Code, error) {
	l, err := levelOf(c)
	if err != nil {
		return 0, "", err
	}
	fid := c.Param("featureId")
	code, err := geo.ParseCode(fid)
	if err != nil || code.Level() != l {
		return 0, "", notFound(fmt.Sprintf("no %s with id %q; ids are codes with or without dots, e.g. %s", l, fid, exampleCode(l)))
	}
	return l, code, nil
}

func (s *Server) item(c echo.Context) error {
	l, code, err := unitOf(c)
	if err != nil {
		return err
	}
	if err := onlyParams(c, ParamElection, ParamPhase, ParamDatetime, ParamFormat); err != nil {
		return err
	}
	election, phase, err := s.resolvePhase(c, phaseSelectionOf(c))
	if err != nil {
		return err
	}
	feature, _, err := s.store.Feature(c.Request().Context(), l, code, election, phase)
	if errors.Is(err, data.ErrNotFound) {
		return notFound(fmt.Sprintf("no %s with code %s", l, code))
	}
	if err != nil {
		return err
	}
	base := baseURL(c.Request()) + "/collections/" + l.String()
	body, err := withFeatureLinks(feature, []Link{
		{Href: base + "/items/" + strconv.FormatInt(code.ID(), 10), Rel: RelSelf, Type: MediaGeoJSON, Title: "this feature"},
		{Href: base, Rel: RelCollection, Type: MediaJSON, Title: "the collection"},
		{Href: base + "/items/" + strconv.FormatInt(code.ID(), 10) + "/explain?" + url.Values{ParamElection: {election}, ParamPhase: {phase}}.Encode(),
			Rel: RelDescribedBy, Type: MediaJSON, Title: "why this score: indicators, observations, incidents and history"},
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MediaGeoJSON, body)
}

// withFeatureLinks adds links as the last member of a feature's JSON,
// which comes whole from the database.
func withFeatureLinks(feature []byte, links []Link) ([]byte, error) {
	members, err := marshalMembers(map[string]any{"links": links})
	if err != nil {
		return nil, err
	}
	body := append(feature[:len(feature)-1:len(feature)-1], ',')
	return append(body, members...), nil
}

func exampleCode(l geo.Level) geo.Code {
	return geo.Code("36.72.01.1001").Ancestor(l)
}

// marshalMembers encodes object (a map or a struct) as JSON object members
// without the brace that opens them: `"a":1,"b":2}`, to close an object
// already begun.
func marshalMembers(object any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(object); err != nil {
		return nil, err
	}
	out := strings.TrimSpace(b.String())
	return []byte(out[1:]), nil
}
