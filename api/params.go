package api

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Query parameter names, shared by the parser, the OpenAPI document and the tests.
const (
	ParamBBox       = "bbox"
	ParamLimit      = "limit"
	ParamOffset     = "offset"
	ParamSortBy     = "sortby"
	ParamProperties = "properties"
	ParamElection   = "election"
	ParamPhase      = "phase"
	ParamDatetime   = "datetime"
	ParamFormat     = "f"
	// ParamType selects incidents by type code (comma-separated).
	ParamType = "type"
	// ParamArea selects by admin unit: the desa of /hotspots, the cells of /h3.
	ParamArea = "area"
)

// Paging limits for items.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	// MaxOffset bounds how deep a page may start: deeper than any collection petarawan holds.
	MaxOffset = 10_000_000
)

// itemsParams are the parameters items accepts besides the filters of each collection.
var itemsParams = []string{ParamBBox, ParamLimit, ParamOffset, ParamSortBy, ParamProperties, ParamElection, ParamPhase, ParamDatetime, ParamFormat}

// itemsRequest is a parsed and validated items request.
type itemsRequest struct {
	query data.FeatureQuery
	// csv asks for the page as CSV (f=csv) rather than GeoJSON.
	csv bool
	// notices tell the client how the request was read where that may surprise it.
	notices []string
}

// parseItems reads the query string of /collections/{level}/items.
func parseItems(level geo.Level, q url.Values) (*itemsRequest, error) {
	props, byName := data.Properties(level), data.PropertiesByName(level)
	req := &itemsRequest{query: data.FeatureQuery{Level: level, Limit: DefaultLimit, Filters: map[string]string{}}}
	filters := filterNames(props)
	err := checkParams(q, append(slices.Clone(itemsParams), filters...), func(name string) string {
		if _, isProperty := byName[name]; isProperty {
			return fmt.Sprintf("unknown parameter; property %q cannot be filtered on; filterable: %s", name, strings.Join(filters, ", "))
		}
		return fmt.Sprintf("unknown parameter; items takes %s and the filters %s", strings.Join(itemsParams, ", "), strings.Join(filters, ", "))
	})
	if err != nil {
		return nil, err
	}
	if v := q.Get(ParamBBox); q.Has(ParamBBox) {
		if req.query.BBox, err = parseBBox(v); err != nil {
			return nil, err
		}
	}
	var notice string
	if req.query.Limit, req.query.Offset, notice, err = parsePage(q); err != nil {
		return nil, err
	}
	if notice != "" {
		req.notices = append(req.notices, notice)
	}
	if q.Has(ParamSortBy) {
		if req.query.SortBy, err = parseSortBy(q.Get(ParamSortBy), level); err != nil {
			return nil, err
		}
	}
	if q.Has(ParamProperties) {
		if req.query.Properties, err = parsePropertyList(q.Get(ParamProperties), byName); err != nil {
			return nil, err
		}
	}
	if req.csv, err = isCSV(q); err != nil {
		return nil, err
	}
	for _, p := range props {
		if v, ok := q[p.Name]; ok && p.Filter {
			if req.query.Filters[p.Name], err = parseFilter(p, v[0]); err != nil {
				return nil, err
			}
		}
	}
	return req, nil
}

// isCSV reads the format of items: GeoJSON (json, geojson; the default) or CSV.
func isCSV(q url.Values) (bool, error) {
	if !q.Has(ParamFormat) {
		return false, nil
	}
	switch f := q.Get(ParamFormat); f {
	case "json", "geojson":
		return false, nil
	case FormatCSV:
		return true, nil
	default:
		return false, badParameter(ParamFormat, fmt.Sprintf("format %q is not offered; use json, geojson or csv", f))
	}
}

// parsePage reads limit (default DefaultLimit) and offset (default 0). Any
// limit above MaxLimit, however large, is served as MaxLimit, as OGC API -
// Features asks, with a notice saying so.
func parsePage(q url.Values) (limit, offset int, notice string, err error) {
	limit = DefaultLimit
	if v := q.Get(ParamLimit); q.Has(ParamLimit) {
		limit, err = strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
			limit, err = math.MaxInt, nil // a whole number too large for an int is above the maximum too
		}
		if err != nil || limit < 1 {
			return 0, 0, "", badParameter(ParamLimit, fmt.Sprintf("%q is not a whole number of at least 1 (pages hold up to %d items)", v, MaxLimit))
		}
		if limit > MaxLimit {
			notice = fmt.Sprintf("limit %s is above the maximum %d: this page holds at most %d items; follow the next link for more", v, MaxLimit, MaxLimit)
			limit = MaxLimit
		}
	}
	if q.Has(ParamOffset) {
		if offset, err = strconv.Atoi(q.Get(ParamOffset)); err != nil || offset < 0 || offset > MaxOffset {
			return 0, 0, "", badParameter(ParamOffset, fmt.Sprintf("%q is not a whole number from 0 to %d", q.Get(ParamOffset), MaxOffset))
		}
	}
	return limit, offset, notice, nil
}

