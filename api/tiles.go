package api

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Vector tiles of every collection: the plain XYZ template MapLibre and QGIS
// take, /tiles/{collection}/{z}/{x}/{y}.mvt with TileJSON at
// /tiles/{collection}.json, and the same tiles along the paths of OGC API -
// Tiles, /collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}.

// MediaMVT is the media type of a Mapbox Vector Tile.
const MediaMVT = "application/vnd.mapbox-vector-tile"

const (
	// webMercatorQuad is the only tile matrix set served.
	webMercatorQuad    = "WebMercatorQuad"
	webMercatorQuadURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crsWebMercator     = "http://www.opengis.net/def/crs/EPSG/0/3857"
	relTilingScheme    = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relItem            = "item"
)

// Routes of the tiles themselves: the gzip middleware leaves them alone
// (isTileRoute), as they are compressed once, when cached.
const (
	xyzTileRoute = "/tiles/:collectionId/:z/:x/:y"
	ogcTileRoute = "/collections/:collectionId/tiles/" + webMercatorQuad + "/:z/:y/:x"
)

// tileCacheControl makes clients revalidate a tile each time they use it: a
// score write changes the data version, hence the ETag, and an unchanged tile
// costs a 304.
const tileCacheControl = "no-cache"

// tileServer answers the tile routes from a cache of encoded tiles.
type tileServer struct {
	*Server
	cache *tileCache
}

func (s *Server) tileRoutes(e *echo.Echo) {
	t := &tileServer{Server: s, cache: newTileCache(s.opt.TileCacheBytes)}
	s.metrics.register(s.store, t.cache)
	e.GET("/tiles/:collectionId", t.tileJSON) // {collection}.json
	e.GET(xyzTileRoute, t.xyzTile)            // {y}.mvt
	e.GET("/collections/:collectionId/tiles", t.tilesets)
	e.GET("/collections/:collectionId/tiles/"+webMercatorQuad, t.tileset)
	e.GET(ogcTileRoute, t.ogcTile)
}

// isTileRoute tells whether c serves a tile (for the gzip middleware's Skipper).
func isTileRoute(c echo.Context) bool {
	return c.Path() == xyzTileRoute || c.Path() == ogcTileRoute
}

// tileCollections lists the collections with tiles: the levels from the top
// down, the incidents, the H3 cells by zoom (h3, a tileset without a
// collection of its own) and the H3 cells of each resolution.
var tileCollections = func() []string {
	var ids []string
	for _, l := range geo.Levels {
		ids = append(ids, l.String())
	}
	ids = append(ids, incidentCollection, h3TileCollection)
	for _, res := range geo.H3Resolutions {
		ids = append(ids, h3Collection(res))
	}
	return ids
}()

// tileParams are the query parameters of tiles and their metadata besides f;
// type selects incidents only.
func tileParams(collection string) []string {
	if collection == incidentCollection {
		return []string{ParamElection, ParamPhase, ParamDatetime, ParamType}
	}
	return []string{ParamElection, ParamPhase, ParamDatetime}
}

// tileQuery reads what selects the features of a collection's tiles, and
// returns it with the query parameters that said so, to be kept in the links
// and URL templates.
func (t *tileServer) tileQuery(c echo.Context, collection string, extra ...string) (data.TileRequest, url.Values, error) {
	var r data.TileRequest
	if !slices.Contains(tileCollections, collection) {
		return r, nil, notFound(fmt.Sprintf("no collection %q; collections with tiles are %s", collection, strings.Join(tileCollections, ", ")))
	}
	if err := onlyParams(c, append(tileParams(collection), extra...)...); err != nil {
		return r, nil, err
	}
	kept := url.Values{}
	for _, name := range tileParams(collection) {
		if c.QueryParams().Has(name) {
			kept.Set(name, c.QueryParams().Get(name))
		}
	}
	var err error
	if collection != incidentCollection {
		r.Level, _ = geo.ParseLevel(collection)
		r.H3Res = h3CollectionRes(collection)
		r.H3 = collection == h3TileCollection || r.H3Res != 0
		r.Election, r.Phase, err = t.resolvePhase(c, phaseSelectionOf(c))
		return r, kept, err
	}
	sel, err := t.parseIncidentSelection(c, kept)
	if err != nil {
		return r, nil, err
	}
	r.Election, r.Phase, r.Time, r.Types = sel.election, sel.phase, sel.time, sel.types
	return r, kept, nil
}

