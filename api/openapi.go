package api

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

type object = map[string]any

// openAPIDocument describes the API in OpenAPI 3.0. Each collection's items
// path lists its filters as query parameters: GDAL reads them there to decide
// which attribute filters it can push to the server.
func openAPIDocument(base string) object {
	paths := object{
		"/":            getOp("Landing page", "landing", jsonResponse("links to the API definition, conformance and collections"), ref("f")),
		"/conformance": getOp("Conformance classes", "conformance", jsonResponse("the conformance classes implemented"), ref("f")),
		"/api":         getOp("This API definition", "api", object{"200": object{"description": "the OpenAPI document", "content": object{MediaOpenAPI: object{}}}}, ref("f")),
		"/collections": getOp("Collections", "collections", jsonResponse("the collections with their extents"), ref("f")),
		// Operations: they answer without a token even when reads need one.
		"/healthz": getOp("Liveness: the process answers", "healthz", jsonResponse(`{"status":"ok"}`)),
		"/readyz": getOp("Readiness: the database answers and its schema is this build's (else 503)", "readyz",
			jsonResponse("ready, with the schema's current and latest migration")),
		"/metrics": getOp("Prometheus metrics: requests by route and status, latencies, database pools, tile cache, job durations", "metrics",
			object{"200": object{"description": "the metrics in the Prometheus text format", "content": object{"text/plain": object{}}}}),
	}
	for _, l := range geo.Levels {
		id := l.String()
		paths["/collections/"+id] = getOp("Metadata of "+collectionTitles[l], "collection_"+id,
			jsonResponse("the collection's metadata"), ref("f"))
		params := []any{ref(ParamBBox), ref(ParamLimit), ref(ParamOffset), sortByParam(l), propertiesParam(l), ref(ParamElection), ref(ParamPhase), ref(ParamDatetime), ref("f")}
		for _, p := range data.Properties(l) {
			if p.Filter {
				params = append(params, filterParam(p))
			}
		}
		paths["/collections/"+id+"/items"] = getOp(collectionTitles[l]+" with risk scores", "items_"+id,
			geoJSONResponse("a page of features; follow the next link for more"), params...)
		paths["/collections/"+id+"/items/{featureId}"] = getOp("One "+id+" by code", "item_"+id,
			geoJSONResponse("the feature"), object{
				"name": "featureId", "in": "path", "required": true,
				"description": "the Kemendagri code with or without dots (" + string(exampleCode(l)) + " or " + strconv.FormatInt(exampleCode(l).ID(), 10) + ")",
				"schema":      object{"type": "string"},
			}, ref(ParamElection), ref(ParamPhase), ref(ParamDatetime), ref("f"))
	}
	addRiskPaths(paths)
	addIncidentPaths(paths)
	addAdminPaths(paths)
	addTilePaths(paths)
	addH3Paths(paths)
	addSearchPaths(paths)
	addHotspotPaths(paths)
	addPlanPaths(paths)
	addRateLimits(paths)
	return object{
		"openapi": "3.0.3",
		"info": object{
			"title":       "petarawan",
			"version":     "1.0.0",
			"description": "OGC API - Features over Indonesian admin units with election-security risk scores. " + DemoNotice + " " + Attribution + " " + inputRules,
		},
		"servers": []any{object{"url": base}},
		"paths":   paths,
		"components": object{
			"parameters": object{
				ParamBBox: queryParam(ParamBBox, "only features whose geometry intersects the box minLon,minLat,maxLon,maxLat (CRS84)",
					object{"type": "array", "minItems": 4, "maxItems": 6, "items": object{"type": "number"}}, "form", false),
				ParamLimit: queryParam(ParamLimit, "items per page (features, runs, audit entries, ...); above the maximum, the maximum is served",
					object{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}, "", false),
				ParamOffset: queryParam(ParamOffset, "features to skip (the next and prev links set it)",
					object{"type": "integer", "minimum": 0, "maximum": MaxOffset, "default": 0}, "", false),
				ParamElection: queryParam(ParamElection, "election of the scores, e.g. pemilu-2024 (default: the latest)",
					object{"type": "string"}, "", false),
				ParamPhase: queryParam(ParamPhase, "phase of the election: kampanye, masa_tenang, pemungutan_suara, penghitungan, rekapitulasi (default: the last)",
					object{"type": "string"}, "", false),
				ParamDatetime: queryParam(ParamDatetime, "a date (2024-02-12) or RFC 3339 date-time: the scores of the election phase containing it (dates in WIB); instead of phase",
					object{"type": "string"}, "", false),
				"f": queryParam(ParamFormat, "response format", object{"type": "string", "enum": []string{"json", "geojson", "html"}}, "", false),
			},
			"schemas": object{
				"Problem": object{"type": "object", "properties": object{
					"type": object{"type": "string"}, "title": object{"type": "string"}, "status": object{"type": "integer"},
					"detail": object{"type": "string"}, "instance": object{"type": "string"}, "parameter": object{"type": "string"},
					"problems": object{"type": "array", "description": "what was wrong with each item of a refused write",
						"items": object{"type": "object", "properties": object{
							"item": object{"type": "integer"}, "line": object{"type": "integer"},
							"field": object{"type": "string"}, "reason": object{"type": "string"}}}},
				}},
			},
			"securitySchemes": object{
				"bearer": object{"type": "http", "scheme": "bearer",
					"description": "a token from petarawan token create (roles viewer, editor, admin)"},
			},
		},
	}
}

