package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// H3 aggregates: /h3/{res} gives every cell of a resolution (of a bbox or an
// area) in one answer, GeoJSON or CSV for kepler.gl; the collections h3-5 ...
// h3-9 give the same cells as OGC API - Features, in pages; the tiles h3
// choose the resolution by zoom.

// MaxH3Cells bounds the cells of one /h3/{res} answer (Indonesia has about
// 400,000 at res 7): ask for a bbox or an area, or a coarser resolution, for more.
const MaxH3Cells = 1_000_000

// h3TileCollection is the tileset of H3 cells whose resolution follows the zoom.
const h3TileCollection = "h3"

// h3Params are the query parameters of /h3/{res}; the collections' items add limit and offset.
var h3Params = []string{ParamBBox, ParamArea, ParamElection, ParamPhase, ParamDatetime, ParamFormat}

// h3Collection is the id of the collection of the cells of a resolution.
func h3Collection(res int) string { return "h3-" + strconv.Itoa(res) }

// h3CollectionRes reads the resolution of an h3-{res} collection id (0 when it is none).
func h3CollectionRes(id string) int {
	for _, res := range geo.H3Resolutions {
		if id == h3Collection(res) {
			return res
		}
	}
	return 0
}

func (s *Server) h3Routes(e *echo.Echo) {
	e.GET("/h3/:res", s.h3Cells)
	// Static routes, which Echo prefers to the admin levels' /collections/:collectionId.
	for _, res := range geo.H3Resolutions {
		base := "/collections/" + h3Collection(res)
		e.GET(base, func(c echo.Context) error { return s.h3CollectionInfo(c, res) })
		e.GET(base+"/items", func(c echo.Context) error { return s.h3Items(c, res) })
		e.GET(base+"/items/:featureId", func(c echo.Context) error { return s.h3Item(c, res) })
	}
}

// parseH3Query reads what selects the cells of a resolution: bbox, area and the phase.
func (s *Server) parseH3Query(c echo.Context, res int, allowed []string) (data.H3Query, bool, error) {
	q := data.H3Query{Res: res}
	params, err := knownParams(c, allowed, nil)
	if err != nil {
		return q, false, err
	}
	csv, err := isCSV(params)
	if err != nil {
		return q, false, err
	}
	if params.Has(ParamBBox) {
		if q.BBox, err = parseBBox(params.Get(ParamBBox)); err != nil {
			return q, false, err
		}
	}
	if params.Has(ParamArea) {
		if q.Area, err = geo.ParseCode(params.Get(ParamArea)); err != nil {
			return q, false, badParameter(ParamArea, err.Error())
		}
	}
	q.Election, q.Phase, err = s.resolvePhase(c, phaseSelectionOf(c))
	return q, csv, err
}

// h3Cells answers /h3/{res}: every cell of the resolution that the bbox or
// area selects, in one GeoJSON FeatureCollection or CSV.
func (s *Server) h3Cells(c echo.Context) error {
	res, err := strconv.Atoi(c.Param("res"))
	if err != nil || res < geo.H3MinRes || res > geo.H3MaxRes {
		return badParameter("res", fmt.Sprintf("%q is not an aggregated H3 resolution; resolutions are %d-%d", c.Param("res"), geo.H3MinRes, geo.H3MaxRes))
	}
	q, csv, err := s.parseH3Query(c, res, h3Params)
	if err != nil {
		return err
	}
	// One more than the bound tells whether there are more.
	q.Limit = MaxH3Cells + 1
	refuse := func(matched int64) error {
		if matched <= MaxH3Cells {
			return nil
		}
		return badParameter(ParamBBox, fmt.Sprintf("%d cells match, more than the %d one answer holds; "+
			"narrow it with bbox or area, take a coarser resolution, or page through /collections/%s/items", matched, MaxH3Cells, h3Collection(res)))
	}
	return s.writeH3(c, q, csv, refuse, func(matched int64, returned int, demo bool) map[string]any {
		tail := pageTail(matched, returned, demo, []Link{{Href: baseURL(c.Request()) + c.Request().URL.RequestURI(), Rel: RelSelf, Type: MediaGeoJSON, Title: "this document"}}, nil)
		tail["method"] = h3Method
		return tail
	})
}