// parseTile reads a tile's zoom, column and row from the path; names are
// what the path calls them (in that order), for the problem.
func parseTile(z, x, y string, names [3]string) (geo.Tile, error) {
	var nums [3]int
	for i, s := range []string{z, x, y} {
		n, err := strconv.Atoi(s)
		if err != nil {
			return geo.Tile{}, badParameter(names[i], fmt.Sprintf("%q is not a whole number", s))
		}
		nums[i] = n
	}
	tile := geo.Tile{Z: nums[0], X: nums[1], Y: nums[2]}
	if err := tile.Validate(); err != nil {
		te := err.(*geo.TileError) // te.Field is z, x or y
		return tile, badParameter(names[strings.Index("zxy", te.Field)], te.Reason)
	}
	return tile, nil
}

func (t *tileServer) xyzTile(c echo.Context) error {
	y, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return notFound("tiles are at /tiles/{collection}/{z}/{x}/{y}.mvt")
	}
	r, _, err := t.tileQuery(c, c.Param("collectionId"))
	if err != nil {
		return err
	}
	if r.Tile, err = parseTile(c.Param("z"), c.Param("x"), y, [3]string{"z", "x", "y"}); err != nil {
		return err
	}
	return t.serveTile(c, r)
}

func (t *tileServer) ogcTile(c echo.Context) error {
	r, _, err := t.tileQuery(c, c.Param("collectionId"))
	if err != nil {
		return err
	}
	if r.Tile, err = parseTile(c.Param("z"), c.Param("x"), c.Param("y"), [3]string{"tileMatrix", "tileCol", "tileRow"}); err != nil {
		return err
	}
	return t.serveTile(c, r)
}

// tileETag is the ETag of a tile built from a data version: the version and
// a hash of the request, so that two tiles never share one (MapLibre keeps
// a reloaded tile whose ETag it already holds, even under another URL).
// Weak, as tiles of the same data are equal in content, not always in bytes.
func tileETag(version int64, key string) string {
	h := fnv.New32a()
	h.Write([]byte(key))
	return fmt.Sprintf(`W/"%d-%08x"`, version, h.Sum32())
}

// etagMatches tells whether an If-None-Match header names etag (weak comparison).
func etagMatches(ifNoneMatch, etag string) bool {
	for _, candidate := range strings.Split(ifNoneMatch, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// serveTile answers a tile: 304 when the client holds the current data
// version's, else from the cache, else built by PostGIS and cached.
func (t *tileServer) serveTile(c echo.Context, r data.TileRequest) error {
	ctx := c.Request().Context()
	version, err := t.store.DataVersion(ctx)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, tileCacheControl)
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	key := r.Key()
	if etag := tileETag(version, key); etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		h.Set("ETag", etag)
		return c.NoContent(http.StatusNotModified)
	}
	acceptsGzip := strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip")
	tile, ok := t.cache.get(version, key)
	if ok {
		t.metrics.tileHits.Inc()
	} else {
		t.metrics.tileMiss.Inc()
		var mvt []byte
		if version, mvt, err = t.store.Tile(ctx, r); err != nil {
			return err
		}
		// Compressed once for the cache; without one, only for a client that takes it.
		if tile, err = encodeTile(mvt, t.cache != nil || acceptsGzip); err != nil {
			return err
		}
		t.cache.put(version, key, tile)
	}
	h.Set("ETag", tileETag(version, key))
	if tile.gzipped != nil && acceptsGzip {
		h.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, MediaMVT, tile.gzipped)
	}
	return c.Blob(http.StatusOK, MediaMVT, tile.raw)
}