// inputRules says how every request is read.
var inputRules = fmt.Sprintf("Every operation refuses with a 400 a query parameter it does not list, a parameter given twice, "+
	"a query string that does not parse, and a value that is not UTF-8, holds a NUL or is longer than %d bytes (polygon: %d). "+
	"JSON bodies (at most 8 MB) must be UTF-8 and name each member once, in its own letter case; strings are at most %d "+
	"characters and numbers at most %d in magnitude (422 naming the member).", MaxParamLength, maxPolygonLength, MaxJSONString, int64(MaxJSONNumber))

func getOp(summary, id string, responses object, params ...any) object {
	responses["400"] = problemResponse("bad request: the problem names the parameter")
	responses["404"] = problemResponse("no such collection or feature")
	responses["503"] = problemResponse("the database is unreachable or the query took too long; retry later")
	op := object{"summary": summary, "operationId": id, "responses": responses}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return object{"get": op}
}

// addRateLimits adds the 429 of rateLimit to every write and heavy read.
func addRateLimits(paths object) {
	tooMany := problemResponse("over the rate limit of this token or client address; Retry-After says when to try again")
	heavy := map[string]bool{}
	for _, route := range heavyReads { // Echo's :name is OpenAPI's {name}
		parts := strings.Split(route, "/")
		for i, p := range parts {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				parts[i] = "{" + name + "}"
			}
		}
		heavy[strings.Join(parts, "/")] = true
	}
	for path, item := range paths {
		for method, op := range item.(object) {
			o, _ := op.(object) // a path item's own parameters are no operation
			responses, isOp := o["responses"].(object)
			if isOp && (method != "get" || heavy[path]) {
				responses["429"] = tooMany
			}
		}
	}
}

// writeOp describes a write (post, put, delete) that needs a token of the
// given role; body, when set, is its JSON request body schema.
func writeOp(method, summary, id string, role data.Role, body object, responses object, params ...any) object {
	responses["400"] = problemResponse("bad request: the problem names the parameter")
	responses["401"] = problemResponse("no token, or a token that is unknown or revoked")
	responses["403"] = problemResponse("the token's role is not " + string(role) + " or above, or (observations, incidents) an item lies outside the token's jurisdiction")
	responses["422"] = problemResponse("the input is refused; problems lists each reason; nothing was written")
	responses["503"] = problemResponse("the database is unreachable or the query took too long; retry later")
	op := object{"summary": summary + " (role " + string(role) + ")", "operationId": id, "responses": responses,
		"security": []any{object{"bearer": []any{}}}}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if body != nil {
		op["requestBody"] = object{"required": true, "content": body}
	}
	return object{method: op}
}

// withOps merges the operations of several paths objects for one path.
func withOps(ops ...object) object {
	out := object{}
	for _, op := range ops {
		for k, v := range op {
			out[k] = v
		}
	}
	return out
}

func ref(name string) object { return object{"$ref": "#/components/parameters/" + name} }

func queryParam(name, description string, schema object, style string, required bool) object {
	p := object{"name": name, "in": "query", "required": required, "description": description, "schema": schema}
	if style != "" {
		p["style"], p["explode"] = style, false
	}
	return p
}

func filterParam(p data.Property) object {
	schema := object{"type": p.Type}
	if p.Enum != nil {
		schema["enum"] = p.Enum
	}
	return queryParam(p.Name, "only features whose "+p.Name+" equals this ("+p.Description+")", schema, "", false)
}

func sortByParam(l geo.Level) object {
	return queryParam(ParamSortBy, "comma-separated properties to order by, each once, with an optional + (ascending) or - (descending) prefix; the code breaks ties. Sortable: "+strings.Join(sortableNames(l), ", "),
		object{"type": "array", "items": object{"type": "string"}}, "form", false)
}

func propertiesParam(l geo.Level) object {
	var names []string
	for _, p := range data.Properties(l) {
		names = append(names, p.Name)
	}
	return queryParam(ParamProperties, "comma-separated properties to include (default: all)",
		object{"type": "array", "items": object{"type": "string", "enum": names}}, "form", false)
}

func jsonResponse(description string) object {
	return object{"200": object{"description": description, "content": object{MediaJSON: object{}}}}
}

func geoJSONResponse(description string) object {
	return object{"200": object{"description": description, "content": object{MediaGeoJSON: object{}}}}
}

func problemResponse(description string) object {
	return object{"description": description, "content": object{"application/problem+json": object{
		"schema": object{"$ref": "#/components/schemas/Problem"}}}}
}