// writeH3 answers the page of cells q selects as CSV or as GeoJSON closed by
// the members tail gives; refuse, when set, may turn the number of cells
// matched into a problem before anything is sent.
func (s *Server) writeH3(c echo.Context, q data.H3Query, csv bool, refuse func(matched int64) error,
	tail func(matched int64, returned int, demo bool) map[string]any) error {
	ctx := c.Request().Context()
	if csv {
		matched, table, err := s.store.H3Table(ctx, q)
		if err != nil {
			return err
		}
		defer table.Close()
		if refuse != nil {
			if err := refuse(matched); err != nil {
				return err
			}
		}
		return s.writeCSV(c, h3Collection(q.Res), matched, table, q.Offset, q.Limit)
	}
	matched, rows, err := s.store.H3Features(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	if refuse != nil {
		if err := refuse(matched); err != nil {
			return err
		}
	}
	return s.streamFeatures(c, rows, func(returned int, demo bool) map[string]any { return tail(matched, returned, demo) })
}

// h3Method says how a cell's values come from the desa.
const h3Method = "Each cell's values come from the desa/kelurahan overlapping it, by overlap area on the sphere (not by centre " +
	"containment, so no desa is left out at any resolution): score is their composite score weighted by overlap area, " +
	"score_tps weighted by TPS (each desa's TPS spread over its cells by area), score_max the highest; category is " +
	"score's category by the desa thresholds; covered_fraction the share of the cell inside desa."

func (s *Server) h3Items(c echo.Context, res int) error {
	q, csv, err := s.parseH3Query(c, res, append([]string{ParamLimit, ParamOffset}, h3Params...))
	if err != nil {
		return err
	}
	var notice string
	if q.Limit, q.Offset, notice, err = parsePage(c.QueryParams()); err != nil {
		return err
	}
	var notices []string
	if notice != "" {
		notices = []string{notice}
	}
	return s.writeH3(c, q, csv, nil, func(matched int64, returned int, demo bool) map[string]any {
		links := append(pageLinks(c, MediaGeoJSON, q.Offset, q.Limit, returned, matched),
			Link{Href: baseURL(c.Request()) + "/collections/" + h3Collection(res), Rel: RelCollection, Type: MediaJSON, Title: "the collection"})
		return pageTail(matched, returned, demo, links, notices)
	})
}

func (s *Server) h3Item(c echo.Context, res int) error {
	id := c.Param("featureId")
	cell, err := geo.ParseH3Cell(id)
	if err != nil || cell.Resolution() != res {
		return notFound(fmt.Sprintf("no cell %q in %s; ids are H3 indexes of resolution %d", id, h3Collection(res), res))
	}
	q, _, err := s.parseH3Query(c, res, []string{ParamElection, ParamPhase, ParamDatetime, ParamFormat})
	if err != nil {
		return err
	}
	q.Cell, q.Limit = cell, 1
	_, rows, err := s.store.H3Features(c.Request().Context(), q)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return notFound(fmt.Sprintf("cell %s overlaps no desa", id))
	}
	base := baseURL(c.Request()) + "/collections/" + h3Collection(res)
	body, err := withFeatureLinks(rows.Feature(), []Link{
		{Href: base + "/items/" + id, Rel: RelSelf, Type: MediaGeoJSON, Title: "this cell"},
		{Href: base, Rel: RelCollection, Type: MediaJSON, Title: "the collection"},
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MediaGeoJSON, body)
}

// describeH3 gives the metadata of the collection of the cells of a resolution.
// Its extent is the desa's (given as extent).
func describeH3(c echo.Context, res int, extent map[string]any) collectionInfo {
	href := baseURL(c.Request()) + "/collections/" + h3Collection(res)
	info := collectionInfo{
		ID:    h3Collection(res),
		Title: fmt.Sprintf("H3 res %d", res),
		Description: fmt.Sprintf("H3 cells of resolution %d (about %.3g km² each) with the risk scores of the desa "+
			"overlapping them in an election phase (parameters election and phase or datetime). %s %s", res, geo.H3CellAreaKm2(res), h3Method, DemoNotice),
		Attribution: Attribution,
		ItemType:    "feature",
		CRS:         []string{crs84},
		Extent:      extent,
		Links: []Link{
			{Href: href, Rel: RelSelf, Type: MediaJSON, Title: "this collection"},
			{Href: href + "/items", Rel: RelItems, Type: MediaGeoJSON, Title: "the cells"},
			{Href: href + "/tiles", Rel: RelTilesetsVector, Type: MediaJSON, Title: "the vector tilesets"},
		},
	}
	return info
}

func (s *Server) h3CollectionInfo(c echo.Context, res int) error {
	if err := onlyParams(c, ParamFormat); err != nil {
		return err
	}
	infos, err := s.describeCollections(c)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(infos, func(info collectionInfo) bool { return info.ID == h3Collection(res) })
	return writeJSON(c, http.StatusOK, MediaJSON, infos[i])
}

func addH3Paths(paths object) {
	area := queryParam(ParamArea, "only the cells overlapping the desa of this admin unit (a Kemendagri code of any level, with or without dots)",
		object{"type": "string"}, "", false)
	format := queryParam(ParamFormat, "GeoJSON (json, geojson; the default) or CSV (csv: hex_id first, the column kepler.gl builds an H3 layer from)",
		object{"type": "string", "enum": []string{"json", "geojson", FormatCSV}}, "", false)
	cells := func(description string) object {
		return object{"200": object{"description": description, "content": object{MediaGeoJSON: object{}, MediaCSV: object{"schema": object{"type": "string"}}}}}
	}
	paths["/h3/{res}"] = getOp(fmt.Sprintf("Every H3 cell of a resolution (at most %d) with the scores of its desa, in one answer", MaxH3Cells), "h3",
		cells("the cells as a FeatureCollection with the method, or CSV"),
		object{"name": "res", "in": "path", "required": true, "description": "H3 resolution",
			"schema": object{"type": "integer", "minimum": geo.H3MinRes, "maximum": geo.H3MaxRes}},
		ref(ParamBBox), area, ref(ParamElection), ref(ParamPhase), ref(ParamDatetime), format)
	for _, res := range geo.H3Resolutions {
		id := h3Collection(res)
		paths["/collections/"+id] = getOp(fmt.Sprintf("Metadata of the H3 cells of resolution %d", res), "collection_"+id,
			jsonResponse("the collection's metadata"), ref("f"))
		paths["/collections/"+id+"/items"] = getOp(fmt.Sprintf("H3 cells of resolution %d with the scores of their desa", res), "items_"+id,
			cells("a page of cells; follow the next link for more"),
			ref(ParamBBox), area, ref(ParamLimit), ref(ParamOffset), ref(ParamElection), ref(ParamPhase), ref(ParamDatetime), format)
		paths["/collections/"+id+"/items/{featureId}"] = getOp(fmt.Sprintf("One H3 cell of resolution %d", res), "item_"+id,
			geoJSONResponse("the cell"), object{"name": "featureId", "in": "path", "required": true,
				"description": "the H3 index, 15 hexadecimal digits", "schema": object{"type": "string", "pattern": "^[0-9a-fA-F]{15}$"}},
			ref(ParamElection), ref(ParamPhase), ref(ParamDatetime), ref("f"))
	}
}