// tileBounds is the extent of a collection's features (CRS84): the stored
// units of its level; for the incidents, theirs, or the desa's while there
// are none; the Web Mercator world when there is no data.
func (t *tileServer) tileBounds(c echo.Context, r data.TileRequest) (geo.BBox, error) {
	ctx := c.Request().Context()
	extents, err := t.store.Extents(ctx)
	if err != nil {
		return geo.BBox{}, err
	}
	if r.H3 {
		r.Level = geo.Desa
	}
	if r.Level == 0 {
		b, err := t.store.IncidentExtent(ctx)
		if err != nil {
			return geo.BBox{}, err
		}
		if b != nil {
			return *b, nil
		}
		r.Level = geo.Desa
	}
	if e, ok := extents[r.Level]; ok {
		return e.BBox, nil
	}
	return geo.BBox{MinLon: -180, MinLat: -85.051129, MaxLon: 180, MaxLat: 85.051129}, nil
}

// tilesetQuery reads what a tileset's metadata describes: the tiles' query,
// the parameters it keeps in its links, and the extent of the features.
func (t *tileServer) tilesetQuery(c echo.Context, collection string) (data.TileRequest, url.Values, geo.BBox, error) {
	r, kept, err := t.tileQuery(c, collection, ParamFormat)
	if err != nil {
		return r, nil, geo.BBox{}, err
	}
	b, err := t.tileBounds(c, r)
	return r, kept, b, err
}

// tileDescription says what a collection's tiles hold.
func tileDescription(r data.TileRequest) string {
	switch {
	case r.H3 && r.H3Res == 0:
		return fmt.Sprintf("H3 cells with the risk scores of the desa overlapping them in %s %s, from zoom %d; the resolution "+
			"follows the zoom: res 5 up to z8, 6 at z9, 7 at z10-11, 8 at z12, 9 from z13. %s", r.Election, r.Phase, r.MinZoom(), DemoNotice)
	case r.H3:
		return fmt.Sprintf("H3 cells of resolution %d with the risk scores of the desa overlapping them in %s %s, from zoom %d. %s",
			r.H3Res, r.Election, r.Phase, r.MinZoom(), DemoNotice)
	}
	if r.Level == 0 {
		return "Incident reports as points, from zoom " + strconv.Itoa(r.MinZoom()) + ". Incidents whose demo is true are generated demo data."
	}
	return fmt.Sprintf("%s with their risk scores in %s %s, from zoom %d. %s", collectionTitles[r.Level], r.Election, r.Phase, r.MinZoom(), DemoNotice)
}

// mvtType names an attribute's type as TileJSON's fields conventionally do.
func mvtType(p data.Property) string {
	switch p.Type {
	case "number", "integer":
		return "Number"
	case "boolean":
		return "Boolean"
	}
	return "String"
}

// withQuery appends a query string to a URL, if there is one.
func withQuery(u string, q url.Values) string {
	if len(q) == 0 {
		return u
	}
	return u + "?" + q.Encode()
}

// tileJSON answers TileJSON 3.0.0 for /tiles/{collection}.json: what MapLibre
// and QGIS need to use the XYZ template, keeping the request's election,
// phase, datetime and type in it.
func (t *tileServer) tileJSON(c echo.Context) error {
	collection, ok := strings.CutSuffix(c.Param("collectionId"), ".json")
	if !ok {
		return notFound(fmt.Sprintf("no tileset %q; TileJSON is at /tiles/{collection}.json for %s", c.Param("collectionId"), strings.Join(tileCollections, ", ")))
	}
	r, kept, b, err := t.tilesetQuery(c, collection)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	for _, p := range r.Attributes() {
		fields[p.Name] = mvtType(p)
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"tilejson":    "3.0.0",
		"name":        collection,
		"description": tileDescription(r),
		"attribution": Attribution,
		"scheme":      "xyz",
		"tiles":       []string{withQuery(baseURL(c.Request())+"/tiles/"+collection+"/{z}/{x}/{y}.mvt", kept)},
		"minzoom":     r.MinZoom(),
		"maxzoom":     geo.MaxZoom,
		"bounds":      []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat},
		"center":      []float64{(b.MinLon + b.MaxLon) / 2, (b.MinLat + b.MaxLat) / 2, float64(r.MinZoom())},
		"vector_layers": []any{map[string]any{
			"id": r.Layer(), "description": tileDescription(r), "minzoom": r.MinZoom(), "maxzoom": geo.MaxZoom, "fields": fields,
		}},
	})
}