func filterNames(props []data.Property) []string {
	var names []string
	for _, p := range props {
		if p.Filter {
			names = append(names, p.Name)
		}
	}
	return names
}

// parseFilter checks a filter value: codes must be codes of the right level
// (with or without dots), enumerated properties one of their values.
func parseFilter(p data.Property, v string) (string, error) {
	switch {
	case p.CodeLevel != 0:
		code, err := geo.ParseCode(v)
		if err != nil {
			return "", badParameter(p.Name, err.Error())
		}
		if code.Level() != p.CodeLevel {
			return "", badParameter(p.Name, fmt.Sprintf("%s is a %s code; want a %s code", code, code.Level(), p.CodeLevel))
		}
		return string(code), nil
	case p.Enum != nil && !slices.Contains(p.Enum, v):
		return "", badParameter(p.Name, fmt.Sprintf("%q is not one of %s", v, strings.Join(p.Enum, ", ")))
	}
	return v, nil
}

// parseBBox reads minLon,minLat,maxLon,maxLat (a 6-number box with heights is accepted; heights are ignored).
func parseBBox(s string) (*geo.BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, badParameter(ParamBBox, fmt.Sprintf("want 4 numbers minLon,minLat,maxLon,maxLat; got %d", len(parts)))
	}
	nums := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badParameter(ParamBBox, fmt.Sprintf("%q is not a number", p))
		}
		nums[i] = f
	}
	b := geo.BBox{MinLon: nums[0], MinLat: nums[1], MaxLon: nums[2], MaxLat: nums[3]}
	if len(nums) == 6 {
		b = geo.BBox{MinLon: nums[0], MinLat: nums[1], MaxLon: nums[3], MaxLat: nums[4]}
	}
	if err := b.Validate(); err != nil {
		return nil, badParameter(ParamBBox, err.Error())
	}
	return &b, nil
}

// parseSortBy reads a comma-separated list of properties, each named once and
// optionally prefixed by + (ascending, the default) or - (descending).
func parseSortBy(s string, level geo.Level) ([]data.SortKey, error) {
	props := data.PropertiesByName(level)
	var keys []data.SortKey
	for _, item := range strings.Split(s, ",") {
		var k data.SortKey
		item = strings.TrimSpace(item)
		switch {
		case strings.HasPrefix(item, "-"):
			k.Descending, item = true, item[1:]
		case strings.HasPrefix(item, "+"):
			item = item[1:]
		}
		if p, ok := props[item]; !ok || !p.Sortable {
			return nil, badParameter(ParamSortBy, fmt.Sprintf("cannot sort by %q; sortable: %s", item, strings.Join(sortableNames(level), ", ")))
		}
		if slices.ContainsFunc(keys, func(k data.SortKey) bool { return k.Property == item }) {
			return nil, badParameter(ParamSortBy, fmt.Sprintf("property %q is named twice", item))
		}
		k.Property = item
		keys = append(keys, k)
	}
	return keys, nil
}

// sortableNames lists the properties of level's features that sortby takes, in output order.
func sortableNames(level geo.Level) []string {
	var names []string
	for _, p := range data.Properties(level) {
		if p.Sortable {
			names = append(names, p.Name)
		}
	}
	return names
}

// parsePropertyList reads the properties= selection: known property names, each once.
func parsePropertyList(s string, props map[string]data.Property) ([]string, error) {
	names := []string{}
	if s == "" {
		return names, nil
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if _, ok := props[name]; !ok {
			return nil, badParameter(ParamProperties, fmt.Sprintf("unknown property %q", name))
		}
		if slices.Contains(names, name) {
			return nil, badParameter(ParamProperties, fmt.Sprintf("property %q is named twice", name))
		}
		names = append(names, name)
	}
	return names, nil
}