// tileLink is a link that may be a URL template (OGC API - Tiles).
type tileLink struct {
	Link
	Templated bool `json:"templated,omitempty"`
}

// tilesetLinks are the links of a collection's WebMercatorQuad tileset.
func tilesetLinks(c echo.Context, collection string, kept url.Values) []tileLink {
	base := baseURL(c.Request())
	tileset := base + "/collections/" + collection + "/tiles/" + webMercatorQuad
	return []tileLink{
		{Link: Link{Href: withQuery(tileset, kept), Rel: RelSelf, Type: MediaJSON, Title: "this tileset"}},
		{Link: Link{Href: webMercatorQuadURI, Rel: relTilingScheme, Title: "the tile matrix set WebMercatorQuad"}},
		{Link: Link{Href: withQuery(tileset+"/{tileMatrix}/{tileRow}/{tileCol}", kept), Rel: relItem, Type: MediaMVT,
			Title: "a tile: zoom, row (from the north), column (from the west)"}, Templated: true},
		{Link: Link{Href: withQuery(base+"/tiles/"+collection+".json", kept), Rel: RelDescribedBy, Type: MediaJSON,
			Title: "TileJSON of the same tiles, with the XYZ template /tiles/" + collection + "/{z}/{x}/{y}.mvt"}},
		{Link: Link{Href: base + "/collections/" + collection, Rel: RelCollection, Type: MediaJSON, Title: "the collection"}},
	}
}

// tilesets lists a collection's tilesets (OGC API - Tiles): WebMercatorQuad only.
func (t *tileServer) tilesets(c echo.Context) error {
	collection := c.Param("collectionId")
	r, kept, err := t.tileQuery(c, collection, ParamFormat)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"links": []Link{{Href: withQuery(baseURL(c.Request())+"/collections/"+collection+"/tiles", kept), Rel: RelSelf, Type: MediaJSON, Title: "the tilesets"}},
		"tilesets": []any{map[string]any{
			"title":            collection + " vector tiles",
			"description":      tileDescription(r),
			"dataType":         "vector",
			"crs":              crsWebMercator,
			"tileMatrixSetURI": webMercatorQuadURI,
			"links":            tilesetLinks(c, collection, kept),
		}},
	})
}

// tileset describes a collection's WebMercatorQuad tileset (OGC API - Tiles):
// its one layer with the attributes' schema, its zooms and extent.
func (t *tileServer) tileset(c echo.Context) error {
	collection := c.Param("collectionId")
	r, kept, b, err := t.tilesetQuery(c, collection)
	if err != nil {
		return err
	}
	properties := map[string]any{}
	for _, p := range r.Attributes() {
		properties[p.Name] = map[string]any{"type": p.Type, "description": p.Description}
	}
	geometryDimension := 2
	if r.Level == 0 && !r.H3 {
		geometryDimension = 0
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"title":            collection + " vector tiles",
		"description":      tileDescription(r),
		"attribution":      Attribution,
		"dataType":         "vector",
		"crs":              crsWebMercator,
		"tileMatrixSetURI": webMercatorQuadURI,
		"boundingBox":      map[string]any{"lowerLeft": []float64{b.MinLon, b.MinLat}, "upperRight": []float64{b.MaxLon, b.MaxLat}, "crs": crs84},
		"layers": []any{map[string]any{
			"id": r.Layer(), "dataType": "vector", "geometryDimension": geometryDimension,
			"minTileMatrix": strconv.Itoa(r.MinZoom()), "maxTileMatrix": strconv.Itoa(geo.MaxZoom),
			"propertiesSchema": map[string]any{"type": "object", "properties": properties},
		}},
		"links": tilesetLinks(c, collection, kept),
	})
}

func addTilePaths(paths object) {
	collectionParam := object{"name": "collection", "in": "path", "required": true, "description": "the collection",
		"schema": object{"type": "string", "enum": tileCollections}}
	zoomParam := func(name string) object {
		return object{"name": name, "in": "path", "required": true, "description": "zoom level",
			"schema": object{"type": "integer", "minimum": 0, "maximum": geo.MaxZoom}}
	}
	indexParam := func(name, description string) object {
		return object{"name": name, "in": "path", "required": true, "description": description + "; 0 to 2^zoom - 1",
			"schema": object{"type": "integer", "minimum": 0}}
	}
	tileResponses := func() object {
		return object{
			"200": object{"description": "the tile: one layer named after the collection; empty (zero bytes) outside the layer's zooms or data",
				"headers": object{
					"ETag":          object{"description": "the data version and the tile asked for: it changes with every score, incident or boundary write", "schema": object{"type": "string"}},
					"Cache-Control": object{"description": tileCacheControl + ": revalidate with If-None-Match", "schema": object{"type": "string"}},
				},
				"content": object{MediaMVT: object{"schema": object{"type": "string", "format": "binary"}}}},
			"304": object{"description": "the tile has not changed since the ETag given in If-None-Match"},
		}
	}
	paths["/tiles/{collection}.json"] = getOp("TileJSON 3.0.0 of a collection's vector tiles, for MapLibre and QGIS", "tilejson",
		jsonResponse("the TileJSON, its tiles URL template keeping election, phase, datetime and type"),
		append([]any{collectionParam}, append(tileQueryParams(""), ref("f"))...)...)
	paths["/tiles/{collection}/{z}/{x}/{y}.mvt"] = getOp("A vector tile (XYZ: x from the west, y from the north)", "tile",
		tileResponses(), append([]any{collectionParam, zoomParam("z"), indexParam("x", "column"), indexParam("y", "row")}, tileQueryParams("")...)...)
	for _, collection := range tileCollections {
		base := "/collections/" + collection + "/tiles"
		params := tileQueryParams(collection)
		paths[base] = getOp("The tilesets of "+collection+" (OGC API - Tiles)", "tilesets_"+collection,
			jsonResponse("the tilesets: WebMercatorQuad"), append(params, ref("f"))...)
		paths[base+"/"+webMercatorQuad] = getOp("The WebMercatorQuad tileset of "+collection+" (OGC API - Tiles)", "tileset_"+collection,
			jsonResponse("the tileset's metadata, linking the tile URL template"), append(params, ref("f"))...)
		paths[base+"/"+webMercatorQuad+"/{tileMatrix}/{tileRow}/{tileCol}"] = getOp("A vector tile of "+collection+" (OGC API - Tiles)", "tile_"+collection,
			tileResponses(), append([]any{zoomParam("tileMatrix"), indexParam("tileRow", "row from the north"), indexParam("tileCol", "column from the west")}, params...)...)
	}
}

// tileQueryParams are the query parameters of a collection's tiles ("": any collection).
func tileQueryParams(collection string) []any {
	params := []any{ref(ParamElection), ref(ParamPhase), ref(ParamDatetime)}
	incidentType := queryParam(ParamType, "insiden only: incidents of these types (comma-separated codes)",
		object{"type": "array", "items": object{"type": "string"}}, "form", false)
	switch collection {
	case incidentCollection:
		return []any{
			queryParam(ParamElection, "only incidents counted in this election, e.g. pemilu-2024", object{"type": "string"}, "", false),
			queryParam(ParamPhase, "only incidents counted in this phase, e.g. masa_tenang", object{"type": "string"}, "", false),
			queryParam(ParamDatetime, "only incidents that occurred at this instant or in this interval, as on the items", object{"type": "string"}, "", false),
			incidentType,
		}
	case "":
		return append(params, incidentType)
	}
	return params
}
